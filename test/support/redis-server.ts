// A real redis-server for a test file: its own temporary directory, a free port on 127.0.0.1, the append-only
// file fsynced before every reply (`appendfsync always`), no RDB snapshots. The Redis tests never skip: without
// redis-server on PATH they fail with the reason (.ci/run installs it from Debian).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** The data directory (the append-only file lives in it). */
  readonly dir: string;
  readonly pid: number;
  /** Shuts down cleanly (SIGTERM) and removes the directory unless it was given. */
  stop(): Promise<void>;
  /** `kill -9`: what survives is what was fsynced. The directory stays for a restart. */
  kill(): Promise<void>;
}

export interface RedisServerOptions {
  /** Reuse this data directory (a restart after `kill`); it is then never removed by `stop`. */
  readonly dir?: string;
  /** Listen on this port (a restart where clients reconnect) instead of a free one. */
  readonly port?: number;
}

function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not on PATH: the Redis tests need a real server (apt-get install -y redis-server; .ci/run installs it)');
  }
}

/** A port that was free a moment ago: listen on port 0, note it, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

async function launch(dir: string, port: number): Promise<{ proc: ChildProcess; output: () => string }> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'always',
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
  ];
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => void (output += String(d)));
  proc.stderr?.on('data', (d: Buffer) => void (output += String(d)));
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(output)) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not start within 10 s: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { proc, output: () => output };
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertInstalled();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  let lastError: unknown;
  // Another process may take the probed port before redis-server binds it: try a few.
  for (let attempt = 0; attempt < (options.port ? 1 : 5); attempt++) {
    const port = options.port ?? (await freePort());
    let started: Awaited<ReturnType<typeof launch>>;
    try {
      started = await launch(dir, port);
    } catch (err) {
      lastError = err;
      continue;
    }
    const { proc } = started;
    const pid = proc.pid;
    if (pid === undefined) throw new Error('redis-server has no pid');
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      dir,
      pid,
      async stop() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        await exited(proc);
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      },
      async kill() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await exited(proc);
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error('redis-server did not start');
}
