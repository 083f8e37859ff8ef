// diff on known edits — reordered targets, a new residency rule, a raised priority — reports exactly the
// decisions that change (on the traffic and over the request space) and the cost delta, computed here from
// the prices in the fixture.
import { describe, expect, it } from 'vitest';
import { diffInvariants, diffPolicies, diffSignals, diffSpace, newlyFailing, type DiffReport } from '../../src/verify/diff.js';
import { formatDiffMarkdown, mermaidMoves } from '../../src/verify/diff-markdown.js';
import { diffHeadline, formatDiffText } from '../../src/verify/diff-report.js';
import { trafficFromLines, type TrafficRecord } from '../../src/verify/traffic.js';
import { costAt, EDITS, graphOf, POLICY, TRAFFIC_TEXT, type ModelName } from './diff-fixtures.js';

function records(): TrafficRecord[] {
  const out: TrafficRecord[] = [];
  for (const item of trafficFromLines(TRAFFIC_TEXT.split('\n'))) if (item.kind === 'record') out.push(item.record);
  return out;
}

function diff(head: string): DiffReport {
  return diffPolicies({ label: 'base', graph: graphOf(POLICY) }, { label: 'head', graph: graphOf(head) }, { traffic: { label: 'traffic.jsonl', records: records() } });
}

/** Per-day change when records `moved` go from one model to another (the traffic spans half a day). */
function deltaPerDay(moved: readonly number[], from: ModelName, to: ModelName | 'denied'): number {
  return moved.reduce((s, i) => s + (to === 'denied' ? 0 : costAt(i, to)) - costAt(i, from), 0) / 0.5;
}

describe('diff over traffic', () => {
  it('reordered targets: the code requests move from big-us to small-us', () => {
    const r = diff(EDITS.reorderedTargets);
    const t = r.traffic;
    expect(t?.compared).toBe(10);
    expect(t?.changed).toBe(4);
    expect(t?.moves).toHaveLength(1);
    const [move] = t?.moves ?? [];
    expect(move?.from).toEqual({ kind: 'route', route: 'code', model: 'big-us', provider: 'us' });
    expect(move?.to).toEqual({ kind: 'route', route: 'code', model: 'small-us', provider: 'us' });
    expect(move?.count).toBe(4);
    expect(move?.share).toBe(0.4);
    // eng sent 5 requests (2 of them code), support 4 (2 of them code).
    expect(move?.teams).toEqual([
      { team: 'eng', count: 2, teamShare: 0.4 },
      { team: 'support', count: 2, teamShare: 0.5 },
    ]);
    expect(t?.newlyDenied).toEqual([]);
    expect(t?.newlyAllowed).toEqual([]);
    expect(t?.cost.deltaPerDayUsd).toBeCloseTo(deltaPerDay([0, 1, 2, 5], 'big-us', 'small-us'), 12);
    expect(t?.cost.deltaPerDayUsd).toBeLessThan(0);
  });

  it('a new residency rule: pii-eu chat moves to the EU model, pii-eu code is newly denied', () => {
    const t = diff(EDITS.newResidency).traffic;
    expect(t?.changed).toBe(2);
    expect(t?.moves.map((m) => [m.from, m.to, m.count])).toEqual([
      [{ kind: 'route', route: 'code', model: 'big-us', provider: 'us' }, { kind: 'deny', code: 'no_eligible_model', rule: 'Route/code' }, 1],
      [{ kind: 'route', route: 'support-chat', model: 'small-us', provider: 'us' }, { kind: 'route', route: 'support-chat', model: 'small-eu', provider: 'eu' }, 1],
    ]);
    expect(t?.newlyDenied.map((d) => [d.code, d.rule, d.count, d.share, d.example.line])).toEqual([['no_eligible_model', 'Route/code', 1, 0.1, 6]]);
    expect(t?.newlyAllowed).toEqual([]);
    expect(t?.cost.deltaPerDayUsd).toBeCloseTo(deltaPerDay([4], 'small-us', 'small-eu') + deltaPerDay([5], 'big-us', 'denied'), 12);
  });

  it('a raised priority: eng code requests move to eng-all', () => {
    const t = diff(EDITS.raisedPriority).traffic;
    expect(t?.changed).toBe(2);
    expect(t?.moves.map((m) => [m.from, m.to, m.count, m.teams])).toEqual([
      [
        { kind: 'route', route: 'code', model: 'big-us', provider: 'us' },
        { kind: 'route', route: 'eng-all', model: 'small-eu', provider: 'eu' },
        2,
        [{ team: 'eng', count: 2, teamShare: 0.4 }],
      ],
    ]);
    expect(t?.cost.deltaPerDayUsd).toBeCloseTo(deltaPerDay([0, 1], 'big-us', 'small-eu'), 12);
  });

  it('no edit: nothing changes and nothing costs more', () => {
    const r = diff(POLICY);
    expect(r.traffic).toMatchObject({ changed: 0, fallbacksChanged: 0, moves: [], newlyDenied: [], newlyAllowed: [] });
    expect(r.traffic?.cost.deltaPerDayUsd).toBe(0);
    expect(diffSignals(r)).toEqual({ changed: false, newlyDenied: false });
    expect(diffHeadline(r)).toBe('changes no decision on 10 recorded requests, est. $0.00/day, denies nothing new');
  });

  it('a change of fallbacks only is counted apart from changed decisions', () => {
    const fallbacks = POLICY.replace('targets: [{ model: small-us }, { model: big-us }]', 'targets: [{ model: small-us }, { model: small-eu }]');
    const t = diff(fallbacks).traffic;
    // The default route owns nothing in the sample: its change shows only over the request space.
    expect(t?.fallbacksChanged).toBe(0);
    const chat = POLICY.replace('targets: [{ model: small-us }, { model: small-eu }]', 'targets: [{ model: small-us }, { model: big-us }]');
    const r = diff(chat);
    expect(r.traffic?.changed).toBe(0);
    expect(r.traffic?.fallbacksChanged).toBe(2);
    expect(diffSignals(r).changed).toBe(true);
  });
});

