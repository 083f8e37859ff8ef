#!/usr/bin/env node
// `npm run policy-check`: runs the command lines of .github/workflows/policy-check.yml — the workflow teams
// copy into their policy repositories — against this repository's policies/, exactly as written there, so
// the workflow cannot drift from the CLI. Only the GitHub-specific values are supplied here:
//   SWITCHYARD            this checkout's bin/switchyard.js (built into dist/ by `npm run build`)
//   POLICY_BASE           HEAD when the policy directory is committed, else the directory itself
//   GITHUB_STEP_SUMMARY   a temporary file, printed at the end
// A step that uses a `${{ … }}` expression this script does not know fails the check: teach it here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workflowPath = join(root, '.github/workflows/policy-check.yml');
const workflow = parse(readFileSync(workflowPath, 'utf8'));

if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('policy-check: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const env = { ...process.env, ...workflow.env };
env.SWITCHYARD = `${process.execPath} ${join(root, 'bin/switchyard.js')}`;

function committed(dir) {
  try {
    execFileSync('git', ['cat-file', '-e', `HEAD:${dir}`], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const known = { 'origin/${{ github.base_ref }}': committed(env.POLICY_DIR) ? 'HEAD' : env.POLICY_DIR };

const scratch = mkdtempSync(join(tmpdir(), 'switchyard-policy-check-'));
env.GITHUB_STEP_SUMMARY = join(scratch, 'summary.md');

let failed = 0;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
const checks = steps.filter((s) => typeof s.run === 'string' && s.run.includes('$SWITCHYARD'));
if (checks.length === 0) {
  console.error(`policy-check: no step of ${workflowPath} runs $SWITCHYARD`);
  process.exit(2);
}
for (const step of checks) {
  const stepEnv = { ...env };
  for (const [name, value] of Object.entries(step.env ?? {})) {
    const text = String(value);
    if (!text.includes('${{')) stepEnv[name] = text;
    else if (text in known) stepEnv[name] = known[text];
    else {
      console.error(`policy-check: step "${step.name}" sets ${name} to \`${text}\`, an expression scripts/policy-check.mjs does not supply`);
      process.exit(2);
    }
  }
  console.log(`\n▶ ${step.name}\n  ${step.run}`);
  // GitHub runs `run:` with `bash --noprofile --norc -eo pipefail`.
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: root, env: stepEnv, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✗ ${step.name} exited ${r.status ?? r.signal}`);
    failed++;
  }
}

const summary = existsSync(env.GITHUB_STEP_SUMMARY) ? readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8') : '';
rmSync(scratch, { recursive: true, force: true });
if (!summary.includes('### Switchyard policy diff')) {
  console.error('✗ the job summary holds no policy diff');
  failed++;
} else {
  console.log(`\n▶ job summary\n${summary}`);
}
console.log(failed === 0 ? `policy-check: ${checks.length} steps passed` : `policy-check: ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
