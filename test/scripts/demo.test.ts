// `npm run demo -- --once`: the simulator and the proxy on policies/ (the built dist/, as `npm test` builds it),
// one request with a demo key, then a clean stop.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.mjs'), '--once', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += String(d)));
    proc.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 25_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo -- --once', () => {
  it('answers one request through the proxy from the simulator and prints curl commands for the running proxy', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('HTTP 200');
    expect(stdout).toMatch(/^x-switchyard-route: default$/m);
    expect(stdout).toMatch(/^x-switchyard-model: gpt-4-1-mini$/m);
    expect(stdout).toMatch(/^x-switchyard-provider: openai$/m);
    expect(stdout).toMatch(/^x-switchyard-policy-version: \S+$/m);
    // The answer is the simulator's, for the upstream model the policy maps `gpt-4-1-mini` to.
    expect(stdout).toContain('"model": "gpt-4.1-mini"');
    expect(stdout).toContain('"object": "chat.completion"');
    const proxy = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout.split('\n').filter((l) => l.startsWith('proxy')).join('\n'))?.[1];
    expect(proxy).toBeDefined();
    expect(stdout).toContain(`curl -sS -i ${proxy}/v1/chat/completions \\\n  -H 'authorization: Bearer sy-demo-engineering-0001'`);
    expect(stdout).toContain('proxy     │ switchyard serve: stopped');
  });
});
