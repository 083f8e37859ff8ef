// SIGHUP through the real CLI: `switchyard serve --no-watch` (the built dist/, as `npm test` builds it) in a
// child process reloads its policy on the signal and only then.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ask, edit, filesOf, scratchPolicy, simulatorEnv, versionOf, waitFor, type ScratchPolicy } from './reload-support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'switchyard.js');

let child: ChildProcess | undefined;
let sim: Simulator | undefined;
let scratch: ScratchPolicy | undefined;

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  await sim?.close();
  scratch?.remove();
  child = undefined;
  sim = undefined;
  scratch = undefined;
});

function serve(dir: string, env: Record<string, string>): Promise<{ url: string; exit: Promise<number | null> }> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'serve', dir, '--no-watch', '--port', '0', '--ledger', 'sqlite::memory:'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    const exit = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    let stderr = '';
    proc.stderr?.on('data', (data: Buffer) => {
      stderr += String(data);
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) resolve({ url, exit });
    });
    void exit.then((code) => reject(new Error(`switchyard serve exited with ${code} before listening:\n${stderr}`)));
  });
}

describe('switchyard serve and SIGHUP', () => {
  it('reloads on SIGHUP, not before, and stops cleanly on SIGTERM', async () => {
    scratch = scratchPolicy();
    sim = await startSimulator({ tokens: 4 });
    const env = simulatorEnv(sim.url);
    const { url, exit } = await serve(scratch.dir, env);
    const before = await ask(url);
    expect(before).toMatchObject({ status: 200, model: 'gpt-4-1-mini' });

    const routes = edit(scratch.read('routes.yaml'), '    - model: gpt-4-1-mini\n    - model: claude-haiku', '    - model: gpt-4o-mini');
    const expected = versionOf(filesOf(scratch.dir, { 'routes.yaml': routes }), env);
    expect(expected).toBeDefined();
    writeFileSync(join(scratch.dir, 'routes.yaml'), routes);
    // Not watching: the edit waits for the signal.
    expect(await ask(url)).toEqual(before);

    child?.kill('SIGHUP');
    await waitFor('the proxy to serve the edited policy after SIGHUP', async () => (await ask(url)).version === expected, 2000);
    expect(await ask(url)).toMatchObject({ status: 200, version: expected, model: 'gpt-4o-mini' });

    child?.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
