// Shared by the reliability scenarios: `switchyard serve` as a child process (the built CLI, as an operator runs
// it), its resident memory, files written into a scratch directory, and bounded polling.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'switchyard.js');

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
  /** Everything written to stderr so far (the banner, fatal errors). */
  stderr(): string;
}

export interface ServeOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Called with each line of the JSON log on stdout (set LOG_LEVEL in env to get any). */
  readonly onLogLine?: (line: string) => void;
}

/** Starts `switchyard serve <args>` in `cwd` and resolves once it listens; rejects if it exits first. */
export function startServe(args: readonly string[], options: ServeOptions): Promise<ServeProcess> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const env = { ...process.env, LOG_LEVEL: 'silent', ...options.env };
  return new Promise((resolve, reject) => {
    const onLogLine = options.onLogLine;
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: options.cwd, env, stdio: ['ignore', onLogLine === undefined ? 'ignore' : 'pipe', 'pipe'] });
    let partial = '';
    child.stdout?.on('data', (data: Buffer) => {
      const lines = (partial + String(data)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLogLine?.(line);
    });
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let stderr = '';
    let listening = false;
    child.stderr?.on('data', (data: Buffer) => {
      stderr += String(data);
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined && !listening && child.pid !== undefined) {
        listening = true;
        resolve({ url, child, pid: child.pid, exit, stderr: () => stderr });
      }
    });
    void exit.then((code) => {
      if (!listening) reject(new Error(`switchyard serve exited with ${code} before listening:\n${stderr}`));
    });
  });
}

/** SIGKILL and wait for the exit (no-op when already gone). */
export async function killHard(p: ServeProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exit;
}

/** Resident set size of a process in KiB (`ps`, so Linux and macOS alike). */
export function rssKiB(pid: number): number {
  const out = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  const kib = Number(out);
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`cannot read the memory of process ${pid}: \`${out}\``);
  return kib;
}

/** Writes files (paths relative to dir, `/`-separated), creating directories. */
export function writeFiles(dir: string, files: readonly { path: string; text: string }[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
}

/** Polls `check` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The maximum of the values, 0 for none (no spread: the lists can be long). */
export const maxOf = (values: Iterable<number>): number => {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
};

/** The p-th percentile (0–100) of the values, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