describe('diff over the request space', () => {
  // Every version has 2 teams × their classes (eng 2, support 3) × 2 tasks × 5 requested models (3 models,
  // `auto`, one unknown) × 2 prompt intervals (below and above the 100,000-token windows) = 100 classes.
  it('reordered targets change exactly the code classes that fit the context window', () => {
    const s = diffSpace(graphOf(POLICY), graphOf(EDITS.reorderedTargets));
    if (s.skipped !== undefined) throw new Error(s.skipped);
    expect(s.compared).toBe(100);
    // task code × 5 team/class pairs × 5 models, below the window; above it nothing fits either way.
    expect(s.changed).toBe(25);
    expect(s.moves).toHaveLength(1);
    expect(s.moves[0]?.example.ctx).toMatchObject({ task: 'code', promptTokens: 0 });
  });

  it('a new residency rule newly denies the pii-eu code classes', () => {
    const s = diffSpace(graphOf(POLICY), graphOf(EDITS.newResidency));
    if (s.skipped !== undefined) throw new Error(s.skipped);
    expect(s.changed).toBe(10);
    expect(s.newlyDenied.map((d) => [d.code, d.rule, d.count])).toEqual([['no_eligible_model', 'Route/code', 5]]);
  });

  it('takes the union of both versions\' classes: a new team shows as newly allowed', () => {
    const withTeam = POLICY.replace('metadata: { name: eng }', 'metadata: { name: ops }\nspec: { dataClasses: { allowed: [public], default: public } }\n---\napiVersion: switchyard.dev/v1\nkind: Team\nmetadata: { name: eng }');
    const s = diffSpace(graphOf(POLICY), graphOf(withTeam));
    if (s.skipped !== undefined) throw new Error(s.skipped);
    // ops: 1 class × 2 tasks × 5 models × 2 intervals = 20 new classes, all denied by the base (unknown team).
    expect(s.compared).toBe(120);
    expect(s.changed).toBe(20);
    // Below the context windows they route now; above them nothing fits, so they stay denied, for another reason.
    expect(s.newlyAllowed).toEqual([expect.objectContaining({ code: 'invalid_request', rule: 'Organization/acme', count: 10 })]);
    const stillDenied = s.moves.filter((m) => m.to.kind === 'deny');
    expect(stillDenied.reduce((n, m) => n + m.count, 0)).toBe(10);
    expect(stillDenied.every((m) => m.example.ctx.promptTokens === 100001)).toBe(true);
  });

  it('skips a space larger than the limit, saying so', () => {
    const s = diffSpace(graphOf(POLICY), graphOf(POLICY), 150);
    expect(s.skipped).toBe('the request spaces hold 200 classes, more than the limit of 150');
  });
});

