// The Redis rate limiter against the shared conformance suite, on a real redis-server; each `open` gets its own
// namespace (a fresh, empty store).
import { afterAll, beforeAll } from 'vitest';
import { openRedisRateLimiter } from '../../src/budget/redis-rate-limit.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { rateLimitConformance } from './rate-limit-conformance.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

let namespaces = 0;
rateLimitConformance('redis', async () => openRedisRateLimiter(server.url, { namespace: `rate-${namespaces++}` }));
