// Examples of steps 1–3 (admit, route, order) and their deny codes, checked on both evaluators.
import { describe, expect, it } from 'vitest';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';
import { fixtureInput, fixturePolicy } from '../support/engine-fixture.js';
import { evaluator, models, steps } from '../support/evaluate.js';
import type { RequestContext } from '../../src/engine/index.js';

const evaluate = evaluator(fixturePolicy());

describe('admit', () => {
  it.each([
    [{ team: 'ghost', model: 'auto' }, 'unknown team `ghost`'],
    [{ team: 'eng', model: 'auto', dataClass: 'secret' }, "data class `secret` is not in the organization's vocabulary"],
    [{ team: 'eng', model: 'auto', task: 'poetry' }, "task `poetry` is not in the organization's vocabulary"],
    [{ team: 'eng', model: 'auto', complexity: 'extreme' }, 'complexity `extreme` is not one of `low`, `medium`, `high`'],
    [{ team: 'eng', model: 'auto', promptTokens: -1 }, 'prompt tokens `-1` is not a non-negative integer'],
    [{ team: 'eng', model: 'auto', maxTokens: 2.5 }, 'max tokens `2.5` is not a positive integer'],
    [{ team: 'eng', model: 'auto', stream: 'yes' }, 'stream `yes` is not true or false'],
  ])('denies %j as invalid_request, naming the value', (ctx, message) => {
    const d = evaluate(ctx as RequestContext);
    expect(d.deny).toEqual({ code: 'invalid_request', message, rule: 'Organization/acme' });
    expect(d.route).toBeUndefined();
    expect(steps(d, 'admit')).toEqual([{ rule: 'Organization/acme', effect: 'deny', detail: message }]);
  });

  it('denies a data class the team may not declare, naming the team', () => {
    const d = evaluate({ team: 'support', model: 'auto', dataClass: 'phi' });
    expect(d.deny).toEqual({
      code: 'data_class_not_allowed',
      message: 'team `support` may not declare data class `phi` (allowed: `public`, `internal`, `pii-eu`)',
      rule: 'Team/support',
    });
    expect(d.trace[0]).toMatchObject({ step: 'admit', rule: 'Team/support', source: 'policies/teams.yaml:1', effect: 'deny' });
  });

  it('defaults the data class to the team default and the task to the organization default', () => {
    const d = evaluate({ team: 'clinical', model: 'auto' });
    expect(d.route).toBe('clinical');
    expect(steps(d, 'context')[0]?.detail).toBe('data class `phi` (team default), task `general` (organization default), no complexity, stream false');
  });
});

describe('route', () => {
  it('gives the request to the highest-priority matching route', () => {
    const d = evaluate({ team: 'support', model: 'auto', dataClass: 'pii-eu', task: 'code' });
    expect(d.route).toBe('eu-support');
    expect(steps(d, 'route')).toEqual([{ rule: 'Route/eu-support', effect: 'match', detail: 'priority 20, matches team `support`; data class `pii-eu`' }]);
  });

  it('matches team labels, and requested models exactly', () => {
    expect(evaluate({ team: 'eng', model: 'auto' }).route).toBe('experiment');
    expect(evaluate({ team: 'eng', model: 'Auto' }).route).toBe('default');
    expect(evaluate({ team: 'support', model: 'auto' }).route).toBe('default');
  });

  it('compares prompt-token bounds on the defaulted prompt tokens, at the boundary', () => {
    expect(evaluate({ team: 'support', model: 'x', promptTokens: 49_999 }).route).toBe('default');
    expect(evaluate({ team: 'support', model: 'x', promptTokens: 50_000 }).route).toBe('long');
    expect(evaluate({ team: 'support', model: 'x' }).route).toBe('default');
  });

  it('does not match a complexity condition without a complexity, and matches stream exactly', () => {
    const input = fixtureInput();
    input.routes!.push(route('hard', { priority: 50, match: { complexity: ['high'], stream: true }, targets: [{ model: 'big' }] }));
    const ev = evaluator(buildPolicy(input));
    expect(ev({ team: 'eng', model: 'x', stream: true }).route).toBe('default');
    expect(ev({ team: 'eng', model: 'x', complexity: 'high' }).route).toBe('default');
    expect(ev({ team: 'eng', model: 'x', complexity: 'high', stream: true }).route).toBe('hard');
  });

  it('breaks equal priorities by declaration order', () => {
    const base = { providers: [provider('p')], models: [model('a', 'p'), model('b', 'p')], teams: [team('t')] };
    const ev = evaluator(buildPolicy({ ...base, routes: [route('first', { priority: 1, targets: [{ model: 'a' }] }), route('second', { priority: 1, targets: [{ model: 'b' }] })] }));
    expect(ev({ team: 't', model: 'x' }).route).toBe('first');
  });

  it('denies with no_route when nothing matches, naming the request', () => {
    const input = fixtureInput();
    input.routes = input.routes!.filter((r) => r.name !== 'default');
    const d = evaluator(buildPolicy(input))({ team: 'support', model: 'gpt-5', promptTokens: 12 });
    expect(d.deny).toEqual({
      code: 'no_route',
      message: 'no route matches team `support`, data class `internal`, task `general`, model `gpt-5`, 12 prompt tokens, stream false',
      rule: 'Organization/acme',
    });
  });

  it('does not fall through to a lower route when the owner ends empty', () => {
    const input = fixtureInput();
    input.vettings![0]!.spec.require = { certifications: ['fedramp'] };
    const d = evaluator(buildPolicy(input))({ team: 'clinical', model: 'auto' });
    expect(d.deny?.code).toBe('no_eligible_model');
    expect(d.route).toBe('clinical');
    expect(d.deny?.rule).toBe('Route/clinical');
  });
});

describe('order', () => {
  it('keeps the declared order for ordered routes', () => {
    expect(models(evaluate({ team: 'support', model: 'x' }))).toEqual(['mini', 'haiku']);
  });

  it('sorts cheapest routes by input + output price, ties in declared order', () => {
    const d = evaluate({ team: 'support', model: 'x', task: 'code' });
    expect(models(d)).toEqual(['mini', 'big', 'sonnet']);
    expect(steps(d, 'order')[0]?.detail).toBe('cheapest (input + output USD per million tokens): `mini` 0.75, `big` 10, `sonnet` 18');
    const base = { providers: [provider('p')], teams: [team('t')] };
    const same = { pricing: { inputPerMTok: 1, outputPerMTok: 1 } };
    const ev = evaluator(
      buildPolicy({
        ...base,
        models: [model('x', 'p', same), model('y', 'p', { pricing: { inputPerMTok: 0.5, outputPerMTok: 1.5 } }), model('z', 'p', same)],
        routes: [route('r', { strategy: 'cheapest', targets: [{ model: 'z' }, { model: 'x' }, { model: 'y' }] })],
      }),
    );
    expect(models(ev({ team: 't', model: 'm' }))).toEqual(['z', 'x', 'y']);
  });
});
