// Keep-alive connection pools to providers, one per origin and connect timeout. A pool is created when a
// snapshot first sends to it and is shared by every later snapshot naming the same origin, so a policy
// reload does not drop warm connections. Redirects are never followed (undici's Pool does not).
import { Pool } from './undici-parts.js';

export interface PoolOptions {
  /** Most sockets per origin (default 256). */
  readonly connections?: number;
  /** How long an idle socket is kept when the server sends no keep-alive hint (default 10 s). */
  readonly keepAliveTimeoutMs?: number;
}

export class UpstreamPools {
  private readonly pools = new Map<string, InstanceType<typeof Pool>>();
  private closed = false;

  constructor(private readonly options: PoolOptions = {}) {}

  get(origin: string, connectMs: number): InstanceType<typeof Pool> {
    const key = `${connectMs} ${origin}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      if (this.closed) throw new Error('upstream pools are closed');
      pool = new Pool(origin, {
        connections: this.options.connections ?? 256,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 10_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: connectMs },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  get size(): number {
    return this.pools.size;
  }

  /** Lets in-flight requests finish, then closes every socket. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  /** Closes every socket now, aborting in-flight requests. */
  async destroy(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}
