// A settled request's cost: the settled tokens at the policy prices, built in one hidden class whichever way the
// tokens were settled (the batch counting metrics reads every field of it).
import { describe, expect, it } from 'vitest';
import { settledTokens } from '../../src/budget/settle-cost.js';
import { costOf, type CostInput } from '../../src/telemetry/cost.js';
import { buildsOneHiddenClass } from '../support/hidden-class.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';

const policy = buildPolicy({
  providers: [provider('p1')],
  models: [model('small', 'p1', { pricing: { inputPerMTok: 1.5, outputPerMTok: 6 }, maxOutputTokens: 1000 })],
  teams: [team('web', ['internal'])],
  routes: [route('all', { targets: [{ model: 'small' }] })],
});

const inputs: readonly CostInput[] = [
  { model: 'small', outcome: 'completed', usage: { inputTokens: 1_000, outputTokens: 500 }, outputChars: 0, promptTokens: 900 },
  { model: 'small', outcome: 'completed', usage: undefined, outputChars: 41, promptTokens: 900 },
  { model: 'small', outcome: 'cut', usage: { inputTokens: 0, outputTokens: 3 }, outputChars: 40, promptTokens: 12 },
  { model: 'small', outcome: 'failed', usage: undefined, outputChars: 0, promptTokens: 12 },
];

describe('costOf', () => {
  it('is the settled tokens and their price, and nothing else', () => {
    for (const input of inputs) {
      const tokens = settledTokens({ ...input, sent: true })!;
      const usd = (tokens.inputTokens * 1.5 + tokens.outputTokens * 6) / 1e6;
      const cost = costOf(policy, input)!;
      expect(Object.keys(cost)).toEqual(['usd', 'inputTokens', 'outputTokens', 'estimated']);
      expect(cost).toEqual({ usd: expect.closeTo(usd, 12) as number, inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens, estimated: tokens.estimated });
    }
    expect(costOf(policy, { ...inputs[0]!, model: undefined })).toBeUndefined();
    expect(costOf(policy, { ...inputs[0]!, model: 'not-in-policy' })).toBeUndefined();
  });

  it('builds its answers in one hidden class', async () => {
    expect(await buildsOneHiddenClass((i) => costOf(policy, inputs[i % inputs.length]!)!)).toBe(true);
  });
});
