// Key lookup and expiry, the admin key, and the outbound header allowlist.
import { describe, expect, it } from 'vitest';
import { authenticate, authenticateAdmin, buildKeyIndex, constantTimeEqual, expiryOf, parseAdminHash, presentedKey, sha256 } from '../../src/proxy/auth.js';
import { outboundHeaders, retryAfterMs } from '../../src/proxy/upstream.js';
import { closeSims, fixtureSnapshot, sha, startSims, APP_KEY, EXPIRED_KEY, EU_KEY, ADMIN_KEY } from './fixture.js';

describe('expiryOf', () => {
  it('keeps a date-only key valid through that whole UTC day', () => {
    expect(expiryOf('2026-12-31')).toBe(Date.parse('2027-01-01T00:00:00Z'));
  });
  it('reads date-times without a zone as UTC and honours offsets', () => {
    expect(expiryOf('2026-06-01T12:30')).toBe(Date.parse('2026-06-01T12:30:00Z'));
    expect(expiryOf('2026-06-01T12:30:00+02:00')).toBe(Date.parse('2026-06-01T10:30:00Z'));
  });
  it('treats an unreadable value as already expired', () => {
    expect(expiryOf('2026-13-45')).toBe(-Infinity);
  });
});

describe('constantTimeEqual', () => {
  it('is string equality, whichever character differs', () => {
    const hex = sha('some key');
    expect(constantTimeEqual(hex, sha('some key'))).toBe(true);
    for (const at of [0, 31, 63]) expect(constantTimeEqual(hex, `${hex.slice(0, at)}${hex[at] === '0' ? '1' : '0'}${hex.slice(at + 1)}`)).toBe(false);
    expect(constantTimeEqual(hex, hex.slice(1))).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('authenticate', () => {
  it('maps each key of the policy to its team and refuses expired and unknown ones', async () => {
    const sims = await startSims();
    try {
      const index = buildKeyIndex(fixtureSnapshot(sims).policy);
      const now = Date.parse('2025-01-01T00:00:00Z');
      const auth = (key: string) => authenticate(index, { authorization: `Bearer ${key}` }, false, now);
      expect(auth(APP_KEY)).toMatchObject({ ok: true, key: { team: 'app', keyId: 'app-main', expiresAt: undefined } });
      expect(auth(EU_KEY)).toMatchObject({ ok: true, key: { team: 'eu', keyId: 'eu-main' } });
      expect(auth(EXPIRED_KEY)).toMatchObject({ ok: false, error: { code: 'invalid_api_key', rule: 'Team/app' } });
      expect(auth('sy-unknown')).toMatchObject({ ok: false, error: { code: 'invalid_api_key' } });
      expect(index.get(sha(APP_KEY))?.hex).toBe(sha256(APP_KEY).toString('hex'));
    } finally {
      await closeSims(sims);
    }
  });
});

describe('presentedKey', () => {
  it('prefers the header of the endpoint\'s protocol and ignores empty values', () => {
    const both = { authorization: 'Bearer bearer-key', 'x-api-key': 'header-key' };
    expect(presentedKey(both, false)).toBe('bearer-key');
    expect(presentedKey(both, true)).toBe('header-key');
    expect(presentedKey({ authorization: 'bearer   spaced-key ' }, false)).toBe('spaced-key');
    expect(presentedKey({ authorization: 'Basic abc', 'x-api-key': '' }, false)).toBeUndefined();
  });
});

describe('admin key', () => {
  it('accepts the key whose hash is configured, and nothing else', () => {
    const parsed = parseAdminHash(sha(ADMIN_KEY).toUpperCase());
    if (!parsed.ok) throw new Error(parsed.message);
    expect(authenticateAdmin(parsed.hash, { authorization: `Bearer ${ADMIN_KEY}` })).toBeUndefined();
    expect(authenticateAdmin(parsed.hash, { authorization: 'Bearer nope' })?.message).toBe('the admin key is wrong');
    expect(authenticateAdmin(undefined, { authorization: `Bearer ${ADMIN_KEY}` })?.code).toBe('admin_unauthorized');
    expect(parseAdminHash('abc')).toMatchObject({ ok: false });
    expect(parseAdminHash(undefined)).toEqual({ ok: true, hash: undefined });
  });
});

describe('outbound headers', () => {
  it('sends only allowlisted headers and the provider credential', () => {
    const client = { authorization: 'Bearer client', 'x-api-key': 'client', cookie: 'a=1', 'user-agent': 'ua', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'b', connection: 'keep-alive', te: 'trailers', 'openai-organization': 'org' };
    expect(outboundHeaders('openai', client, 'pk', false)).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'ua', authorization: 'Bearer pk' });
    expect(outboundHeaders('anthropic', client, 'pk', true)).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'user-agent': 'ua',
      'x-api-key': 'pk',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'b',
    });
    expect(outboundHeaders('anthropic', {}, 'pk', false)['anthropic-version']).toBe('2023-06-01');
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs('0.5')).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
