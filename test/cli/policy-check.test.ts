// The policy-check workflow in a fresh policy repository: its `$SWITCHYARD` steps, read from
// .github/workflows/policy-check.yml and run as written (in-process), on a pull request that misspells a field
// and on one that breaks an invariant. What the reviewer must get: annotations at the right lines, a failing
// check with a counterexample that reproduces, and a readable diff in the job summary.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, scratch, type CliRun } from '../support/cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

interface Step {
  readonly name: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
const workflow = parse(readFileSync(join(root, '.github/workflows/policy-check.yml'), 'utf8')) as {
  env: Record<string, string>;
  on: { pull_request: { paths: string[] } };
  jobs: Record<string, { steps: Step[] }>;
};
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps).filter((s) => s.run?.includes('$SWITCHYARD'));

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

/** Splits into words and expands `$VAR` the way bash does for these simple lines: `"$VAR"` stays one word, a bare `$VAR` is split. */
function words(line: string, env: Record<string, string>): string[] {
  const expand = (w: string): string => w.replace(/\$([A-Z_]+)/g, (_, name: string) => env[name] ?? '');
  return (line.match(/"[^"]*"|\S+/g) ?? []).flatMap((w) => (w.startsWith('"') ? [expand(w.slice(1, -1))] : expand(w).split(/\s+/).filter(Boolean)));
}

/** Runs one workflow step through the CLI; `>> "$GITHUB_STEP_SUMMARY"` appends stdout to the summary. */
async function runStep(step: Step, cwd: string, summary: string[]): Promise<CliRun> {
  const env: Record<string, string> = { ...workflow.env };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = v.includes('${{') ? 'main' : v;
  const [command = '', redirect] = (step.run ?? '').split(/\s*>>\s*/);
  const argv = words(command, env);
  // `$SWITCHYARD` is how the repository runs switchyard; the first word after it is the command.
  const switchyard = words(workflow.env['SWITCHYARD'] ?? '', {}).length;
  const r = await runCli(argv.slice(switchyard), cwd);
  if (redirect?.includes('GITHUB_STEP_SUMMARY')) summary.push(r.stdout);
  return r;
}

/** A policy repository: policies/ and the traffic sample committed on main, then a branch with `edit` applied. */
function repository(edit: (policies: string) => void): string {
  const s = scratch({});
  cleanups.push(s.cleanup);
  cpSync(join(root, 'policies'), join(s.dir, 'policies'), { recursive: true });
  mkdirSync(join(s.dir, dirname(workflow.env['TRAFFIC_SAMPLE'] ?? '')), { recursive: true });
  cpSync(join(root, 'examples/traffic/sample.jsonl'), join(s.dir, workflow.env['TRAFFIC_SAMPLE'] ?? ''));
  git(s.dir, 'init', '-q', '-b', 'main');
  git(s.dir, 'add', '.');
  git(s.dir, 'commit', '-q', '-m', 'policies');
  git(s.dir, 'checkout', '-q', '-b', 'change');
  edit(join(s.dir, 'policies'));
  git(s.dir, 'commit', '-q', '-am', 'change');
  return s.dir;
}

function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`\`${from}\` not in ${file}`);
  writeFileSync(file, text.replace(from, to));
}

describe('the policy-check workflow', () => {
  it('runs on pull requests touching policies/ and has the validate, test and diff steps', () => {
    expect(workflow.on.pull_request.paths).toEqual(['policies/**']);
    expect(steps.map((s) => words(s.run ?? '', workflow.env)[words(workflow.env['SWITCHYARD'] ?? '', {}).length])).toEqual(['validate', 'test', 'diff']);
  });

  it('a misspelt field: an error annotation at its line and column', async () => {
    const cwd = repository((p) => replaceIn(join(p, 'routes.yaml'), '  priority: 350', '  prority: 350'));
    const line = readFileSync(join(cwd, 'policies/routes.yaml'), 'utf8').split('\n').findIndex((l) => l.startsWith('  prority: 350')) + 1;
    const [validate] = steps;
    if (validate === undefined) throw new Error('no validate step');
    const r = await runStep(validate, cwd, []);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`::error file=policies/routes.yaml,line=${line},col=3,title=unknown_field::unknown field \`prority\``);
  });

  it('a broken invariant: a failing check, a counterexample that reproduces, and a diff that says so', async () => {
    const cwd = repository((p) => {
      replaceIn(join(p, 'routes.yaml'), '    - model: llama-eu\n', '    - model: llama-eu\n    - model: gpt-4-1-mini\n');
      replaceIn(join(p, 'guardrails.yaml'), '  allowRegions: ["eu-*"]\n  enforcement: enforce', '  allowRegions: ["eu-*"]\n  enforcement: monitor');
    });
    const summary: string[] = [];
    const [validate, test, diff] = await (async () => {
      const out: CliRun[] = [];
      for (const step of steps) out.push(await runStep(step, cwd, summary));
      return out;
    })();
    expect(validate?.code).toBe(0);

    expect(test?.code).toBe(1);
    // The annotation points at the start of the Invariant document: the `apiVersion` line before its name.
    const lines = readFileSync(join(cwd, 'policies/invariants.yaml'), 'utf8').split('\n');
    const nameAt = lines.findIndex((l) => l.includes('name: pii-eu-only-in-eu'));
    const invariantLine = lines.slice(0, nameAt).findLastIndex((l) => l.startsWith('apiVersion:')) + 1;
    const annotation = test?.stdout.split('\n').find((l) => l.includes('title=Invariant/pii-eu-only-in-eu'));
    expect(annotation).toMatch(new RegExp(`^::error file=policies/invariants\\.yaml,line=${invariantLine},col=1,`));
    expect(annotation).toContain('region `us-east-1` matches none of `eu-*`');
    // The reproduce command, run as printed, shows the violating candidate.
    const command = annotation?.split('reproduce: switchyard ')[1] ?? '';
    const argv = command.match(/'[^']*'|\S+/g)?.map((a) => a.replace(/^'|'$/g, '')) ?? [];
    const again = await runCli(argv, cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/gpt-4-1-mini\s+fallback\s+provider openai/);

    // A newly failing invariant fails the diff step too (as `test` does), after its summary is written.
    expect(diff?.code).toBe(1);
    const md = summary.join('');
    expect(md).toMatch(/^### Switchyard policy diff\n\n\*\*changes no decision on 2,000 recorded requests \(\d+ change only their fallbacks\), but \d+ request classes outside the sample change, est\. \$0\.00\/day, denies nothing new, 1 invariant newly fails\*\*/);
    expect(md).toContain('| `Invariant/pii-eu-only-in-eu` | policies/invariants.yaml:');
    expect(md).toContain('newly fails (holds on the base)');
    expect(md).toContain('```mermaid');
  });
});
