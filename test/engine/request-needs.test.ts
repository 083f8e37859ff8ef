// Step 4, capabilities the request itself needs: a context whose `features` say the body offers tools, sends
// images or asks for JSON mode only keeps targets whose Model has `tools`, `vision` or `json`, on top of the
// route's `requires.capabilities`. Every example runs on both evaluators (evaluate.ts).
import { describe, expect, it } from 'vitest';
import { fixturePolicy } from '../support/engine-fixture.js';
import { evaluator, models, steps } from '../support/evaluate.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';

const evaluate = evaluator(fixturePolicy());

describe('capabilities the request needs', () => {
  it('removes a target lacking what the request uses, naming the route and why', () => {
    // Route `default`: mini (tools, vision, json), haiku (tools, vision).
    const d = evaluate({ team: 'eng', model: 'x', features: { jsonMode: true } });
    expect(models(d)).toEqual(['mini']);
    expect(steps(d, 'capability')).toEqual([
      { rule: 'Route/default', effect: 'remove', detail: '`haiku` (provider `anthropic`): lacks capability `json`, which the request needs (it uses JSON mode)' },
    ]);
  });

  it('keeps every target when the models have what the request uses, and when features are false or absent', () => {
    for (const features of [{ tools: true, images: true }, { tools: false, images: false, jsonMode: false }, {}]) {
      const d = evaluate({ team: 'eng', model: 'x', features });
      expect(models(d)).toEqual(['mini', 'haiku']);
      expect(steps(d, 'capability')).toEqual([]);
    }
    expect(models(evaluate({ team: 'eng', model: 'x' }))).toEqual(['mini', 'haiku']);
  });

  it('says a capability once when the route requires it too', () => {
    // Route `long` requires json; haiku lacks it whether or not the request asks for JSON mode.
    const d = evaluate({ team: 'eng', model: 'x', promptTokens: 60_000, features: { jsonMode: true, images: true } });
    expect(models(d)).toEqual(['big', 'sonnet']);
    expect(steps(d, 'capability')).toEqual([{ rule: 'Route/long', effect: 'remove', detail: '`haiku` (provider `anthropic`): lacks capability `json`' }]);
  });

  it('denies no_eligible_model with the reason of each removal when nothing left can serve', () => {
    // Route `eu-support`: eu-mini and mistral-small lack vision; mini is outside the EU.
    const d = evaluate({ team: 'support', dataClass: 'pii-eu', model: 'x', features: { images: true } });
    expect(d.deny?.code).toBe('no_eligible_model');
    expect(steps(d, 'capability')).toEqual([
      { rule: 'Route/eu-support', effect: 'remove', detail: '`eu-mini` (provider `azure-eu`): lacks capability `vision`, which the request needs (it uses images)' },
      { rule: 'Route/eu-support', effect: 'remove', detail: '`mistral-small` (provider `mistral`): lacks capability `vision`, which the request needs (it uses images)' },
    ]);
    expect(d.deny?.message).toContain('`eu-mini` (provider `azure-eu`): lacks capability `vision`, which the request needs (it uses images) [Route/eu-support]');
  });

  it('lists the route\'s missing capabilities and the request\'s in one entry', () => {
    const policy = buildPolicy({
      providers: [provider('p')],
      models: [model('plain', 'p', { capabilities: [] }), model('full', 'p', { capabilities: ['tools', 'vision', 'json', 'reasoning'] })],
      teams: [team('t')],
      routes: [route('r', { requires: { capabilities: ['reasoning'] }, targets: [{ model: 'plain' }, { model: 'full' }] })],
    });
    const d = evaluator(policy)({ team: 't', model: 'x', features: { tools: true, images: true, jsonMode: true } });
    expect(models(d)).toEqual(['full']);
    expect(steps(d, 'capability')).toEqual([
      {
        rule: 'Route/r',
        effect: 'remove',
        detail: '`plain` (provider `p`): lacks capability `reasoning`; lacks capabilities `tools`, `vision`, `json`, which the request needs (it uses tools, images and JSON mode)',
      },
    ]);
  });

  it('decides requests that differ only in what they use as different classes (the cache keeps them apart)', () => {
    const plain = evaluate({ team: 'eng', model: 'x' });
    const json = evaluate({ team: 'eng', model: 'x', features: { jsonMode: true } });
    expect(models(plain)).toEqual(['mini', 'haiku']);
    expect(models(json)).toEqual(['mini']);
    expect(models(evaluate({ team: 'eng', model: 'x' }))).toEqual(['mini', 'haiku']);
  });
});
