// What the proxy benchmarks share about the proxies they start: the demo key and environment that point every
// provider of policies/ at a mock upstream, the node flags `npm start` runs switchyard with, the core layout
// (issue 9: proxies on core 0, the load generator and the mock on core 1), and a process's CPU time from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export const DEMO_KEY = 'sy-demo-engineering-0001'; // README "Demo keys"; its hash is in policies/teams.yaml

export const PROXY_CPU = 0;
export const LOAD_CPU = 1;

/**
 * Pins this process (the load generator) to `LOAD_CPU`; false when it cannot (one CPU, no taskset) or
 * BENCH_NO_PIN=1, and then nothing is pinned.
 */
export function pinSelf() {
  if (process.env.BENCH_NO_PIN === '1' || os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-c', '-p', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Environment pointing every provider of policies/ at the mock, with throwaway credentials. */
export function providerEnv(upstream) {
  const openai = `${upstream}/v1`;
  return {
    OPENAI_BASE_URL: openai, AZURE_OPENAI_EU_BASE_URL: openai, MISTRAL_BASE_URL: openai, VLLM_EU_BASE_URL: openai, GEMINI_BASE_URL: openai,
    ANTHROPIC_BASE_URL: upstream,
    OPENAI_API_KEY: 'sk-bench', AZURE_OPENAI_EU_API_KEY: 'sk-bench', MISTRAL_API_KEY: 'sk-bench', VLLM_EU_API_KEY: 'sk-bench',
    GEMINI_API_KEY: 'sk-bench', ANTHROPIC_API_KEY: 'sk-bench',
  };
}

/**
 * The node flags `npm start` uses (a 4 MB young generation, V8's collector on the main thread, one helper thread
 * for the optimising compiler, no baseline compiler: see docs/benchmarks.md "proxy"); BENCH_SWITCHYARD_NODE_FLAGS
 * replaces them to compare runtime settings (`''` for node's defaults).
 */
export function switchyardNodeFlags() {
  return (process.env.BENCH_SWITCHYARD_NODE_FLAGS ?? '--max-semi-space-size=4 --single-threaded-gc --v8-pool-size=1 --no-sparkplug --no-allocation-site-pretenuring').split(' ').filter(Boolean);
}

let ticksPerSecond;

/** CPU time (user + system, every thread) a process has used so far, in ms, from /proc (Linux). */
export function cpuMs(pid) {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
