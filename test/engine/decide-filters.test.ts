// Examples of step 4 (capability, vetting, residency filters; monitor mode) and no_eligible_model.
import { describe, expect, it } from 'vitest';
import type { VettingSpec } from '../../src/policy/generated/policy.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';
import { fixtureInput, fixturePolicy } from '../support/engine-fixture.js';
import { evaluator, models, steps } from '../support/evaluate.js';

const evaluate = evaluator(fixturePolicy());

describe('capability', () => {
  it('removes targets lacking a required capability, naming the route', () => {
    const d = evaluate({ team: 'support', model: 'x', promptTokens: 60_000 });
    expect(models(d)).toEqual(['big', 'sonnet']);
    expect(steps(d, 'capability')).toEqual([
      { rule: 'Route/long', effect: 'remove', detail: '`haiku` (provider `anthropic`): lacks capability `json`' },
    ]);
  });

  it('removes targets whose context window is smaller than prompt + max tokens, naming the model', () => {
    const fits = evaluate({ team: 'support', model: 'x', promptTokens: 40_000, maxTokens: 88_000 });
    expect(models(fits)).toEqual(['mini', 'haiku']);
    const d = evaluate({ team: 'support', model: 'x', promptTokens: 40_000, maxTokens: 88_001 });
    expect(models(d)).toEqual(['haiku']);
    expect(steps(d, 'capability')).toEqual([
      { rule: 'Model/mini', effect: 'remove', detail: "`mini` (provider `openai`): context window 128000 is smaller than the request's prompt tokens + max tokens" },
    ]);
  });
});

describe('vetting', () => {
  const dp = (zeroDataRetention: boolean, trainsOnData: boolean, retentionDays?: number) =>
    retentionDays === undefined ? { zeroDataRetention, trainsOnData } : { zeroDataRetention, trainsOnData, retentionDays };
  const vetted = (spec: VettingSpec) =>
    evaluator(
      buildPolicy({
        providers: [
          provider('zdr', { dataPolicy: dp(true, false, 0), certifications: ['soc2', 'hipaa-baa'] }),
          provider('keeps', { dataPolicy: dp(false, false, 30), certifications: ['soc2'] }),
          provider('trains', { dataPolicy: dp(false, true) }),
        ],
        models: [model('a', 'zdr', { tier: 'large' }), model('b', 'keeps', { tier: 'small' }), model('c', 'trains', { tier: 'medium' })],
        teams: [team('t')],
        routes: [route('r', { targets: [{ model: 'a' }, { model: 'b' }, { model: 'c' }] })],
        vettings: [{ name: 'v', spec }],
      }),
    )({ team: 't', model: 'x' });

  it.each<[string, VettingSpec, string[], string[]]>([
    ['zeroDataRetention', { require: { zeroDataRetention: true } }, ['a'], ['`b` (provider `keeps`): zeroDataRetention is false, required true', '`c` (provider `trains`): zeroDataRetention is false, required true']],
    ['trainsOnData', { require: { trainsOnData: false } }, ['a', 'b'], ['`c` (provider `trains`): trainsOnData is true, required false']],
    ['maxRetentionDays (unknown fails)', { require: { maxRetentionDays: 7 } }, ['a'], ['`b` (provider `keeps`): retention of 30 days exceeds 7', '`c` (provider `trains`): retention is unknown, at most 7 days required']],
    ['certifications', { require: { certifications: ['soc2', 'hipaa-baa'] } }, ['a'], ['`b` (provider `keeps`): lacks certification `hipaa-baa`', '`c` (provider `trains`): lacks certifications `soc2`, `hipaa-baa`']],
    ['allowProviders', { allowProviders: ['keeps'] }, ['b'], ['`a` (provider `zdr`): provider `zdr` is not in allowProviders', '`c` (provider `trains`): provider `trains` is not in allowProviders']],
    ['denyProviders', { denyProviders: ['trains'] }, ['a', 'b'], ['`c` (provider `trains`): provider `trains` is in denyProviders']],
    ['allowModels', { allowModels: ['c'] }, ['c'], ['`a` (provider `zdr`): model `a` is not in allowModels', '`b` (provider `keeps`): model `b` is not in allowModels']],
    ['denyModels', { denyModels: ['a'] }, ['b', 'c'], ['`a` (provider `zdr`): model `a` is in denyModels']],
    ['maxTier', { maxTier: 'medium' }, ['b', 'c'], ['`a` (provider `zdr`): tier `large` is above `medium`']],
    ['several requirements at once', { require: { trainsOnData: false }, denyModels: ['c'] }, ['a', 'b'], ['`c` (provider `trains`): trainsOnData is true, required false; model `c` is in denyModels']],
  ])('enforces %s', (_, spec, kept, removed) => {
    const d = vetted(spec);
    expect(models(d)).toEqual(kept);
    expect(steps(d, 'vetting')).toEqual(removed.map((detail) => ({ rule: 'Vetting/v', effect: 'remove', detail })));
  });

  it('records a matching rule that removes nothing as a pass', () => {
    expect(steps(vetted({ denyModels: ['zzz'] }), 'vetting')).toEqual([{ rule: 'Vetting/v', effect: 'pass', detail: 'every remaining target complies' }]);
  });

  it('only applies rules whose match holds', () => {
    expect(steps(vetted({ match: { tasks: ['code'] }, denyModels: ['a'] }), 'vetting')).toEqual([]);
  });
});

