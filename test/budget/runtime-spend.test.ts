// The spend report: every budget of the policy with its current window, the buckets it names (even at zero)
// and those the ledger holds beyond them, percent used as decisions see it, thresholds crossed; its text form.
import { describe, expect, it } from 'vitest';
import type { BucketKey, Ledger } from '../../src/budget/ledger.js';
import { formatSpendText, spendReport } from '../../src/budget/spend.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { windowStart } from '../../src/budget/window.js';
import { buildPolicy, model, provider, route, team } from '../support/policy-builder.js';

const T = Date.UTC(2026, 6, 20, 10, 30, 0);
const policy = buildPolicy({
  providers: [provider('p1')],
  models: [model('m1', 'p1')],
  teams: [
    { ...team('web', ['internal']), spec: { dataClasses: { allowed: ['internal'], default: 'internal' }, keys: [{ id: 'web-a', sha256: 'a'.repeat(64) }, { id: 'web-b', sha256: 'b'.repeat(64) }] } },
    team('ops', ['internal']),
  ],
  routes: [route('all', { targets: [{ model: 'm1' }] })],
  budgets: [
    { name: 'teams-month', spec: { per: 'team', window: 'month', limitUsd: 200, thresholds: [{ atPercent: 50, action: 'alert' }, { atPercent: 80, action: 'downgrade', maxTier: 'small' }, { atPercent: 100, action: 'deny' }] } },
    { name: 'web-keys', spec: { match: { teams: ['web'] }, per: 'key', window: 'day', limitUsd: 10 } },
    { name: 'all-hour', spec: { per: 'shared', window: 'hour', limitUsd: 4, enforcement: 'monitor' } },
  ],
});

const at = (budget: string, bucket: string, window: BucketKey['window'], when = T): BucketKey => ({ budget, bucket, window, windowStart: windowStart(window, when) });

async function spend(ledger: Ledger, k: BucketKey, committed: number, reserved: number, id: string): Promise<void> {
  const charges = [{ ...k, limitMicros: 1e12, enforce: false }];
  await ledger.reserve({ id: `${id}-c`, charges, amountMicros: committed, ttlMs: 3_600_000, now: T });
  await ledger.settle(`${id}-c`, committed, T);
  if (reserved > 0) await ledger.reserve({ id: `${id}-r`, charges, amountMicros: reserved, ttlMs: 3_600_000, now: T });
}

describe('spend report', () => {
  it('reports every budget and bucket of the current windows', async () => {
    const ledger = openSqliteLedger(':memory:');
    await spend(ledger, at('teams-month', 'web', 'month'), 150_000_000, 20_000_000, 'a');
    await spend(ledger, at('web-keys', 'web-b', 'day'), 2_500_000, 0, 'b');
    await spend(ledger, at('web-keys', 'retired-key', 'day'), 1_000_000, 0, 'c');
    await spend(ledger, at('web-keys', 'web-a', 'day', T - 86_400_000), 9_000_000, 0, 'yesterday');
    await spend(ledger, at('all-hour', '*', 'hour'), 1_000_000, 500_000, 'd');
    const report = await spendReport(policy, ledger, T);
    await ledger.close();

    expect(report).toMatchObject({ at: '2026-07-20T10:30:00.000Z', ledger: 'sqlite', policyVersion: policy.version.id });
    const [month, keys, hour] = report.budgets;
    expect(month).toMatchObject({ budget: 'teams-month', per: 'team', window: 'month', windowStart: '2026-07-01T00:00:00.000Z', windowEnd: '2026-08-01T00:00:00.000Z', limitUsd: 200, enforcement: 'enforce' });
    expect(month!.buckets).toEqual([
      {
        bucket: 'web',
        committedMicros: 150_000_000,
        reservedMicros: 20_000_000,
        committedUsd: 150,
        reservedUsd: 20,
        remainingUsd: 30,
        percentUsed: 85,
        thresholdsCrossed: [{ atPercent: 50, action: 'alert' }, { atPercent: 80, action: 'downgrade', maxTier: 'small' }],
      },
      { bucket: 'ops', committedMicros: 0, reservedMicros: 0, committedUsd: 0, reservedUsd: 0, remainingUsd: 200, percentUsed: 0, thresholdsCrossed: [] },
    ]);
    // Keys the team declares, at zero when unspent; a key no longer in the policy still shows; yesterday does not count.
    expect(keys!.buckets.map((b) => [b.bucket, b.committedUsd, b.percentUsed])).toEqual([
      ['web-a', 0, 0],
      ['web-b', 2.5, 25],
      ['retired-key', 1, 10],
    ]);
    expect(hour).toMatchObject({ enforcement: 'monitor', windowStart: '2026-07-20T10:00:00.000Z' });
    expect(hour!.buckets).toEqual([expect.objectContaining({ bucket: '*', committedUsd: 1, reservedUsd: 0.5, percentUsed: 37.5 })]);

    const text = formatSpendText(report);
    expect(text).toContain(`spend at 2026-07-20T10:30:00.000Z (policy ${policy.version.id}, sqlite ledger)`);
    expect(text).toContain('teams-month: $200.00 per month, per team, 2026-07-01 to 2026-08-01 UTC');
    expect(text).toMatch(/ {2}web {2,}\$150\.00 {2,}\$20\.00 {2,}\$30\.00 {2,}85\.0% {2}alert at 50%, downgrade at 80%\n/);
    expect(text).toMatch(/ {2}ops {2,}\$0\.00 {2,}\$0\.00 {2,}\$200\.00 {2,}0\.0% {2}-\n/);
    expect(text).toContain('all-hour: $4.00 per hour, shared, 2026-07-20 10:00 to 2026-07-20 11:00 UTC (monitor)');
  });
});
