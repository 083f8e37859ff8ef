// Token buckets in Redis, shared by every proxy process: one script per take (rate-limit.ts's arithmetic in Lua).
// A take touches one key, so each bucket's name is its own cluster hash tag (`switchyard:rate:{team-a}`) and
// buckets spread over a cluster's shards. A key expires when its bucket would be full again: no key = full.
import type { Redis } from 'ioredis';
import { assertTake, type RateLimiter } from './rate-limit.js';
import { closeRedis, connectRedis, resolveNamespace, replyArray, replyInt, runScript, TAKE, type RedisConnectOptions } from './redis-scripts.js';

export interface RedisRateLimiterOptions extends RedisConnectOptions {
  /** Key namespace (`?namespace=` in the URL wins); default `switchyard`. No braces. */
  readonly namespace?: string;
}

export async function openRedisRateLimiter(url: string, options: RedisRateLimiterOptions = {}): Promise<RateLimiter> {
  const target = resolveNamespace(url, options.namespace);
  return createRedisRateLimiter(await connectRedis(target.url, [TAKE], options), target.namespace);
}

function createRedisRateLimiter(redis: Redis, namespace: string): RateLimiter {
  return {
    kind: 'redis',
    async take(key, spec, cost, now) {
      assertTake(spec, cost, now);
      const args = [String(spec.capacity), String(spec.refillPerSecond), String(cost), String(now)];
      const reply = replyArray(await runScript(redis, TAKE, [`${namespace}:rate:{${key}}`], args), TAKE);
      return replyInt(reply[0], TAKE) === 1 ? { ok: true } : { ok: false, retryAfterMs: replyInt(reply[1], TAKE) };
    },
    close: () => closeRedis(redis),
  };
}
