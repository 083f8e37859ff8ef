// `switchyard simulate-upstream` driven as a plain function with buffers and an abort signal.
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { simulateUpstream } from '../../src/cli/simulate-upstream.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

function buffers(): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: process.cwd(), env: {} },
    out: () => out,
    err: () => err,
  };
}

async function listening(out: () => string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const url = /listening on (http:\/\/\S+)/.exec(out())?.[1];
    if (url) return url;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the simulator did not print its url');
}

const others: Simulator[] = [];
afterEach(async () => {
  await Promise.all(others.splice(0).map((s) => s.close()));
});

describe('simulate-upstream command', () => {
  it('serves with the given flags, prints its url and stops when signalled', async () => {
    const { io, out } = buffers();
    const stop = new AbortController();
    const done = simulateUpstream(['--port', '0', '--tokens', '3', '--require-key', 'sk-sim', '--models', 'a,b'], io, stop.signal);
    const url = await listening(out);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(3);
    const denied = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer other' } });
    expect(denied.status).toBe(401);
    const models = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer sk-sim' } });
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['a', 'b']);
    stop.abort();
    expect(await done).toBe(0);
    expect(out()).toContain('stopped');
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
  });

  it('reports random fault settings on start', async () => {
    const { io, out } = buffers();
    const stop = new AbortController();
    const done = simulateUpstream(['--port', '0', '--fault-rate', '0.25', '--faults', '503,reset', '--seed', '9'], io, stop.signal);
    await listening(out);
    stop.abort();
    expect(await done).toBe(0);
    expect(out()).toContain('random faults: rate 0.25 from 503,reset (seed 9)');
  });

  it.each([
    [['--latency-ms', 'abc'], '`--latency-ms` needs a non-negative number, got `abc`'],
    [['--fault-rate', '2'], '`--fault-rate` must be a number from 0 to 1, got `2`'],
    [['--faults', '500,boom'], 'unknown fault `boom`'],
    [['--port', '70000'], '`--port` must be an integer from 0 to 65535, got `70000`'],
    [['--bogus'], 'unknown option `--bogus`'],
    [['--port'], 'option `--port` needs a value'],
    [['extra'], 'unexpected argument `extra`'],
  ])('rejects %j with exit 2', async (argv, message) => {
    const { io, err } = buffers();
    expect(await simulateUpstream(argv, io, AbortSignal.abort())).toBe(2);
    expect(err()).toContain(message);
    expect(err().split('\n')[0]).not.toMatch(/Error|at /);
  });

  it('exits 2 when the port is taken', async () => {
    const taken = await startSimulator();
    others.push(taken);
    const { io, err } = buffers();
    expect(await simulateUpstream(['--port', String(taken.port)], io, AbortSignal.abort())).toBe(2);
    expect(err()).toContain(`cannot listen on \`127.0.0.1:${taken.port}\`: address already in use`);
  });

  it('is listed by switchyard --help and has its own help', async () => {
    const top = buffers();
    await main(['--help'], top.io);
    expect(top.out()).toContain('simulate-upstream');
    const own = buffers();
    expect(await main(['simulate-upstream', '--help'], own.io)).toBe(0);
    expect(own.out()).toContain('--fault-rate R');
  });
});
