// The Lua side of the Redis ledger and rate limiter, and how both run it. Each ledger phase is one script, so
// one round trip and atomic: Redis runs a script to completion before any other command.
//
// Numbers: Redis Lua numbers are doubles, exact for the integer micro-dollars the ledger keeps (< 2^53). A Lua
// number handed to redis.call may be formatted with an exponent (`1e+15`), which HINCRBY and PEXPIRE refuse, so
// every computed integer goes through `int()`; figures read from keys or ARGV stay strings where possible.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

const define = (name: string, body: string): LuaScript => {
  const lua = `local function int(x) return string.format('%d', x) end\n${body}`;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
};

// How long a bucket key lives: past its window's end by the grace, and at least the grace after any write.
const KEEP = `local function keep(windowEnd, now, grace) return int(math.max(windowEnd - now, 0) + grace) end\n`;

/**
 * KEYS: reservation, deadlines, bucket index, then one key per bucket.
 * ARGV: id, amount, expiresAt, now, grace, then per bucket: bucket id, limit, enforce (1|0), window end.
 * Returns {1} reserved, {-1} duplicate id, {0, i, committed, reserved} when bucket i (1-based) cannot fit.
 */
export const RESERVE = define(
  'reserve',
  `${KEEP}
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
local amount = tonumber(ARGV[2])
local now, grace = tonumber(ARGV[4]), tonumber(ARGV[5])
local n = #KEYS - 3
-- INVARIANT: committed + reserved <= limit for every enforced bucket; all are checked before any is touched.
for i = 1, n do
  local at = 5 + (i - 1) * 4
  if ARGV[at + 3] == '1' then
    local v = redis.call('HMGET', KEYS[3 + i], 'c', 'r')
    local c, r = tonumber(v[1] or '0'), tonumber(v[2] or '0')
    if c + r + amount > tonumber(ARGV[at + 2]) then return {0, i, c, r} end
  end
end
local ids = {}
for i = 1, n do
  local at = 5 + (i - 1) * 4
  local key, windowEnd = KEYS[3 + i], tonumber(ARGV[at + 4])
  redis.call('HINCRBY', key, 'r', ARGV[2])
  redis.call('HSET', key, 'l', ARGV[at + 2], 'e', ARGV[at + 4])
  redis.call('PEXPIRE', key, keep(windowEnd, now, grace))
  redis.call('ZADD', KEYS[3], ARGV[at + 4], ARGV[at + 1])
  ids[i] = ARGV[at + 1]
end
redis.call('HSET', KEYS[1], 'a', ARGV[2], 's', 'open', 'x', ARGV[3], 'b', table.concat(ids, '\\n'))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return {1}`,
);

/**
 * Settle (ARGV actual is a number) or release (ARGV actual is empty).
 * KEYS: reservation, deadlines, bucket index. ARGV: bucket key prefix, id, actual, now, grace, retain finished.
 * Returns {0} unknown, {-1} already settled, or {1, then per bucket: id, committed, reserved, limit}.
 */
export const FINISH = define(
  'finish',
  `${KEEP}
local res = redis.call('HMGET', KEYS[1], 's', 'a', 'b')
local state = res[1]
if not state then return {0} end
local settling = ARGV[3] ~= ''
-- INVARIANT: a reservation leaves 'open' once; 'expired' may still be settled once (late, real spend).
if state == 'settled' or state == 'released' or (state == 'expired' and not settling) then return {-1} end
local freed = 0
if state == 'open' then freed = tonumber(res[2]) end
if settling then
  redis.call('HSET', KEYS[1], 's', 'settled', 'v', ARGV[3], 'f', ARGV[4])
else
  redis.call('HSET', KEYS[1], 's', 'released', 'f', ARGV[4])
end
-- The finished record is the exactly-once marker: kept for a while, then forgotten (answers 'unknown').
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZREM', KEYS[2], ARGV[2])
local now, grace = tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {1}
for id in string.gmatch(res[3], '[^\\n]+') do
  local key = ARGV[1] .. id
  -- A bucket can only be gone if nobody ran expire for longer than the grace: nothing reserved is left to free.
  local existed = redis.call('EXISTS', key) == 1
  local c = redis.call('HINCRBY', key, 'c', settling and ARGV[3] or '0')
  local r = 0
  if existed then
    r = freed > 0 and redis.call('HINCRBY', key, 'r', int(-freed)) or tonumber(redis.call('HGET', key, 'r') or '0')
  end
  local v = redis.call('HMGET', key, 'l', 'e')
  redis.call('PEXPIRE', key, keep(tonumber(v[2] or ARGV[4]), now, grace))
  out[#out + 1] = id
  out[#out + 1] = c
  out[#out + 1] = r
  out[#out + 1] = tonumber(v[1] or '0')
end
return out`,
);

/**
 * Releases up to ARGV batch reservations whose deadline is ≤ now, and forgets buckets whose grace has passed.
 * KEYS: deadlines, bucket index. ARGV: reservation key prefix, bucket key prefix, now, batch, retain finished, grace.
 * Returns {released, examined}: examined < batch means none are left.
 */
