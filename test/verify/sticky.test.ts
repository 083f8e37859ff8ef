// Weighted routes in replay: records without a sticky key or request id split by weight (a key of their own
// from their line, so reruns and both sides of a diff agree), and over the request space a weight change
// moves the weight that changed hands, not every class.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/index.js';
import { points, requestSpace } from '../../src/verify/space.js';
import { diffPolicies, diffSpace } from '../../src/verify/diff.js';
import { dryRunRecords } from '../../src/verify/dry-run.js';
import { formatDiffMarkdown } from '../../src/verify/diff-markdown.js';
import { formatDiffText } from '../../src/verify/diff-report.js';
import { trafficFromLines, type TrafficRecord } from '../../src/verify/traffic.js';
import { graphOf, POLICY } from './diff-fixtures.js';

const SUPPORT_TARGETS = 'targets: [{ model: small-us }, { model: small-eu }]';
const weighted = (us: number, eu: number): string =>
  POLICY.replace(SUPPORT_TARGETS, `strategy: weighted\n  targets: [{ model: small-us, weight: ${us} }, { model: small-eu, weight: ${eu} }]`);

function supportChat(n: number, extra = ''): TrafficRecord[] {
  const lines = Array.from({ length: n }, (_, i) => `{"team":"support","task":"chat","model":"auto","promptTokens":${100 + i}${extra}}`);
  const out: TrafficRecord[] = [];
  for (const item of trafficFromLines(lines)) if (item.kind === 'record') out.push(item.record);
  return out;
}

const byModel = (records: readonly TrafficRecord[], policy: string): Record<string, number> =>
  Object.fromEntries(dryRunRecords(graphOf(policy), records).routes.map((r) => [r.model, r.requests]));

describe('weighted routes over recorded traffic', () => {
  it('records without a sticky key or request id split in proportion to the weights', () => {
    const split = byModel(supportChat(2000), weighted(50, 50));
    expect((split['small-us'] ?? 0) + (split['small-eu'] ?? 0)).toBe(2000);
    expect(split['small-us']).toBeGreaterThan(900);
    expect(split['small-eu']).toBeGreaterThan(900);
    const skewed = byModel(supportChat(2000), weighted(90, 10));
    expect(skewed['small-eu']).toBeGreaterThan(140);
    expect(skewed['small-eu']).toBeLessThan(260);
  });

  it('twenty records at 50/50 use both targets, and a rerun agrees', () => {
    const first = byModel(supportChat(20), weighted(50, 50));
    expect(first['small-us']).toBeGreaterThan(0);
    expect(first['small-eu']).toBeGreaterThan(0);
    expect(byModel(supportChat(20), weighted(50, 50))).toEqual(first);
  });

  it('records sharing a sticky key still all go one way', () => {
    const split = byModel(supportChat(50, ',"stickyKey":"user-7"'), weighted(50, 50));
    expect(Object.values(split)).toEqual([50]);
  });

  it('diff gives a record the same key on both sides: an unchanged weighted policy changes nothing', () => {
    const r = diffPolicies({ label: 'base', graph: graphOf(weighted(50, 50)) }, { label: 'head', graph: graphOf(weighted(50, 50)) }, { traffic: { label: 't', records: supportChat(200) } });
    expect(r.traffic?.changed).toBe(0);
  });

  it('diff of a 90/10 → 10/90 change moves about 80% of the records', () => {
    const r = diffPolicies({ label: 'base', graph: graphOf(weighted(90, 10)) }, { label: 'head', graph: graphOf(weighted(10, 90)) }, { traffic: { label: 't', records: supportChat(2000) } });
    const moved = r.traffic?.changed ?? 0;
    expect(moved).toBeGreaterThan(1500);
    expect(moved).toBeLessThan(1700);
  });
});

describe('weighted routes over the request space', () => {
  it('a 90/10 → 10/90 change moves 80% of each weighted class, not all of it', () => {
    const s = diffSpace(graphOf(weighted(90, 10)), graphOf(weighted(10, 90)));
    if (s.skipped !== undefined) throw new Error(s.skipped);
    const moves = s.moves.filter((m) => m.from.kind === 'route' && m.from.route === 'support-chat');
    expect(moves).toHaveLength(1);
    const [move] = moves;
    expect(move?.from).toMatchObject({ model: 'small-us' });
    expect(move?.to).toMatchObject({ model: 'small-eu' });
    // Every class support-chat owns moves 0.8 of its requests; no class moves whole.
    const base = graphOf(weighted(90, 10));
    let owned = 0;
    for (const p of points(requestSpace(base.policy), { withBudgets: false })) {
      const d = decide(base, p.ctx);
      if (d.outcome === 'route' && d.route === 'support-chat') owned++;
    }
    expect(owned).toBeGreaterThan(0);
    expect(move?.count).toBeCloseTo(0.8 * owned, 9);
    expect(move?.share).toBeCloseTo((0.8 * owned) / s.compared, 9);
    expect(s.changed).toBeCloseTo(0.8 * owned, 9);
  });

  it('an unchanged weighted route changes no class', () => {
    const s = diffSpace(graphOf(weighted(90, 10)), graphOf(weighted(90, 10)));
    expect(s.skipped === undefined ? s.changed : -1).toBe(0);
  });
});

describe('weighted moves in the diff report', () => {
  it('the text report says a weighted class counts by the share that moves', () => {
    const r = diffPolicies({ label: 'base', graph: graphOf(weighted(90, 10)) }, { label: 'head', graph: graphOf(weighted(10, 90)) });
    expect(formatDiffText(r)).toContain('counts by the share of its requests that moves');
    expect(formatDiffMarkdown(r)).toContain('counts by the share of its requests that moves');
  });
});