describe('residency', () => {
  it('removes targets with any region outside the allowed globs', () => {
    const d = evaluate({ team: 'support', model: 'x', dataClass: 'pii-eu' });
    expect(models(d)).toEqual(['eu-mini', 'mistral-small']);
    expect(steps(d, 'residency')).toEqual([
      { rule: 'Residency/eu-only', effect: 'remove', detail: '`mini` (provider `openai`): region `us-east-1` matches none of `eu-*`' },
    ]);
  });

  it('matches `?` as exactly one character', () => {
    const input = fixtureInput();
    input.residencies = [{ name: 'west', spec: { allowRegions: ['eu-west-?', 'us-????-1'] } }];
    const d = evaluator(buildPolicy(input))({ team: 'support', model: 'x', dataClass: 'pii-eu' });
    expect(models(d)).toEqual(['mistral-small', 'mini']);
    expect(steps(d, 'residency')[0]?.detail).toBe('`eu-mini` (provider `azure-eu`): region `eu-north-1` matches none of `eu-west-?`, `us-????-1`');
  });
});

describe('monitor mode', () => {
  it('records would-remove and keeps the candidates', () => {
    const d = evaluate({ team: 'eng', model: 'x', dataClass: 'confidential', task: 'code' });
    expect(models(d)).toEqual(['mini', 'big', 'sonnet']);
    expect(steps(d, 'vetting').filter((s) => s.rule === 'Vetting/confidential-small')).toEqual([
      { rule: 'Vetting/confidential-small', effect: 'would-remove', detail: '`big` (provider `openai`): tier `large` is above `small`' },
      { rule: 'Vetting/confidential-small', effect: 'would-remove', detail: '`sonnet` (provider `anthropic`): tier `large` is above `small`' },
    ]);
  });
});

describe('no_eligible_model', () => {
  it('lists every removed target with its reason and rule, and names the route', () => {
    const input = fixtureInput();
    input.residencies = [{ name: 'eu-only', spec: { allowRegions: ['eu-*'] } }];
    const d = evaluator(buildPolicy(input))({ team: 'support', model: 'x', promptTokens: 60_000 });
    expect(d.deny).toEqual({
      code: 'no_eligible_model',
      message:
        'every target of route `long` was removed: `haiku` (provider `anthropic`): lacks capability `json` [Route/long]; ' +
        '`big` (provider `openai`): region `us-east-1` matches none of `eu-*` [Residency/eu-only]; ' +
        '`sonnet` (provider `anthropic`): regions `us-east-1`, `us-west-2` match none of `eu-*` [Residency/eu-only]',
      rule: 'Route/long',
    });
    expect(d.route).toBe('long');
    expect(d.candidates).toEqual([]);
  });
});
