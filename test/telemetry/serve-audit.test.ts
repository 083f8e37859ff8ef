// `switchyard serve` and its audit log as an operator meets them: bad flags and paths refused at start, the log
// on standard output interleaved line by line with the server log, and SIGUSR2 after a rename-style rotation.
// The child-process cases run the built dist/ (as `npm test` builds it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { serve } from '../../src/cli/serve.js';
import { APP_KEY, chat, closeSims, CREDENTIALS, fixtureSources, startSims, type Sims } from '../proxy/fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
let sims: Sims;
let root: string;

beforeAll(async () => {
  sims = await startSims();
  root = await mkdtemp(join(tmpdir(), 'switchyard-serve-audit-'));
  await mkdir(join(root, 'policies'));
  for (const f of fixtureSources()) await writeFile(join(root, f.path), f.text);
});
afterAll(async () => {
  await closeSims(sims);
  await rm(root, { recursive: true, force: true });
});

function io(env: Record<string, string | undefined> = {}): CliIO & { err: () => string } {
  let err = '';
  return { stdout: () => undefined, stderr: (t) => void (err += t), cwd: root, env: { LOG_LEVEL: 'silent', ...env }, err: () => err };
}

describe('serve refuses what it cannot honour, at start', () => {
  it('with exit 2 and a one-line reason', async () => {
    const never = new AbortController().signal;
    const metrics = io();
    expect(await serve(['policies', '--port', '0', '--metrics', 'sometimes'], metrics, never)).toBe(2);
    expect(metrics.err()).toContain('`--metrics` must be `open`, `admin` or `off`, got `sometimes`');
    const dir = io();
    expect(await serve(['policies', '--port', '0', '--ledger', 'sqlite::memory:', '--audit-log', 'policies'], dir, never)).toBe(2);
    expect(dir.err()).toContain('cannot open the audit log `policies`: it is a directory');
    const exporter = io({ OTEL_TRACES_EXPORTER: 'zipkin' });
    expect(await serve(['policies', '--port', '0', '--ledger', 'sqlite::memory:'], exporter, never)).toBe(2);
    expect(exporter.err()).toContain('`OTEL_TRACES_EXPORTER` `zipkin` is not supported');
  });
});

interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  stdout(): string;
  readonly exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Promise<Child> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'switchyard.js'), 'serve', 'policies', '--port', '0', '--ledger', 'sqlite::memory:', '--no-watch', ...args], {
    cwd: root,
    env: { ...process.env, ...CREDENTIALS, SIM_A: sims.a.url, SIM_B: sims.b.url, SIM_EU: sims.eu.url, SIM_C: sims.c.url, SIM_D: sims.d.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += String(d)));
  proc.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const exited = new Promise<number | null>((done) => proc.once('exit', done));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), 20_000);
    proc.stderr!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, stdout: () => out, exited });
      }
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${err}`)));
  });
}

const ask = (url: string): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` }, body: JSON.stringify(chat('auto')) });

describe('the audit log of switchyard serve', () => {
  it('shares standard output with the server log, each line whole', { timeout: 30_000 }, async () => {
    const child = await start(['--audit-log', '-'], { LOG_LEVEL: 'info' });
    for (let i = 0; i < 20; i++) expect((await ask(child.url)).status).toBe(200);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const lines = child.stdout().trim().split('\n').map((l) => JSON.parse(l) as { kind?: string; msg?: string });
    expect(lines.filter((l) => l.kind === 'switchyard.audit/v1')).toHaveLength(20);
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(20);
  });

  it('starts a new file on SIGUSR2 after a rename, losing and doubling nothing', { timeout: 30_000 }, async () => {
    const file = join(root, 'rotated', 'audit.jsonl');
    const child = await start(['--audit-log', 'rotated/audit.jsonl'], { LOG_LEVEL: 'silent' });
    for (let i = 0; i < 5; i++) expect((await ask(child.url)).status).toBe(200);
    await rename(file, `${file}.1`);
    child.proc.kill('SIGUSR2');
    // Reopening creates the new file at the path.
    await expect.poll(() => existsSync(file), { timeout: 10_000 }).toBe(true);
    for (let i = 0; i < 3; i++) expect((await ask(child.url)).status).toBe(200);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const count = async (path: string): Promise<number> => (await readFile(path, 'utf8')).trim().split('\n').length;
    expect(await count(`${file}.1`)).toBe(5);
    expect(await count(file)).toBe(3);
  });
});
