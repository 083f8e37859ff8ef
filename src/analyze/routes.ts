// Which requests each route owns, decided symbolically: a route's box minus the boxes of every route tried
// before it (higher priority, or equal priority and declared first), as disjoint boxes. From it:
// `route_shadowed` (it owns nothing) and `route_ambiguous` (an equal-priority route declared first takes some
// request of it that no higher route took — which one wins then depends on declaration order). Exact; when a route's owned region splits into more boxes than
// the bound allows, that route is left out of the owned-region checks (never reported wrongly).
import { diagnostic } from '../policy/diagnostic.js';
import { sourceRef, type PolicySet, type RouteEntry } from '../policy/model.js';
import { byPriority } from '../engine/index.js';
import type { Diagnostic } from '../errors.js';
import { BoxIndex } from './box-index.js';
import { describeRequest, intersect, overlaps, pointOf, requestAt, subtract, within, type Box, type Domain } from './domain.js';

export interface Limits {
  /** Most disjoint boxes a route's owned region (or its split by rules) may take before the route is skipped. */
  readonly maxPieces: number;
}

export const DEFAULT_LIMITS: Limits = { maxPieces: 2_000 };

export interface Owned {
  readonly route: RouteEntry;
  readonly box: Box;
  /** Disjoint boxes of the requests the route owns; null when the bound was reached. */
  readonly pieces: readonly Box[] | null;
  /** Routes tried before it that take some of its requests, in the order they are tried. */
  readonly takers: readonly RouteEntry[];
}

export interface RouteAnalysis {
  readonly diagnostics: Diagnostic[];
  /** Routes with a non-empty box, in the order they are tried. */
  readonly owned: readonly Owned[];
}

const q = (s: string): string => `\`${s}\``;

interface Tried {
  readonly route: RouteEntry;
  readonly box: Box;
}

/** An equal-priority route tried before a route, and a request of both that reaches it (so it owns the request). */
interface Overlap {
  readonly other: RouteEntry;
  readonly both: Box;
}

/**
 * The route's box minus every route tried before it, in the order they are tried. On the way, an earlier route
 * of equal priority that meets what is left of the box (the requests no route before it took) is an overlap:
 * it owns those requests only because it is declared first.
 */
function ownedPieces(d: Domain, route: RouteEntry, box: Box, earlier: readonly Tried[], limits: Limits): Pick<Owned, 'pieces' | 'takers'> & { overlaps: Overlap[] } {
  let pieces: Box[] = [box];
  const takers: RouteEntry[] = [];
  const found: Overlap[] = [];
  for (const other of earlier) {
    const next: Box[] = [];
    let both: Box | undefined;
    for (const piece of pieces) {
      if (!overlaps(d, piece, other.box)) next.push(piece);
      else {
        both ??= intersect(piece, other.box);
        if (!within(piece, other.box)) next.push(...subtract(d, piece, other.box));
      }
    }
    if (both !== undefined) {
      takers.push(other.route);
      if (other.route.spec.priority === route.spec.priority) found.push({ other: other.route, both });
    }
    pieces = next;
    if (pieces.length === 0) break;
    // Past the bound, neither the owned region nor later overlaps are known: the route is left out of both checks.
    if (pieces.length > limits.maxPieces) return { pieces: null, takers, overlaps: found };
  }
  return { pieces, takers, overlaps: found };
}

function describeRoutes(routes: readonly RouteEntry[]): string {
  const shown = routes.slice(0, 5).map((r) => `${q(r.name)} (priority ${r.spec.priority}, ${sourceRef(r.source)})`);
  const more = routes.length > 5 ? ` and ${routes.length - 5} more` : '';
  return `${routes.length === 1 ? 'route' : 'routes'} ${shown.join(', ')}${more}`;
}

export function analyzeRoutes(policy: PolicySet, d: Domain, boxes: ReadonlyMap<string, Box | null>, limits: Limits): RouteAnalysis {
  const order = byPriority(policy.routes.values());
  const tried: { route: RouteEntry; box: Box | null }[] = order.map((route) => ({ route, box: boxes.get(route.name) ?? null }));
  const index = new BoxIndex(d, tried.map((t) => t.box));
  const diagnostics: Diagnostic[] = [];
  const owned: Owned[] = [];
  tried.forEach(({ route, box }, k) => {
    if (box === null) return;
    const earlier = index
      .candidates(box, k)
      .map((j) => tried[j]!)
      .filter((t): t is Tried => t.box !== null && overlaps(d, t.box, box));
    const result = ownedPieces(d, route, box, earlier, limits);
    for (const { other, both } of result.overlaps) {
      const point = pointOf(d, both);
      if (point === undefined) continue;
      const message =
        `route ${q(route.name)} overlaps route ${q(other.name)} (${sourceRef(other.source)}) at equal priority ${route.spec.priority}: ` +
        `both match e.g. ${describeRequest(requestAt(d, point))}, and ${q(other.name)} wins only because it is declared first; ` +
        'give one of them a higher priority or make their matches disjoint';
      diagnostics.push(diagnostic(route.locate('/spec/priority'), '/spec/priority', 'route_ambiguous', message));
    }
    if (result.pieces !== null && result.pieces.length === 0) {
      const message = `route ${q(route.name)} owns no request: every request it matches is taken first by ${describeRoutes(result.takers)}`;
      diagnostics.push(diagnostic(route.locate('/spec/priority'), '/spec/priority', 'route_shadowed', message));
    }
    owned.push({ route, box, pieces: result.pieces, takers: result.takers });
  });
  return { diagnostics, owned };
}
