// The upstream simulator as a benchmark upstream: what one request costs it, and how many it serves per
// second. It runs in a child process (the real CLI) so the load generator does not share its event loop.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The floor: a node:http server answering every request with one fixed JSON body, in the same kind of process.
const BARE_SERVER = `
const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' } }] });
const server = require('node:http').createServer({ keepAliveTimeout: 65000 }, (req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

function startChild(args) {
  return new Promise((resolve, reject) => {
    const argv = args === 'bare' ? ['-e', BARE_SERVER] : [join(root, 'bin', 'switchyard.js'), 'simulate-upstream', '--port', '0', ...args];
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before listening`)));
  });
}

async function stopChild(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const CHAT = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Benchmark the upstream simulator, please.' }] });
const CHAT_STREAM = JSON.stringify({ model: 'bench-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream, please.' }] });
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

async function post(pool, path, body) {
  const res = await pool.request({ method: 'POST', path, headers: HEADERS, body });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text}`);
  return text;
}

/** `total` requests over `concurrency` keep-alive connections; returns per-request latencies and req/s. */
async function load(pool, body, total, concurrency, maxMs) {
  const samples = [];
  let next = 0;
  const deadline = performance.now() + maxMs;
  const started = performance.now();
  async function worker() {
    while (next < total && performance.now() < deadline) {
      next++;
      const t0 = process.hrtime.bigint();
      await post(pool, '/v1/chat/completions', body);
      samples.push(Number(process.hrtime.bigint() - t0));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { samples, rps: samples.length / seconds };
}

const SEQUENTIAL = { samples: 3000, batch: 1, warmup: 300, maxMs: 8000 };

export default async function (h) {
  const bare = await startChild('bare');
  const sim = await startChild(['--tokens', '32']);
  try {
    const bareOne = new Pool(bare.url, { connections: 1 });
    const one = new Pool(sim.url, { connections: 1 });
    const sequential = h.group(
      'simulator: one request at a time (keep-alive, 32 output tokens)',
      'Client and server in separate processes on 127.0.0.1; latency includes the client. Baseline: node:http answering one fixed JSON body.',
    );
    sequential.add('bare node:http, fixed body', await h.measure(() => post(bareOne, '/v1/chat/completions', CHAT), SEQUENTIAL));
    sequential.add('openai non-streaming', await h.measure(() => post(one, '/v1/chat/completions', CHAT), SEQUENTIAL), { baseline: 'bare node:http, fixed body' });
    sequential.add('openai streaming (whole stream)', await h.measure(() => post(one, '/v1/chat/completions', CHAT_STREAM), SEQUENTIAL), { baseline: 'bare node:http, fixed body' });
    await Promise.all([bareOne.close(), one.close()]);

    const barePool = new Pool(bare.url, { connections: 32 });
    const pool = new Pool(sim.url, { connections: 32 });
    await load(barePool, CHAT, 2_000, 32, 5_000);
    await load(pool, CHAT, 2_000, 32, 5_000);
    const floor = await load(barePool, CHAT, 40_000, 32, 10_000);
    const plain = await load(pool, CHAT, 40_000, 32, 10_000);
    const streamed = await load(pool, CHAT_STREAM, 20_000, 32, 10_000);
    await Promise.all([barePool.close(), pool.close()]);
    const loaded = h.group(
      'simulator: 32 concurrent connections',
      `Throughput: bare node:http ${floor.rps.toFixed(0)} req/s; simulator non-streaming ${plain.rps.toFixed(0)} req/s (${((100 * plain.rps) / floor.rps).toFixed(0)}% of bare), streaming ${streamed.rps.toFixed(0)} req/s.`,
    );
    loaded.add('bare node:http under load', h.summarize(floor.samples));
    loaded.add('openai non-streaming under load', h.summarize(plain.samples), { baseline: 'bare node:http under load' });
    loaded.add('openai streaming under load', h.summarize(streamed.samples), { baseline: 'bare node:http under load' });
  } finally {
    await Promise.all([stopChild(bare.child), stopChild(sim.child)]);
  }
}
