// The proxy benchmark's upstream: a bare node:http server answering OpenAI-shaped requests with fixed bodies,
// as fast as node can, so what the benchmark measures is the proxy in front of it. Streams send their first
// event at once and the rest `MOCK_STREAM_GAP_MS` (default 5) later, so a proxy that buffers shows up in the
// time to first token. Run: `node bench/mock-upstream.mjs` → prints `listening on http://127.0.0.1:PORT`.
import { createServer } from 'node:http';

const GAP_MS = Number(process.env.MOCK_STREAM_GAP_MS ?? 5);
const created = 1_700_000_000;
const usage = { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 };
const text = 'one two three four five six seven eight';

const chatBody = (model) => JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage,
});

const chunk = (model, delta, finish = null) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;

function streamChat(res, model, includeUsage) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req-bench' });
  res.write(chunk(model, { role: 'assistant', content: '' }));
  setTimeout(() => {
    let rest = text.split(' ').map((word, i) => chunk(model, { content: i === 0 ? word : ` ${word}` })).join('');
    rest += chunk(model, {}, 'stop');
    if (includeUsage) rest += `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`;
    res.end(`${rest}data: [DONE]\n\n`);
  }, GAP_MS);
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    let request;
    try {
      request = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
      return;
    }
    const model = typeof request.model === 'string' ? request.model : 'unknown';
    if (request.stream === true) {
      streamChat(res, model, request.stream_options?.include_usage === true);
      return;
    }
    const body = chatBody(model);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': 'req-bench' });
    res.end(body);
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
