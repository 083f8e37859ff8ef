// The cost delta over the request space: per class, the primary's list prices at the class's prompt size and
// max output tokens, averaged over the classes that changed (unweighted by traffic), in every format.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/index.js';
import { diffPolicies, diffSpace } from '../../src/verify/diff.js';
import { formatDiffMarkdown } from '../../src/verify/diff-markdown.js';
import { formatDiffJson, formatDiffText } from '../../src/verify/diff-report.js';
import { points, requestSpace } from '../../src/verify/space.js';
import { EDITS, graphOf, POLICY, PRICES } from './diff-fixtures.js';

/** Every fixture model allows 4096 output tokens; the space's classes set no maxTokens. */
const MAX_OUTPUT = 4096;
const cost = (model: keyof typeof PRICES, prompt: number): number => (prompt * PRICES[model].input + MAX_OUTPUT * PRICES[model].output) / 1e6;

describe('diff: cost delta over the request space', () => {
  it('reordered code targets: each changed class goes from big-us to small-us prices, averaged unweighted', () => {
    const base = graphOf(POLICY);
    const head = graphOf(EDITS.reorderedTargets);
    const s = diffSpace(base, head);
    if (s.skipped !== undefined) throw new Error(s.skipped);
    let n = 0;
    let delta = 0;
    for (const p of points(requestSpace(base.policy), { withBudgets: false })) {
      const b = decide(base, p.ctx);
      const h = decide(head, p.ctx);
      if (b.candidates[0]?.model === h.candidates[0]?.model) continue;
      expect([b.candidates[0]?.model, h.candidates[0]?.model]).toEqual(['big-us', 'small-us']);
      n++;
      delta += cost('small-us', p.ctx.promptTokens ?? 0) - cost('big-us', p.ctx.promptTokens ?? 0);
    }
    expect(n).toBeGreaterThan(0);
    expect(s.cost.basis).toBe('unweighted');
    expect(s.cost.changedClasses).toBe(n);
    expect(s.cost.changedClasses).toBe(s.changed);
    expect(s.cost.meanDeltaUsd).toBeCloseTo(delta / n, 12);
    expect(s.cost.cheaper).toBe(n);
    expect(s.cost.dearer).toBe(0);
  });

  it('no change, no cost delta', () => {
    const s = diffSpace(graphOf(POLICY), graphOf(POLICY));
    expect(s.skipped === undefined ? s.cost : undefined).toEqual({ basis: 'unweighted', changedClasses: 0, meanBaseUsd: 0, meanHeadUsd: 0, meanDeltaUsd: 0, cheaper: 0, dearer: 0 });
  });

  it('is reported as unweighted in text, markdown and json', () => {
    const r = diffPolicies({ label: 'base', graph: graphOf(POLICY) }, { label: 'head', graph: graphOf(EDITS.reorderedTargets) });
    expect(formatDiffText(r)).toMatch(/estimated cost per request, mean over the \d+ changed classes \(unweighted by traffic;.*change -\$0\.\d+/);
    expect(formatDiffText(r).split('\n')[1]).toMatch(/est\. -\$0\.\d+ per request on the changed classes \(unweighted\)/);
    expect(formatDiffMarkdown(r)).toContain('**Estimated cost per request** over the');
    const json = JSON.parse(formatDiffJson(r)) as { space: { cost: { basis: string; meanDeltaUsd: number } } };
    expect(json.space.cost.basis).toBe('unweighted');
    expect(json.space.cost.meanDeltaUsd).toBeLessThan(0);
  });
});
