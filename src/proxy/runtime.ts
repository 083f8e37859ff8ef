// What the proxy derives from one policy snapshot, built on first use and cached with the snapshot (a reload
// brings a new snapshot and so a new runtime; a request keeps the one it started with): the key index, each
// provider's upstream address and timeouts, each route's failover settings and sticky-key header.
import type { DecisionGraph } from '../engine/index.js';
import type { RequestSpace } from '../verify/space.js';
import { type PolicySet, type ProviderEntry, type RouteEntry } from '../policy/index.js';
import { DEFAULT_FAILOVER_STATUS } from '../policy/model.js';
import { buildKeyIndex, type KeyIndex } from './auth.js';
import type { PolicySnapshot } from './policy-snapshot.js';
import { UPSTREAM_PATH, type Protocol } from './protocol.js';

export interface UpstreamTimeouts {
  readonly connectMs: number;
  readonly firstByteMs: number;
  readonly idleMs: number;
}

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = Object.freeze({ connectMs: 5_000, firstByteMs: 60_000, idleMs: 60_000 });

export interface Upstream {
  readonly provider: string;
  readonly api: Protocol;
  /** `scheme://host:port` of the interpolated `baseUrl`: the only place requests for this provider go. */
  readonly origin: string;
  /** The `baseUrl` path without a trailing slash ('' for none). */
  readonly basePath: string;
  /** Where its API's requests go: `basePath` plus `/chat/completions` (OpenAI) or `/v1/messages` (Anthropic). */
  readonly path: string;
  /** Name of the environment variable holding the provider's key. */
  readonly credentialEnv: string;
  /** Its value when the runtime was built (undefined or '' when unset). */
  readonly credential: string | undefined;
  readonly timeouts: UpstreamTimeouts;
}

export interface Failover {
  readonly onStatus: ReadonlySet<number>;
  readonly onTimeout: boolean;
  /** Most upstream requests for one client request. */
  readonly maxAttempts: number;
}

export interface SnapshotRuntime {
  readonly keys: KeyIndex;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly failover: ReadonlyMap<string, Failover>;
  /** Weighted routes whose sticky key comes from a header other than the default one. */
  readonly stickyHeaders: ReadonlyMap<string, string>;
  /** `/v1/models` answers per team, filled on first ask. */
  readonly modelLists: Map<string, Promise<readonly ReachableModel[]>>;
  /** What `/v1/models` enumerates over, made on its first ask: a graph without a class cache and the request space. */
  modelSpace: { readonly graph: DecisionGraph; readonly space: RequestSpace } | undefined;
  /** Each Model's `maxOutputTokens`: the `max_tokens` a request translated for Anthropic gets when it sets none. */
  readonly maxOutputTokens: ReadonlyMap<string, number>;
}

export interface ReachableModel {
  readonly id: string;
  /** Provider name, or `switchyard` for an alias. */
  readonly ownedBy: string;
}

export const DEFAULT_STICKY_HEADER = 'x-switchyard-sticky-key';

type Env = Readonly<Record<string, string | undefined>>;

function upstreamOf(p: ProviderEntry, defaults: UpstreamTimeouts, env: Env): Upstream {
  // INVARIANT: the loader rejects a baseUrl that is not an http(s) URL after interpolation.
  const url = new URL(p.spec.baseUrl);
  const t = p.spec.timeouts ?? {};
  const basePath = url.pathname.replace(/\/+$/, '');
  return {
    provider: p.name,
    api: p.spec.api,
    origin: url.origin,
    basePath,
    path: basePath + UPSTREAM_PATH[p.spec.api],
    credentialEnv: p.spec.credentials.env,
    credential: env[p.spec.credentials.env],
    timeouts: {
      connectMs: t.connectMs ?? defaults.connectMs,
      firstByteMs: t.firstByteMs ?? defaults.firstByteMs,
      idleMs: t.idleMs ?? defaults.idleMs,
    },
  };
}

/** `DEFAULT_FAILOVER_STATUS` (429 and every 5xx) as the set every route without `fallback.onStatus` shares. */
const DEFAULT_ON_STATUS: ReadonlySet<number> = new Set(DEFAULT_FAILOVER_STATUS);

function failoverOf(route: RouteEntry): Failover {
  const f = route.spec.fallback ?? {};
  return {
    onStatus: f.onStatus === undefined ? DEFAULT_ON_STATUS : new Set(f.onStatus),
    onTimeout: f.onTimeout ?? true,
    maxAttempts: f.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * `env`: where the providers' credentials are read, once per runtime: a process's environment changes only from
 * within, so reading it per request (a lookup in the C++ environment each time) would only cost.
 */
export function buildRuntime(policy: PolicySet, timeouts: UpstreamTimeouts, env: Env): SnapshotRuntime {
  const upstreams = new Map<string, Upstream>();
  for (const p of policy.providers.values()) upstreams.set(p.name, upstreamOf(p, timeouts, env));
  const failover = new Map<string, Failover>();
  const stickyHeaders = new Map<string, string>();
  for (const r of policy.routes.values()) {
    failover.set(r.name, failoverOf(r));
    const header = r.spec.stickyKey?.toLowerCase();
    if (r.spec.strategy === 'weighted' && header !== undefined && header !== DEFAULT_STICKY_HEADER) stickyHeaders.set(r.name, header);
  }
  const maxOutputTokens = new Map<string, number>();
  for (const m of policy.models.values()) maxOutputTokens.set(m.name, m.spec.maxOutputTokens);
  return { keys: buildKeyIndex(policy), upstreams, failover, stickyHeaders, modelLists: new Map(), modelSpace: undefined, maxOutputTokens };
}

/** One runtime per snapshot, for as long as the snapshot lives. */
export class RuntimeCache {
  private readonly cache = new WeakMap<PolicySnapshot, SnapshotRuntime>();
  constructor(
    private readonly timeouts: UpstreamTimeouts,
    private readonly env: Env,
  ) {}

  of(snapshot: PolicySnapshot): SnapshotRuntime {
    let rt = this.cache.get(snapshot);
    if (rt === undefined) {
      rt = buildRuntime(snapshot.policy, this.timeouts, this.env);
      this.cache.set(snapshot, rt);
    }
    return rt;
  }
}

/** Providers whose credential variable is unset or empty, for the start banner and `/admin/policy`. */
export function providersLackingCredentials(policy: PolicySet, env: Readonly<Record<string, string | undefined>>): { provider: string; env: string }[] {
  const out: { provider: string; env: string }[] = [];
  for (const p of policy.providers.values()) {
    const value = env[p.spec.credentials.env];
    if (value === undefined || value === '') out.push({ provider: p.name, env: p.spec.credentials.env });
  }
  return out;
}
