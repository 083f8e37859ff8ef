// The floor for any fastify + undici proxy: forward the body bytes to one upstream and stream the answer back,
// with no auth, no policy, no header rewriting beyond what forwarding needs.
// Run: `UPSTREAM=http://127.0.0.1:PORT node bench/bare-passthrough.mjs` → prints `listening on http://…`.
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM;
if (!upstream) {
  console.error('bare-passthrough: set UPSTREAM to the upstream base URL');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 60_000 });
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

async function forward(request, reply) {
  const res = await pool.request({
    method: 'POST',
    path: request.url,
    headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' },
    body: request.body,
  });
  reply.code(res.statusCode);
  const type = res.headers['content-type'];
  if (type !== undefined) reply.header('content-type', type);
  return reply.send(res.body);
}

app.post('/v1/chat/completions', forward);
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(`listening on ${address}`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void app.close().then(() => pool.close()).then(() => process.exit(0)));
