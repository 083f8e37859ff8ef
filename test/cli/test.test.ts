// `switchyard test` as a user runs it: runner-style output, the summary as the last line, exit codes.
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, scratch } from '../support/cli.js';
import { BASE, PLANTED } from '../verify/fixtures.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));
function workspace(policy: string): string {
  const s = scratch({ 'policies/policy.yaml': policy });
  cleanups.push(s.cleanup);
  return s.dir;
}

describe('switchyard test', () => {
  it('passes a sound policy: one line per test and invariant, summary last, exit 0', async () => {
    const r = await runCli(['test'], workspace(BASE));
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('4 passed, 0 failed');
    expect(lines.filter((l) => l.startsWith('PASS '))).toHaveLength(4);
    expect(r.stdout).toMatch(/PASS Invariant\/phi-only-baa {2}policies\/policy\.yaml:\d+ {2}proven exhaustively/);
  });

  it('fails on a planted violation with the counterexample and the command that reproduces it', async () => {
    const cwd = workspace(BASE + PLANTED.promptBoundary);
    const r = await runCli(['test'], cwd);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('3 passed, 1 failed');
    expect(r.stdout).toContain('FAIL Invariant/phi-only-baa');
    expect(r.stdout).toMatch(/counterexample: \{.*"promptTokens":8001/);
    const command = lines.find((l) => l.includes('reproduce: switchyard explain'))?.split('reproduce: switchyard ')[1];
    expect(command).toBeDefined();
    // The printed command, run as printed (shell quotes removed), shows the violating route.
    const argv = (command ?? '').match(/'[^']*'|\S+/g)?.map((a) => a.replace(/^'|'$/g, '')) ?? [];
    const again = await runCli(argv, cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('big-phi');
  });

  it('prints github annotations at the failing expectation', async () => {
    const wrong = BASE.replace('expect: { model: safe, provider: baa, route: phi, fallbacks: [] }', 'expect: { model: cheapo }');
    const r = await runCli(['test', '--format', 'github'], workspace(wrong));
    expect(r.code).toBe(1);
    const line = wrong.split('\n').findIndex((l) => l.includes('expect: { model: cheapo }')) + 1;
    expect(r.stdout).toContain(`::error file=policies/policy.yaml,line=${line},`);
    expect(r.stdout).toContain('model: expected cheapo, got safe');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('3 passed, 1 failed');
  });

  it('json output carries every result', async () => {
    const r = await runCli(['test', '--format', 'json'], workspace(BASE));
    const parsed = JSON.parse(r.stdout) as { passed: number; failed: number; invariants: { method: string }[] };
    expect(parsed.passed).toBe(4);
    expect(parsed.failed).toBe(0);
    expect(parsed.invariants.map((i) => i.method)).toEqual(['proven', 'proven']);
  });

  it('samples when told the space is too large, printing the seed', async () => {
    const r = await runCli(['test', '--max-points', '5', '--samples', '500', '--seed', '9'], workspace(BASE));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sampled 500 requests (seed 9)');
  });

  it('exit 1 with diagnostics for an invalid policy, 2 for a missing directory or a bad flag', async () => {
    const invalid = await runCli(['test'], workspace(BASE.replace('priority: 100', 'prority: 100')));
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/policies\/policy\.yaml:\d+:\d+: error unknown_field/);
    expect((await runCli(['test', 'nowhere'], workspace(BASE))).code).toBe(2);
    expect((await runCli(['test', '--samples', 'many'], workspace(BASE))).code).toBe(2);
    expect((await runCli(['test', '--bogus'], workspace(BASE))).code).toBe(2);
  });

  it('--format markdown prints a results table, and for each failure its details and the command that reproduces it', async () => {
    const ok = await runCli(['test', '--format', 'markdown'], workspace(BASE));
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n').slice(0, 6)).toEqual(['### Switchyard policy tests: `policies`', '', '**4 passed, 0 failed**', '', '| result | rule | source | detail |', '| --- | --- | --- | --- |']);
    expect(ok.stdout).toMatch(/^\| pass \| `Invariant\/phi-only-baa` \| `policies\/policy\.yaml:\d+` \| proven over [\d,]+ requests; [\d,]+ in scope \|$/m);
    expect(ok.stdout).not.toContain('#### Failures');

    const wrong = BASE.replace('expect: { model: safe, provider: baa, route: phi, fallbacks: [] }', 'expect: { model: cheapo }') + PLANTED.promptBoundary;
    const failed = await runCli(['test', '--format', 'markdown'], workspace(wrong));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('**2 passed, 2 failed**');
    expect(failed.stdout).toMatch(/^\| \*\*fail\*\* \| `Test\/[a-z-]+` \| `policies\/policy\.yaml:\d+` \| model: expected `cheapo`, got `safe` \|$/m);
    expect(failed.stdout).toMatch(/^\| \*\*fail\*\* \| `Invariant\/phi-only-baa` .*; [\d,]+ violating requests? \|$/m);
    const details = failed.stdout.slice(failed.stdout.indexOf('#### Failures'));
    expect(details.match(/<details>/g)).toHaveLength(2);
    expect(details).toMatch(/Reproduce:\n\n```sh\nswitchyard explain policies --request '\{/);
    expect(details).toContain('<summary><code>Invariant/phi-only-baa</code></summary>');
    expect(details).toMatch(/Counterexample: `\{.*"promptTokens":8001/);
  });

  it('--format markdown of an invalid policy is its diagnostics table, exit 1', async () => {
    const r = await runCli(['test', '--format', 'markdown'], workspace(BASE.replace('priority: 100', 'prority: 100')));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^### Switchyard policy check: `policies` is invalid\n\n\*\*1 error, 0 warnings\*\*\.\n/);
    expect(r.stdout).toMatch(/^\| error \| `policies\/policy\.yaml:\d+:\d+` \| `unknown_field` \| /m);
    expect(r.stderr).toBe('switchyard test: the policy in `policies` is invalid\n');
    expect((await runCli(['test', '--help'], workspace(BASE))).stdout).toContain('--format text|json|github|markdown');
  });
});
