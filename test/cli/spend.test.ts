// `switchyard spend`: the report from a ledger file the proxy wrote, as text and JSON; a ledger not created yet;
// bad flags, a bad ledger URL and an invalid policy.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import type { SpendReport } from '../../src/budget/spend.js';
import { windowStart } from '../../src/budget/window.js';
import { budgetSources } from '../proxy/budget-fixture.js';
import { runCli, scratch } from '../support/cli.js';

const files: Record<string, string> = {};
for (const f of budgetSources()) files[f.path] = f.text;
files['broken/org.yaml'] = 'apiVersion: switchyard.dev/v1\nkind: Organization\nmetadata: { name: acme }\nspec: { dataClasses: [a], tasks: [b], defaults: { dataClass: a, task: b }, prority: 1 }\n';
const dir = scratch(files);
const ledgerPath = join(dir.dir, 'spent.db');

beforeAll(async () => {
  // The CLI reads the clock itself: stay clear of a day boundary so the spend written below is in its window.
  const DAY = 86_400_000;
  const toBoundary = DAY - (Date.now() % DAY);
  if (toBoundary < 10_000) await sleep(toBoundary + 100);
  const now = Date.now();
  const ledger = openSqliteLedger(ledgerPath);
  const charges = [{ budget: 'fin-daily', bucket: 'fin', window: 'day' as const, windowStart: windowStart('day', now), limitMicros: 1_000_000, enforce: true }];
  await ledger.reserve({ id: 'done', charges, amountMicros: 900_000, ttlMs: 600_000, now });
  await ledger.settle('done', 850_000, now);
  await ledger.reserve({ id: 'in-flight', charges, amountMicros: 20_000, ttlMs: 600_000, now });
  await ledger.close();
});
afterAll(() => dir.cleanup());

describe('switchyard spend', () => {
  it('reports committed and reserved spend per budget and bucket as json', async () => {
    const run = await runCli(['spend', '--ledger', `sqlite:${ledgerPath}`, '--policy', 'policies', '--format', 'json'], dir.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as SpendReport;
    expect(report.ledger).toBe('sqlite');
    expect(report.budgets.map((b) => b.budget)).toEqual(['fin-daily', 'fin-watch', 'edge-daily', 'stream-daily', 'token-minute']);
    const fin = report.budgets[0]!;
    expect(fin.buckets).toEqual([
      {
        bucket: 'fin',
        committedMicros: 850_000,
        reservedMicros: 20_000,
        committedUsd: 0.85,
        reservedUsd: 0.02,
        remainingUsd: 0.13,
        percentUsed: 87,
        thresholdsCrossed: [
          { atPercent: 50, action: 'alert' },
          { atPercent: 80, action: 'downgrade', maxTier: 'small' },
        ],
      },
    ]);
    expect(report.budgets.find((b) => b.budget === 'stream-daily')!.buckets.map((b) => [b.bucket, b.committedUsd])).toEqual([['streamy-key', 0]]);
  });

  it('prints a table per budget, reading the ledger from SWITCHYARD_LEDGER', async () => {
    const run = await runCli(['spend'], dir.dir, { SWITCHYARD_LEDGER: 'sqlite:spent.db' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^fin-daily: \$1\.00 per day, per team, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} UTC$/m);
    expect(run.stdout).toMatch(/^ {2}bucket +committed +reserved +left +used +crossed$/m);
    expect(run.stdout).toMatch(/^ {2}fin +\$0\.8500 +\$0\.0200 +\$0\.1300 +87\.0% +alert at 50%, downgrade at 80%$/m);
    expect(run.stdout).toMatch(/^fin-watch: \$0\.0001 per month, shared, .* \(monitor\)$/m);
  });

  it('markdown: one table row per bucket', async () => {
    const run = await runCli(['spend', '--ledger', `sqlite:${ledgerPath}`, '--format', 'markdown'], dir.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^### Switchyard spend\n/);
    expect(run.stdout).toContain('| budget | limit | bucket | committed | reserved | left | used | crossed |');
    expect(run.stdout).toContain('| `fin-daily` | $1.00 / day | `fin` | $0.8500 | $0.0200 | $0.1300 | 87.0% | alert at 50%, downgrade at 80% |');
  });

  it('github: a summary notice and a warning for each bucket past a threshold', async () => {
    const run = await runCli(['spend', '--ledger', `sqlite:${ledgerPath}`, '--format', 'github'], dir.dir);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^::notice title=Switchyard spend::5 budgets, \d+ buckets at /);
    expect(lines).toContain('::warning title=Budget fin-daily%3A downgrade at 80%25::fin has used 87.0%25 of $1.00 per day ($0.8500 committed, $0.0200 reserved); crossed alert at 50%25, downgrade at 80%25');
  });

  it('reports zero spend, without creating it, for a ledger file that does not exist yet', async () => {
    const run = await runCli(['spend', '--format', 'json'], dir.dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`switchyard spend: no ledger at \`${join(dir.dir, 'switchyard.db')}\` yet; nothing has been spent through it`);
    const report = JSON.parse(run.stdout) as SpendReport;
    expect(report.budgets.every((b) => b.buckets.every((k) => k.committedMicros === 0 && k.reservedMicros === 0))).toBe(true);
    expect(existsSync(join(dir.dir, 'switchyard.db'))).toBe(false);
  });

  it('refuses bad flags and ledger URLs with exit 2, and an invalid policy with exit 1', async () => {
    const flag = await runCli(['spend', '--fromat', 'json'], dir.dir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("switchyard spend: unknown option `--fromat`");
    const format = await runCli(['spend', '--format', 'yaml'], dir.dir);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('unknown format `yaml`; use one of text, json, markdown, github');
    const url = await runCli(['spend', '--ledger', 'postgres://db'], dir.dir);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('unsupported ledger `postgres://db`');
    const broken = await runCli(['spend', '--policy', 'broken', '--ledger', `sqlite:${ledgerPath}`], dir.dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\/org\.yaml:4:\d+: error unknown_field: /);
    expect(broken.stderr).toContain('the policy in `broken` is invalid; no report');
    const nowhere = await runCli(['spend', '--policy', 'nowhere'], dir.dir);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('`nowhere` is not a directory');
  });
});
