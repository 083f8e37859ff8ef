// Load generation and process plumbing for the proxy benchmark: child processes that print their address,
// their resident memory, and three ways of driving an HTTP endpoint — one request at a time, a constant
// rate (open loop: requests start on schedule whatever the answers do), and N connections flat out.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Start `node args…`; resolves when its output matches `ready` (default: `listening on URL`). With
 * `quietStdout` its stdout goes to /dev/null (a proxy's request log: written, as in production, but not read here).
 */
export function startChild(name, args, { env = {}, ready = /listening on (http:\/\/\S+)/, timeoutMs = 20_000, quietStdout = false, cpu } = {}) {
  return new Promise((resolve, reject) => {
    // `cpu`: pin the child to that core with taskset (issue 9: the proxy on one core, the load on the other).
    const [command, argv] = cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
    const child = spawn(command, argv, { stdio: ['ignore', quietStdout ? 'ignore' : 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (data) => {
      out += data;
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr.off('data', onData);
        child.stdout?.resume();
        child.stderr.resume();
        resolve({ name, child, url: match[1].replace('localhost', '127.0.0.1'), output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export async function stopChild(proc) {
  if (proc === undefined || proc.child.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  const killed = sleep(5_000).then(() => proc.child.kill('SIGKILL'));
  await Promise.race([exited, killed]);
}

/** A port free right now, for servers that cannot be told to pick one. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB (10^6 bytes, the unit of the targets), from /proc (Linux). */
export function rssMB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return (kb * 1024) / 1e6;
}

/** Sample a process's RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid, everyMs = 50) {
  let peak = rssMB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMB(pid));
    } catch {
      // the process ended; keep the peak seen
    }
  }, everyMs);
  return { stop: () => (clearInterval(timer), peak) };
}

/** One request; throws on a non-200 answer so a broken setup cannot pass as fast. */
export async function send(pool, target, body) {
  const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${target.name}: status ${res.statusCode}: ${text.slice(0, 300)}`);
  return res;
}

/** Time to the first body chunk of a streamed answer, then drain the rest. */
export async function timeToFirstChunk(pool, target, body) {
  const t0 = process.hrtime.bigint();
  const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body });
  let first = 0n;
  let text = '';
  for await (const part of res.body) {
    if (first === 0n) first = process.hrtime.bigint();
    text += part;
  }
  if (res.statusCode !== 200 || !text.includes('[DONE]')) throw new Error(`${target.name}: stream status ${res.statusCode}: ${text.slice(0, 300)}`);
  return Number(first - t0);
}

/** Requests started every 1/rate s for `count` requests; latency from dispatch to the end of the body. */
export async function constantRate(pool, target, body, { rate, count }) {
  const samples = [];
  const pending = [];
  let failures = 0;
  const interval = 1000 / rate;
  const started = performance.now();
  let next = 0;
  const one = async () => {
    const t0 = process.hrtime.bigint();
    try {
      await send(pool, target, body);
      samples.push(Number(process.hrtime.bigint() - t0));
    } catch {
      failures++;
    }
  };
  while (next < count) {
    const now = performance.now();
    while (next < count && started + next * interval <= now) {
      pending.push(one());
      next++;
    }
    if (next < count) await sleep(Math.max(0, started + next * interval - performance.now()));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  return { samples, failures, achievedRps: samples.length / seconds };
}

/** `concurrency` workers sending back to back until `total` requests or `maxMs`; returns req/s. */
export async function closedLoop(pool, target, body, { total, concurrency, maxMs }) {
  const samples = [];
  let next = 0;
  let failures = 0;
  const deadline = performance.now() + maxMs;
  const started = performance.now();
  const worker = async () => {
    while (next < total && performance.now() < deadline) {
      next++;
      const t0 = process.hrtime.bigint();
      try {
        await send(pool, target, body);
        samples.push(Number(process.hrtime.bigint() - t0));
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { samples, failures, rps: samples.length / seconds };
}
