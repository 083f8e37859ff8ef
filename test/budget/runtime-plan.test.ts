// Which budgets and rate limits touch a request: per team by `teams`/`teamLabels`, per target by
// `models`/`providers`, the bucket by `per`, and the retry-after of a budget denial.
import { describe, expect, it } from 'vitest';
import { bucketOf, planOf, retryAfterOfRule } from '../../src/budget/budget-plan.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';

const policy = buildPolicy({
  providers: [provider('p1'), provider('p2')],
  models: [model('m1', 'p1'), model('m2', 'p2'), model('m3', 'p1')],
  teams: [
    team('web', ['internal'], { 'cost-center': 'cc-1' }),
    team('ops', ['internal'], { 'cost-center': 'cc-2' }),
    { ...team('quiet', ['internal']), spec: { dataClasses: { allowed: ['internal'], default: 'internal' }, rateLimits: { rpm: 5 } } },
    team('idle', ['internal']),
  ],
  routes: [route('all', { targets: [{ model: 'm1' }, { model: 'm2' }, { model: 'm3' }] })],
  budgets: [
    { name: 'cc1-month', spec: { match: { teamLabels: { 'cost-center': ['cc-1'] } }, per: 'team', window: 'month', limitUsd: 100 } },
    { name: 'web-p1', spec: { match: { teams: ['web'], providers: ['p1'] }, per: 'key', window: 'day', limitUsd: 5, rateLimits: { tpm: 1000 } } },
    { name: 'ops-m2', spec: { match: { teams: ['ops'], models: ['m2'] }, per: 'shared', window: 'hour', limitUsd: 1, enforcement: 'monitor' } },
    { name: 'web-ops-both', spec: { match: { teams: ['web', 'ops'], models: ['m1', 'm2'], providers: ['p2'] }, per: 'shared', window: 'week', limitUsd: 2.5 } },
  ],
});
const m = (name: string) => policy.models.get(name)!;
const names = (list: readonly { name: string }[]) => list.map((b) => b.name);

describe('budget plan', () => {
  const plan = planOf(policy);

  it('gives each team the budgets whose team conditions hold, in declaration order', () => {
    expect(names(plan.team('web')!.budgets)).toEqual(['cc1-month', 'web-p1', 'web-ops-both']);
    expect(names(plan.team('ops')!.budgets)).toEqual(['ops-m2', 'web-ops-both']);
    expect(plan.team('nobody')).toBeUndefined();
  });

  it('charges a target only the budgets whose models and providers hold for it', () => {
    const web = plan.team('web')!;
    expect(names(web.chargesFor(m('m1')))).toEqual(['cc1-month', 'web-p1']);
    expect(names(web.chargesFor(m('m2')))).toEqual(['cc1-month', 'web-ops-both']);
    expect(names(web.chargesFor(m('m3')))).toEqual(['cc1-month', 'web-p1']);
    expect(names(plan.team('ops')!.chargesFor(m('m1')))).toEqual([]);
    expect(names(plan.team('ops')!.chargesFor(m('m2')))).toEqual(['ops-m2', 'web-ops-both']);
  });

  it('works out once per model the charges\' signature and whether any has rate limits to take', () => {
    const web = plan.team('web')!;
    expect(web.chargingOf(m('m1'))).toMatchObject({ signature: 'cc1-month,web-p1', rateLimited: true });
    expect(web.chargingOf(m('m2'))).toMatchObject({ signature: 'cc1-month,web-ops-both', rateLimited: false });
    expect(plan.team('ops')!.chargingOf(m('m1'))).toMatchObject({ budgets: [], signature: '', rateLimited: false });
    expect(web.chargingOf(m('m1'))).toBe(web.chargingOf(m('m1')));
    expect(web.chargesFor(m('m1'))).toBe(web.chargingOf(m('m1')).budgets);
  });

  it('keeps limits in micro-dollars, enforcement, default thresholds and rate limits', () => {
    expect(plan.budget('web-ops-both')).toMatchObject({ limitMicros: 2_500_000, enforce: true, thresholds: [{ atPercent: 100, action: 'deny' }], rule: 'Budget/web-ops-both' });
    expect(plan.budget('ops-m2')).toMatchObject({ enforce: false, window: 'hour' });
    expect(plan.budget('web-p1')!.rateLimits).toEqual({ tpm: 1000 });
  });

  it('marks a team without budgets or rate limits idle, and one with only rate limits not', () => {
    expect(plan.team('idle')!.idle).toBe(true);
    expect(plan.team('quiet')).toMatchObject({ idle: false, rateLimits: { rpm: 5 }, budgets: [] });
    expect(plan.team('web')!.idle).toBe(false);
  });

  it('is built once per policy version', () => {
    expect(planOf(policy)).toBe(plan);
  });

  it('puts a request in the team, key or shared bucket', () => {
    expect(bucketOf('team', 'web', 'k1')).toBe('web');
    expect(bucketOf('key', 'web', 'k1')).toBe('k1');
    expect(bucketOf('key', 'web', undefined)).toBe('');
    expect(bucketOf('shared', 'web', 'k1')).toBe('*');
  });

  it('hands out one key and one charge object per bucket and window, and new ones for the next window', () => {
    const b = plan.budget('web-p1')!;
    const day = Date.UTC(2026, 5, 15);
    const key = b.key('k1', day);
    expect(key).toEqual({ budget: 'web-p1', bucket: 'k1', window: 'day', windowStart: day });
    expect(b.charge('k1', day)).toEqual({ budget: 'web-p1', bucket: 'k1', window: 'day', windowStart: day, limitMicros: 5_000_000, enforce: true });
    expect(b.key('k1', day)).toBe(key);
    expect(b.charge('k1', day)).toBe(b.charge('k1', day));
    expect(b.key('k2', day)).not.toBe(key);
    expect(Object.isFrozen(key) && Object.isFrozen(b.charge('k1', day))).toBe(true);
    const next = b.key('k1', day + 86_400_000);
    expect(next).toEqual({ ...key, windowStart: day + 86_400_000 });
    expect(b.key('k1', day)).not.toBe(key);
    expect(b.key('k1', day)).toEqual(key);
  });

  it('gives a budget denial the seconds to the end of its window', () => {
    const t = Date.UTC(2026, 0, 31, 23, 59, 30);
    expect(retryAfterOfRule(policy, 'Budget/cc1-month', t)).toBe(30);
    expect(retryAfterOfRule(policy, 'Budget/ops-m2', Date.UTC(2026, 0, 31, 23, 0, 0))).toBe(3600);
    expect(retryAfterOfRule(policy, 'Route/all', t)).toBeUndefined();
    expect(retryAfterOfRule(policy, 'Budget/gone', t)).toBeUndefined();
    expect(retryAfterOfRule(policy, undefined, t)).toBeUndefined();
  });
});
