// `switchyard dry-run` as a user runs it: formats, bad lines (skipped or strict), progress, exit codes.
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli, scratch } from '../support/cli.js';
import { POLICY, TRAFFIC_TEXT } from '../verify/diff-fixtures.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));
function workspace(files: Record<string, string>): string {
  const s = scratch(files);
  cleanups.push(s.cleanup);
  return s.dir;
}

describe('switchyard dry-run', () => {
  const cwd = workspace({ 'policies/policy.yaml': POLICY, 'traffic.jsonl': TRAFFIC_TEXT, 'bad.jsonl': `${TRAFFIC_TEXT}{"team": oops\n{"model":"auto"}\n` });

  it('prints the aggregate as text: routes and models, denials, cost per day', async () => {
    const r = await runCli(['dry-run', '--traffic', 'traffic.jsonl'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('dry-run of policies (policy ');
    expect(r.stdout).toMatch(/^code\s+big-us\s+4\s+40\.0%/m);
    expect(r.stdout).toMatch(/^invalid_request\s+1\s+10\.0%/m);
    expect(r.stdout).toContain('the traffic spans 12.0 h');
  });

  it('json carries the report; --days changes the divisor', async () => {
    const r = await runCli(['dry-run', 'policies', '--traffic', 'traffic.jsonl', '--format', 'json', '--days', '2'], cwd);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { requests: number; cost: { totalUsd: number; perDayUsd: number; days: unknown } };
    expect(report.requests).toBe(10);
    expect(report.cost.days).toEqual({ kind: 'flag', days: 2 });
    expect(report.cost.perDayUsd).toBeCloseTo(report.cost.totalUsd / 2, 12);
  });

  it('markdown for a job summary', async () => {
    const r = await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--format', 'markdown'], cwd);
    expect(r.stdout).toMatch(/^### Switchyard dry-run\n\n\*\*10 requests: 9 routed/);
    expect(r.stdout).toContain('| `code` | `big-us` | 4 | 40.0% |');
  });

  it('github: workflow annotations, a summary notice and a warning per denial code', async () => {
    const r = await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--format', 'github'], cwd);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^::notice title=Switchyard dry-run::10 requests of traffic\.jsonl: 9 routed, 1 denied; policy policies \(/);
    expect(lines).toContain('::warning title=Denied%3A invalid_request::1 request (10.0%25) denied with invalid_request by Organization/acme (1)');
    expect(lines.every((l) => /^::(notice|warning|error) /.test(l))).toBe(true);
  });

  it('skips bad lines, listing each as file:line on stderr; --strict stops at the first (exit 2)', async () => {
    const lenient = await runCli(['dry-run', '--traffic', 'bad.jsonl'], cwd);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/^bad\.jsonl:11: not valid JSON: /m);
    expect(lenient.stderr).toContain('bad.jsonl:12: the request needs `team`');
    expect(lenient.stdout).toContain('skipped 2 bad lines');
    const strict = await runCli(['dry-run', '--traffic', 'bad.jsonl', '--strict'], cwd);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('stopped at a bad line (--strict): bad.jsonl:11:');
    // Named once, in the error it stops with.
    expect(strict.stderr.match(/bad\.jsonl:11:/g)).toHaveLength(1);
    expect(strict.stdout).toBe('');
  });

  it('applies --budgets, refusing unknown budget names', async () => {
    const withBudget = workspace({
      'policies/policy.yaml': `${POLICY}---\napiVersion: switchyard.dev/v1\nkind: Budget\nmetadata: { name: eng-monthly }\nspec: { match: { teams: [eng] }, per: team, window: month, limitUsd: 100 }\n`,
      'traffic.jsonl': TRAFFIC_TEXT,
    });
    const r = await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--budgets', '{"eng-monthly": 100}'], withBudget);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^budget_exhausted\s+5\s+50\.0%/m);
    const unknown = await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--budgets', '{"nope": 1}'], withBudget);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown budget `nope`');
  });

  it('reports progress on stderr when asked, and draws it in place on a terminal', async () => {
    const lines = Array.from({ length: 20_500 }, (_, i) => `{"team":"eng","model":"auto","promptTokens":${i}}`).join('\n');
    const big = workspace({ 'policies/policy.yaml': POLICY, 'big.jsonl': lines });
    const asked = await runCli(['dry-run', '--traffic', 'big.jsonl', '--progress'], big);
    expect(asked.stderr).toBe('switchyard dry-run: 10,000 records\nswitchyard dry-run: 20,000 records\n');
    const quiet = await runCli(['dry-run', '--traffic', 'big.jsonl'], big);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('20,500 requests');
    let stderr = '';
    const code = await main(['dry-run', '--traffic', 'big.jsonl'], { stdout: () => undefined, stderr: (t) => void (stderr += t), cwd: big, env: {}, stderrIsTTY: true });
    expect(code).toBe(0);
    expect(stderr).toBe('\rswitchyard dry-run: 10,000 records\rswitchyard dry-run: 20,000 records\n');
  });

  it('exit 1 for an invalid policy, 2 for a missing traffic file, a missing flag or a bad value', async () => {
    const invalid = workspace({ 'policies/policy.yaml': POLICY.replace('priority: 100', 'prority: 100'), 'traffic.jsonl': TRAFFIC_TEXT });
    const bad = await runCli(['dry-run', '--traffic', 'traffic.jsonl'], invalid);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/policies\/policy\.yaml:\d+:\d+: error unknown_field/);
    const missing = await runCli(['dry-run', '--traffic', 'nope.jsonl'], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('switchyard dry-run: cannot read traffic file `nope.jsonl` (ENOENT)\n');
    expect((await runCli(['dry-run'], cwd)).code).toBe(2);
    expect((await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--days', '0'], cwd)).stderr).toContain('`--days` must be a positive number, got `0`');
    const negative = await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--days', '-1'], cwd);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('`--days` must be a positive number, got `-1`');
    expect(negative.stderr).not.toContain('ambiguous');
    expect((await runCli(['diff', '--base', 'policies', '--days', '-0.5'], cwd)).stderr).toContain('`--days` must be a positive number, got `-0.5`');
    // A flag after a flag is still a flag.
    expect((await runCli(['dry-run', '--traffic', '--strict'], cwd)).stderr).toContain('ambiguous');
    expect((await runCli(['dry-run', '--traffic', 'traffic.jsonl', '--format', 'gitlab'], cwd)).code).toBe(2);
    expect((await runCli(['dry-run', '--traffic', 'policies'], cwd)).stderr).toContain('is not a regular file');
  });
});
