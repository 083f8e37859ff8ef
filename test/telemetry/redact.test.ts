// Redaction: URLs without userinfo, query or fragment; credential headers; known secrets and credential-shaped
// text in free text; the Organization's `logging.redact` globs over words of content.
import { describe, expect, it } from 'vitest';
import { contentRedactor, LOG_REDACT_PATHS, providerSecrets, redactHeaders, safeUrl, SecretScrubber } from '../../src/telemetry/redact.js';
import { createProxyLogger } from '../../src/proxy/logger.js';
import { Writable } from 'node:stream';

describe('safeUrl', () => {
  it('drops userinfo, query and fragment, and keeps a clean URL as written', () => {
    expect(safeUrl('https://user:s3cret@api.example.com:8443/v1?key=abc123&x=1#frag')).toBe('https://api.example.com:8443/v1');
    expect(safeUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(safeUrl('https://api.example.com/v1')).toBe('https://api.example.com/v1');
    expect(safeUrl('https://api.example.com/v1?')).toBe('https://api.example.com/v1');
  });

  it('still cuts what does not parse as a URL', () => {
    expect(safeUrl('redis://:pw@host:6379/0?x=1 and more')).not.toContain('pw');
    expect(safeUrl('not a url?token=abc')).toBe('not a url');
    expect(safeUrl('weird://user:pw@[bad/path#x')).toBe('weird://[bad/path');
  });
});

describe('headers', () => {
  it('replaces credential headers whatever their case', () => {
    const out = redactHeaders({ Authorization: 'Bearer sy-abc', 'x-api-key': 'k', cookie: 'c', accept: 'application/json' });
    expect(out).toEqual({ Authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]', accept: 'application/json' });
  });

  it('keeps them out of the server log wherever headers are logged', () => {
    let written = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((written += chunk.toString()), done()) });
    const log = createProxyLogger('info', sink);
    log.info({ req: { headers: { authorization: 'Bearer sy-log-canary-1', 'x-api-key': 'sy-log-canary-2' } }, headers: { cookie: 'session=sy-log-canary-3' } }, 'x');
    expect(written).toContain('[redacted]');
    expect(written).not.toMatch(/sy-log-canary/);
    expect(LOG_REDACT_PATHS).toContain('req.headers["authorization"]');
  });
});

describe('SecretScrubber', () => {
  it('replaces the provider keys it was given and credential-shaped text', () => {
    const env = { OPENAI_API_KEY: 'pk-0123456789-provider', SHORT: 'abc', UNSET: undefined };
    const s = new SecretScrubber(providerSecrets(['OPENAI_API_KEY', 'SHORT', 'UNSET'], env));
    expect(s.scrub('upstream said: bad key pk-0123456789-provider (twice: pk-0123456789-provider)')).toBe('upstream said: bad key [redacted] (twice: [redacted])');
    expect(s.scrub('abc stays: too short to be a secret')).toBe('abc stays: too short to be a secret');
    const shaped = s.scrub('header was Authorization: Bearer abcdefghij0123456789XYZ');
    expect(shaped).not.toContain('abcdefghij0123456789XYZ');
  });

  it('scrubs bytes relayed to a client only of the known secrets, and returns clean bytes as they were', () => {
    const s = new SecretScrubber(['pk-0123456789-provider']);
    const clean = Buffer.from('{"error":{"message":"sk-abcdefghijklmnop0123 is not ours to hide"}}');
    expect(s.scrubBuffer(clean)).toBe(clean);
    const quoted = Buffer.from('{"error":{"message":"Incorrect API key provided: pk-0123456789-provider"}}');
    expect(s.scrubBuffer(quoted).toString()).toBe('{"error":{"message":"Incorrect API key provided: [redacted]"}}');
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    const s = new SecretScrubber(['secret-part-1', 'secret-part-1-and-more']);
    expect(s.scrub('x secret-part-1-and-more y')).toBe('x [redacted] y');
  });
});

describe('content redaction', () => {
  const redact = contentRedactor(['sk-*', '*@example.com', '???-??-????']);

  it('replaces whole words a glob matches, keeping the punctuation around them', () => {
    expect(redact('key sk-abc, mail "ann@example.com". ssn 123-45-6789!')).toBe('key [REDACTED], mail "[REDACTED]". ssn [REDACTED]!');
  });

  it('leaves words that only contain a match, and everything without globs', () => {
    expect(redact('ask-me ann@example.org risk-free')).toBe('ask-me ann@example.org risk-free');
    expect(contentRedactor([])('sk-abc')).toBe('sk-abc');
  });

  it('keeps whitespace and newlines as they were', () => {
    expect(redact('a\n\tsk-1  b')).toBe('a\n\t[REDACTED]  b');
  });
});
