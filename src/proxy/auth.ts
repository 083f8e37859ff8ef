// API keys: the caller's key is hashed (SHA-256) and looked up among the policy's key hashes, built once per
// snapshot into a Map so a lookup is O(1); the found hash is then compared in constant time. Plaintext keys
// exist only in the request headers and are never logged or stored.
import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseExpiry } from '../policy/expiry.js';
import type { PolicySet } from '../policy/index.js';
import { proxyError, type ProxyError } from './errors.js';

export interface KeyRecord {
  readonly team: string;
  readonly keyId: string;
  /** The key's SHA-256 in lower-case hex: what a presented key's digest is compared with. */
  readonly hex: string;
  /** Epoch ms from which the key is refused; undefined when it never expires. */
  readonly expiresAt: number | undefined;
}

/** Hex SHA-256 → key. */
export type KeyIndex = ReadonlyMap<string, KeyRecord>;

export type AuthResult = { ok: true; key: KeyRecord } | { ok: false; error: ProxyError };

/**
 * When a key stops working, read by the policy layer's parser so that the proxy and `validate` agree on every
 * value (validation refuses one it cannot read). An unreadable value counts as already expired (fail closed).
 */
export const expiryOf = (expires: string): number => parseExpiry(expires) ?? -Infinity;

export function buildKeyIndex(policy: PolicySet): KeyIndex {
  const index = new Map<string, KeyRecord>();
  for (const team of policy.teams.values()) {
    for (const key of team.spec.keys ?? []) {
      const hex = key.sha256.toLowerCase();
      index.set(hex, {
        team: team.name,
        keyId: key.id,
        hex,
        expiresAt: key.expires === undefined ? undefined : expiryOf(key.expires),
      });
    }
  }
  return index;
}

const BEARER = /^bearer\s+(.+)$/i;

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The key a caller presented: `x-api-key` first on Anthropic endpoints, else `Authorization: Bearer` first. */
export function presentedKey(headers: IncomingHttpHeaders, preferApiKeyHeader: boolean): string | undefined {
  const bearer = BEARER.exec(single(headers.authorization) ?? '')?.[1]?.trim();
  const apiKey = single(headers['x-api-key'])?.trim();
  const first = preferApiKeyHeader ? apiKey || bearer : bearer || apiKey;
  return first === undefined || first === '' ? undefined : first;
}

export const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/**
 * Two strings of one length compared in time that does not depend on where they differ (every character is
 * read). For hex digests already in hand: no buffers to make, no call into the runtime.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function authenticate(index: KeyIndex, headers: IncomingHttpHeaders, preferApiKeyHeader: boolean, now: number): AuthResult {
  const presented = presentedKey(headers, preferApiKeyHeader);
  if (presented === undefined) {
    return { ok: false, error: proxyError('invalid_api_key', 'no api key: send `Authorization: Bearer <key>` or `x-api-key: <key>`') };
  }
  const digest = hash('sha256', presented, 'hex');
  const key = index.get(digest);
  if (key === undefined || !constantTimeEqual(digest, key.hex)) {
    return { ok: false, error: proxyError('invalid_api_key', 'the api key is not known to the policy') };
  }
  if (key.expiresAt !== undefined && now >= key.expiresAt) {
    return { ok: false, error: proxyError('invalid_api_key', `the api key \`${key.keyId}\` of team \`${key.team}\` has expired`, `Team/${key.team}`) };
  }
  return { ok: true, key };
}

/** Admin endpoints: the presented key's SHA-256 must equal the configured one; none configured → disabled. */
export function authenticateAdmin(adminHash: Buffer | undefined, headers: IncomingHttpHeaders): ProxyError | undefined {
  if (adminHash === undefined) {
    return proxyError('admin_unauthorized', 'admin endpoints are disabled: set `SWITCHYARD_ADMIN_KEY_SHA256` to the sha-256 of an admin key');
  }
  const presented = presentedKey(headers, false);
  if (presented === undefined) return proxyError('admin_unauthorized', 'no admin key: send `Authorization: Bearer <admin key>`');
  if (!timingSafeEqual(sha256(presented), adminHash)) return proxyError('admin_unauthorized', 'the admin key is wrong');
  return undefined;
}

/** Parses `SWITCHYARD_ADMIN_KEY_SHA256`: 64 hex digits, else an error message. */
export function parseAdminHash(value: string | undefined): { ok: true; hash: Buffer | undefined } | { ok: false; message: string } {
  if (value === undefined || value.trim() === '') return { ok: true, hash: undefined };
  const hex = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) return { ok: false, message: '`SWITCHYARD_ADMIN_KEY_SHA256` must be 64 hex digits (the sha-256 of the admin key)' };
  return { ok: true, hash: Buffer.from(hex, 'hex') };
}
