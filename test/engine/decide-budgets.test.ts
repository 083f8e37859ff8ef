// Examples of step 5 (budgets: alert, downgrade, deny, reservation fit, buckets, monitor) and budget_exhausted.
import { describe, expect, it } from 'vitest';
import { budgetStateFromPercents, type BudgetState } from '../../src/engine/index.js';
import { buildPolicy } from '../support/policy-builder.js';
import { fixtureInput, fixturePolicy } from '../support/engine-fixture.js';
import { evaluator, models, steps } from '../support/evaluate.js';

const policy = fixturePolicy();
const evaluate = evaluator(policy);
const spent = (percents: Record<string, number>): BudgetState => budgetStateFromPercents(policy, percents);

describe('budget thresholds', () => {
  it('records crossed alerts per target and keeps the candidates', () => {
    const d = evaluate({ team: 'eng', model: 'x' }, spent({ 'eng-monthly': 60 }));
    expect(models(d)).toEqual(['mini', 'haiku']);
    expect(steps(d, 'budget')).toEqual([
      { rule: 'Budget/eng-monthly', effect: 'alert', detail: '`mini`: 60% of 1000 USD per month used (bucket `eng`), alert threshold crossed' },
      { rule: 'Budget/eng-monthly', effect: 'alert', detail: '`haiku`: 60% of 1000 USD per month used (bucket `eng`), alert threshold crossed' },
    ]);
  });

  it('crosses a threshold exactly at its percentage, not below', () => {
    expect(steps(evaluate({ team: 'eng', model: 'x' }, spent({ 'eng-monthly': 49.999 })), 'budget')).toEqual([]);
    expect(steps(evaluate({ team: 'eng', model: 'x' }, spent({ 'eng-monthly': 50 })), 'budget')).toHaveLength(2);
    expect(models(evaluate({ team: 'eng', model: 'x', task: 'code' }, spent({ 'eng-monthly': 80 })))).toEqual(['mini']);
  });

  it('downgrades: removes targets above the max tier, keeps the rest, applies the strongest action only', () => {
    const d = evaluate({ team: 'eng', model: 'x', task: 'code' }, spent({ 'eng-monthly': 85 }));
    expect(models(d)).toEqual(['mini']);
    const usage = '85% of 1000 USD per month used (bucket `eng`), downgrade to max tier `small`';
    expect(steps(d, 'budget')).toEqual([
      { rule: 'Budget/eng-monthly', effect: 'downgrade', detail: `\`mini\` (tier \`small\`) kept: ${usage}` },
      { rule: 'Budget/eng-monthly', effect: 'remove', detail: `\`big\` (tier \`large\`) above max tier: ${usage}` },
      { rule: 'Budget/eng-monthly', effect: 'remove', detail: `\`sonnet\` (tier \`large\`) above max tier: ${usage}` },
    ]);
  });

  it('denies with budget_exhausted when a deny threshold removes the last targets', () => {
    const d = evaluate({ team: 'eng', model: 'x' }, spent({ 'eng-monthly': 100 }));
    expect(d.outcome).toBe('deny');
    expect(d.route).toBe('default');
    expect(d.deny?.code).toBe('budget_exhausted');
    expect(d.deny?.rule).toBe('Budget/eng-monthly');
    expect(steps(d, 'budget').map((s) => s.effect)).toEqual(['deny', 'deny']);
  });

  it('names the first budget that removed a target as the rule of budget_exhausted', () => {
    const input = fixtureInput();
    input.budgets!.push({ name: 'small-pool', spec: { match: { models: ['mini'] }, per: 'shared', window: 'day', limitUsd: 1 } });
    const ev = evaluator(buildPolicy(input));
    const d = ev({ team: 'support', model: 'x', task: 'code' }, budgetStateFromPercents(buildPolicy(input), { 'shared-large': 100, 'small-pool': 100 }));
    expect(d.deny?.code).toBe('budget_exhausted');
    expect(d.deny?.rule).toBe('Budget/shared-large');
    expect(steps(d, 'budget').map((s) => s.rule)).toEqual(['Budget/shared-large', 'Budget/shared-large', 'Budget/small-pool']);
  });
});