describe('invariants in a diff', () => {
  it('names an invariant that held on the base and a new one, apart from one failing on both', () => {
    const failingBoth = `---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: code-in-eu }
spec:
  forAll: { tasks: [code] }
  assert: { regions: ["eu-*"] }
`;
    const added = `---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: eng-only-eu }
spec:
  forAll: { teams: [eng], tasks: [chat] }
  assert: { providers: [us] }
`;
    const d = diffInvariants(graphOf(POLICY + failingBoth), graphOf(EDITS.expensiveSupport + failingBoth + added));
    expect(d.checked).toBe(3);
    expect(d.passing).toBe(0);
    expect(d.failing.map((f) => [f.result.name, f.status])).toEqual([
      ['support-chat-is-cheap', 'regressed'],
      ['eng-only-eu', 'new'],
      ['code-in-eu', 'still-failing'],
    ]);
    expect(newlyFailing(d).map((f) => f.result.name)).toEqual(['support-chat-is-cheap', 'eng-only-eu']);
    expect(d.failing[0]?.result.counterexample?.command).toMatch(/^switchyard explain policies --request/);
  });
});

describe('diff reports', () => {
  it('the headline names the largest move with its team share, the cost and the denials', () => {
    const r = diff(EDITS.raisedPriority);
    const perDay = deltaPerDay([0, 1], 'big-us', 'small-eu');
    expect(perDay).toBeLessThan(0);
    expect(diffHeadline(r)).toBe(`moves 40.0% of eng traffic from big-us via code to small-eu via eng-all, est. -$${Math.abs(perDay).toFixed(2)}/day, denies nothing new`);
    expect(diffHeadline(diff(EDITS.newResidency))).toMatch(/^moves 25\.0% of support traffic from small-us to small-eu \(and 1 other change, 10\.0%\), est\. .*, newly denies 1 request \(10\.0%\)$/);
  });

  it('markdown carries the tables, a Mermaid flowchart of the moves and the reproduce commands', () => {
    const md = formatDiffMarkdown(diff(EDITS.newResidency));
    expect(md).toContain('### Switchyard policy diff');
    expect(md).toContain('| `small-us` | `small-eu` | 1 | 10.0% | support 25.0% |');
    expect(md).toContain('```mermaid\nflowchart LR');
    expect(md).toMatch(/n\d\{\{"denied: no_eligible_model<br\/>Route\/code"\}\}/);
    expect(md).toContain('**Newly denied**');
    expect(md).toContain('switchyard explain head --request');
    expect(md).toContain('All 1 invariants of the head hold.');
  });

  it('the flowchart joins a route/model that loses and gains requests into one node', () => {
    const a = { kind: 'route', route: 'r', model: 'a', provider: 'p' } as const;
    const b = { kind: 'route', route: 'r', model: 'b', provider: 'p' } as const;
    const c = { kind: 'route', route: 'r', model: 'c "quoted"', provider: 'p' } as const;
    const example = { ctx: { team: 't', model: 'auto' } };
    const lines = mermaidMoves([
      { from: a, to: b, count: 3, share: 0.3, teams: [], example },
      { from: b, to: c, count: 1, share: 0.1, teams: [], example },
    ], 'requests');
    expect(lines).toEqual([
      '```mermaid',
      'flowchart LR',
      '  n0["a<br/>r"]',
      '  n1["b<br/>r"]',
      '  n2["c #quot;quoted#quot;<br/>r"]',
      '  n0 -->|"3 requests (30.0%)"| n1',
      '  n1 -->|"1 request (10.0%)"| n2',
      '```',
    ]);
    expect(mermaidMoves([{ from: a, to: b, count: 1, share: 0.5, teams: [], example }], 'classes')).toContain('  n0 -->|"1 class (50.0%)"| n1');
  });

  it('text lists the failing invariants with the command that reproduces each', () => {
    const r = diffPolicies({ label: 'base', graph: graphOf(POLICY) }, { label: 'policies', graph: graphOf(EDITS.expensiveSupport) });
    const text = formatDiffText(r);
    expect(text).toContain('FAIL Invariant/support-chat-is-cheap');
    expect(text).toContain('newly fails (holds on the base)');
    expect(text).toMatch(/reproduce: switchyard explain policies --request '\{"team":"support"/);
    expect(diffHeadline(r)).toMatch(/1 invariant newly fails$/);
  });
});