export const EXPIRE = define(
  'expire',
  `local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[3], 'LIMIT', 0, ARGV[4])
local n = 0
for _, id in ipairs(due) do
  local rk = ARGV[1] .. id
  local res = redis.call('HMGET', rk, 's', 'a', 'b')
  if res[1] == 'open' then
    redis.call('HSET', rk, 's', 'expired', 'f', ARGV[3])
    redis.call('PEXPIRE', rk, ARGV[5])
    local amount = tonumber(res[2])
    if amount > 0 then
      for bid in string.gmatch(res[3], '[^\\n]+') do
        local key = ARGV[2] .. bid
        if redis.call('EXISTS', key) == 1 then redis.call('HINCRBY', key, 'r', int(-amount)) end
      end
    end
    n = n + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. int(tonumber(ARGV[3]) - tonumber(ARGV[6])))
return {n, #due}`,
);

/** KEYS: buckets. Returns committed, reserved for each, zeros for buckets never used. */
export const USAGE = define(
  'usage',
  `local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'c', 'r')
  out[2 * i - 1] = tonumber(v[1] or '0')
  out[2 * i] = tonumber(v[2] or '0')
end
return out`,
);

/**
 * KEYS: bucket index. ARGV: bucket key prefix, now.
 * Returns id, committed, reserved of every bucket whose window ends after now and holds spend or reservations.
 */
export const CURRENT = define(
  'current',
  `local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf')
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', ARGV[1] .. id, 'c', 'r')
  local c, r = tonumber(v[1] or '0'), tonumber(v[2] or '0')
  if c ~= 0 or r ~= 0 then
    out[#out + 1] = id
    out[#out + 1] = c
    out[#out + 1] = r
  end
end
return out`,
);

/**
 * The token bucket of rate-limit.ts's `takeTokens`, operation for operation (both are IEEE doubles, so they agree
 * to the bit). KEYS: the bucket. ARGV: capacity, refill per second, cost, now.
 * Returns {1} taken or {0, retryAfterMs}. A bucket's key expires when it would be full again (no key = full).
 */
export const TAKE = define(
  'take',
  `local capacity, refill, cost, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local perMs = refill / 1000
local s = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = capacity, now
if s[1] then
  local t, u = tonumber(s[1]), tonumber(s[2])
  -- A clock that steps back (another host's) must not mint tokens.
  updated = math.max(u, now)
  tokens = math.min(capacity, t + math.max(0, now - u) * perMs)
end
local target = math.min(cost, capacity)
local slack = 1e-9 * math.max(1, target)
if tokens + slack >= target then
  local left = tokens - cost
  local fullAt = updated + math.max(0, capacity - left) / perMs
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', left), 'u', string.format('%.17g', updated))
  redis.call('PEXPIRE', KEYS[1], int(math.max(1, math.ceil(fullAt - now))))
  return {1}
end
return {0, math.max(1, math.ceil((target - tokens - slack) / perMs))}`,
);

/** EVALSHA, loading the script on NOSCRIPT (a restarted or flushed server): one round trip in the steady state. */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
    return redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}

export interface RedisConnectOptions {
  /** Give up connecting (at open) after this long; default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Fail a command that has no answer after this long; default 5 s. */
  readonly commandTimeoutMs?: number;
}

/**
 * Connects and loads the scripts. A command whose answer was lost with the connection fails rather than being
 * sent again: a resent reserve would answer `duplicate` for its own reservation, and the caller must know the
 * outcome is unknown (a settle can be retried safely: it is once-only).
 */
export async function connectRedis(url: string, scripts: readonly LuaScript[], options: RedisConnectOptions = {}): Promise<Redis> {
  let ready = false;
  const config: RedisOptions = {
    lazyConnect: true,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    // The first connection fails fast (opening reports it); once up, a lost connection is retried for as long as
    // it takes (a Redis restart must not leave a long-running proxy without its ledger), backing off to 1 s.
    retryStrategy: (times) => (ready ? Math.min(times * 50, 1_000) : null),
  };
  const redis = new Redis(url, config);
  // Errors reach callers through their commands; without a listener ioredis would print each reconnect attempt.
  let socketError: Error | undefined;
  redis.on('error', (err: unknown) => {
    if (err instanceof Error) socketError = err;
  });
  try {
    await redis.connect();
    for (const s of scripts) await redis.script('LOAD', s.lua);
    ready = true;
  } catch (err) {
    redis.disconnect();
    // "Connection is closed" says less than the socket's own error (refused, unknown host, timeout).
    throw socketError ?? err;
  }
  return redis;
}

/** Quits politely; a connection that is already gone has nothing left to close. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

export function assertNamespace(namespace: string): void {
  if (namespace === '' || /[{}]/.test(namespace)) throw new RangeError(`redis namespace \`${namespace}\` must be non-empty and without braces`);
}

/**
 * The namespace of a store: `?namespace=` in the URL (so `--ledger` can name it), else the option, else
 * `switchyard`. The parameter is taken out of the URL handed to the client, which would not know it.
 */
export function resolveNamespace(url: string, option: string | undefined): { readonly url: string; readonly namespace: string } {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const fromUrl = parsed?.searchParams.get('namespace') ?? null;
  const namespace = fromUrl ?? option ?? 'switchyard';
  assertNamespace(namespace);
  if (!parsed || fromUrl === null) return { url, namespace };
  parsed.searchParams.delete('namespace');
  return { url: parsed.toString(), namespace };
}

/** Narrows a script's reply. */
export function replyArray(reply: unknown, script: LuaScript): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`redis script ${script.name} answered ${typeof reply}, not an array`);
  return reply;
}

export function replyInt(value: unknown, script: LuaScript): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`redis script ${script.name} answered \`${String(value)}\`, not an integer`);
  return n;
}

export function replyString(value: unknown, script: LuaScript): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new Error(`redis script ${script.name} answered ${typeof value}, not a string`);
}
