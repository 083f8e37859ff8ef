// The sticky key of a weighted route when the proxy is not there to supply one. The proxy hashes the caller's
// sticky key, else the request id — random per request — so recorded traffic without either splits by weight.
// Replayed, each such record gets a key of its own derived from its line (reruns agree, both sides of a diff
// agree); a request class of the abstract space is spread over the picks in proportion to the weights.
import { decide, type Decision, type DecisionGraph, type RequestContext } from '../engine/index.js';
import { fmix32, fnv1a32Signed } from '../engine/hash.js';
import type { TrafficRecord } from './traffic.js';

/** The context to decide a record with: its own sticky key or request id, else one derived from its line. */
export function replayContext(record: TrafficRecord): RequestContext {
  const ctx = record.ctx;
  if ((ctx.stickyKey !== undefined && ctx.stickyKey !== '') || (ctx.requestId !== undefined && ctx.requestId !== '')) return ctx;
  return { ...ctx, requestId: `traffic-line-${record.line}` };
}

/**
 * Where a weighted route's picks change over the unit interval of hash points: target i owns
 * [breaks[i-1], breaks[i]) (zero-weight targets own nothing). Undefined for a route without a sticky pick.
 */
function pickBreaks(graph: DecisionGraph, route: string | undefined): number[] | undefined {
  const spec = route === undefined ? undefined : graph.policy.routes.get(route)?.spec;
  if (spec?.strategy !== 'weighted') return undefined;
  // The engine's default weight (compile-routes.ts).
  const weights = spec.targets.map((t) => t.weight ?? 1);
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) return undefined;
  let running = 0;
  return weights.map((w) => (running += w) / total);
}

/** Hash points live in [0, 1): `hashPoint` scaled by 1. */
const pointOf = (key: string): number => (fmix32(fnv1a32Signed(key)) >>> 0) / 4294967296;

/** Candidate keys tried when looking for one whose point falls in an interval; narrower intervals are left out. */
const MAX_TRIES = 1 << 20;
const keysIn = new Map<string, string | null>();

/** A key whose hash point lies inside (lo, hi), or undefined when none of the keys tried does. */
function keyInside(lo: number, hi: number): string | undefined {
  const id = `${lo}:${hi}`;
  const cached = keysIn.get(id);
  if (cached !== undefined) return cached ?? undefined;
  let found: string | null = null;
  for (let i = 0; i < MAX_TRIES; i++) {
    const key = `space-pick-${i}`;
    const u = pointOf(key);
    if (u > lo && u < hi) {
      found = key;
      break;
    }
  }
  keysIn.set(id, found);
  return found ?? undefined;
}

export interface WeightedPair {
  readonly base: Decision;
  readonly head: Decision;
  /** The share of the class's requests (of the hash points) decided this way by both. */
  readonly weight: number;
}

/**
 * How both versions decide one request class, as shares of its requests. A request's sticky key is the same on
 * both sides, so a key whose hash point lies where both versions pick the same target stays, and only the
 * weight that changed hands moves (90/10 → 10/90 moves 80%). Classes on no weighted route are one pair.
 */
export function weightedPairs(base: DecisionGraph, head: DecisionGraph, ctx: RequestContext): WeightedPair[] {
  const b = decide(base, ctx);
  const h = decide(head, ctx);
  const baseBreaks = pickBreaks(base, b.route);
  const headBreaks = pickBreaks(head, h.route);
  if (baseBreaks === undefined && headBreaks === undefined) return [{ base: b, head: h, weight: 1 }];
  const cuts = [...new Set([0, 1, ...(baseBreaks ?? []), ...(headBreaks ?? [])])].sort((x, y) => x - y);
  const out: WeightedPair[] = [];
  for (let i = 1; i < cuts.length; i++) {
    const lo = cuts[i - 1] ?? 0;
    const hi = cuts[i] ?? 1;
    if (hi <= lo) continue;
    const key = keyInside(lo, hi);
    if (key === undefined) continue;
    const keyed = { ...ctx, stickyKey: key };
    out.push({
      base: baseBreaks === undefined ? b : decide(base, keyed),
      head: headBreaks === undefined ? h : decide(head, keyed),
      weight: hi - lo,
    });
  }
  // Renormalised: intervals too narrow to find a key for are left out.
  const kept = out.reduce((s, p) => s + p.weight, 0);
  return out.map((p) => ({ ...p, weight: p.weight / kept }));
}