describe('reservation fit', () => {
  it('removes targets whose worst-case cost does not fit what is left, using maxOutputTokens by default', () => {
    const d = evaluate({ team: 'support', model: 'x', task: 'code' }, spent({ 'shared-large': 99.99 }));
    expect(models(d)).toEqual(['mini']);
    expect(steps(d, 'budget')).toEqual([
      { rule: 'Budget/shared-large', effect: 'remove', detail: '`big`: worst-case cost 0.262144 USD does not fit the 0.01 USD left (bucket `*`)' },
      { rule: 'Budget/shared-large', effect: 'remove', detail: '`sonnet`: worst-case cost 0.96 USD does not fit the 0.01 USD left (bucket `*`)' },
    ]);
  });

  it('uses the request max_tokens when given', () => {
    const d = evaluate({ team: 'support', model: 'x', task: 'code', maxTokens: 1000 }, spent({ 'shared-large': 99.99 }));
    expect(models(d)).toEqual(['mini', 'big']);
    expect(steps(d, 'budget')).toHaveLength(1);
  });

  it('admits a reservation that fits what is left exactly, compared in micro-dollars as the ledger does', () => {
    // 0.3 USD limit, 0.022 spent: 0.278 left. In USD doubles 0.278 + 0.022 is 0.30000000000000004 > 0.3.
    const input = fixtureInput();
    input.budgets = [{ name: 'big-cap', spec: { match: { models: ['big'] }, per: 'shared', window: 'day', limitUsd: 0.3 } }];
    const p = buildPolicy(input);
    const state: BudgetState = { usedUsd: () => 0.022 };
    const exact = { team: 'support', model: 'x', task: 'code', promptTokens: 0, maxTokens: 34_750 }; // 34,750 × 8 = 278,000 µ$
    // The compiled engine and the reference evaluator, which `evaluator` holds to the same answer.
    const ev = evaluator(p);
    expect(models(ev(exact, state))).toContain('big');
    expect(steps(ev(exact, state), 'budget')).toEqual([]);
    // Two micro-dollars over (one prompt token) does not fit.
    const over = ev({ ...exact, promptTokens: 1 }, state);
    expect(models(over)).not.toContain('big');
    expect(steps(over, 'budget')).toEqual([{ rule: 'Budget/big-cap', effect: 'remove', detail: '`big`: worst-case cost 0.278002 USD does not fit the 0.278 USD left (bucket `*`)' }]);
  });

  it('can refuse a reservation with nothing spent', () => {
    const input = fixtureInput();
    input.budgets = [{ name: 'tiny', spec: { per: 'team', window: 'hour', limitUsd: 0.01 } }];
    const d = evaluator(buildPolicy(input))({ team: 'support', model: 'x', promptTokens: 2000 });
    expect(d.deny?.code).toBe('budget_exhausted');
  });
});

describe('buckets and enforcement', () => {
  it('reads per-key spend from the key id bucket (empty when unknown)', () => {
    const input = fixtureInput();
    input.budgets = [{ name: 'per-key', spec: { per: 'key', window: 'day', limitUsd: 10 } }];
    const ev = evaluator(buildPolicy(input));
    const state: BudgetState = { usedUsd: (_, bucket) => (bucket === 'k1' ? 10 : 0) };
    expect(ev({ team: 'support', model: 'x', keyId: 'k1' }, state).deny?.code).toBe('budget_exhausted');
    expect(ev({ team: 'support', model: 'x', keyId: 'k2' }, state).outcome).toBe('route');
    expect(ev({ team: 'support', model: 'x' }, { usedUsd: (_, bucket) => (bucket === '' ? 10 : 0) }).deny?.code).toBe('budget_exhausted');
  });

  it('records would-deny for monitor-mode budgets and removes nothing', () => {
    const input = fixtureInput();
    input.budgets![0]!.spec.enforcement = 'monitor';
    const p = buildPolicy(input);
    const d = evaluator(p)({ team: 'eng', model: 'x' }, budgetStateFromPercents(p, { 'eng-monthly': 100 }));
    expect(d.outcome).toBe('route');
    expect(models(d)).toEqual(['mini', 'haiku']);
    expect(steps(d, 'budget').map((s) => s.effect)).toEqual(['would-deny', 'would-deny']);
  });

  it('ignores budgets whose team conditions do not hold', () => {
    expect(steps(evaluate({ team: 'support', model: 'x' }, spent({ 'eng-monthly': 100 })), 'budget')).toEqual([]);
  });
});
