// The small pieces behind the messages: did-you-mean, credential shapes, interpolation, pointers.
import { describe, expect, it } from 'vitest';
import { interpolate, isHttpUrl } from '../../src/policy/interpolate.js';
import { keyLiteralIn } from '../../src/policy/credential-shapes.js';
import { quote } from '../../src/policy/diagnostic.js';
import { fieldName, placeName, pointerOf, splitPointer } from '../../src/policy/pointer.js';
import { closest, editDistance } from '../../src/policy/suggest.js';

describe('did you mean', () => {
  it('measures edits, counting an adjacent swap as one', () => {
    expect(editDistance('priority', 'priority')).toBe(0);
    expect(editDistance('prority', 'priority')).toBe(1);
    expect(editDistance('opneai', 'openai')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest plausible candidate, or nothing', () => {
    expect(closest('prority', ['match', 'priority', 'strategy'])).toBe('priority');
    expect(closest('Route', ['Organization', 'route'])).toBe('route');
    expect(closest('gpt-4', ['gpt-4o', 'gpt-4o-mini'])).toBe('gpt-4o');
    expect(closest('anthropic', ['openai', 'mistral'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
    // the exact input is not a suggestion for itself
    expect(closest('auto', ['auto'])).toBeUndefined();
  });
});

describe('credential literals', () => {
  it.each([
    ['sk-proj-Xk3vQ9mB2nR7tL5wY8zA1cD4', 'an OpenAI-style API key'],
    ['key: sk-ant-api03-AbCdEfGhIjKlMnOpQrSt', 'an Anthropic API key'],
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['ghp_0123456789abcdefghijABCDEFGHIJ012345', 'a GitHub token'],
    ['xoxb-123456789012-abcdefghij', 'a Slack token'],
    ['AIzaSyA1234567890abcdefghijklmnopqrstuv', 'a Google API key'],
    ['https://user:s3cret@llm.example.com/v1', 'a URL with a password'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc123', 'a bearer token'],
    ['-----BEGIN RSA PRIVATE KEY-----', 'a private key'],
  ])('finds %s', (text, what) => {
    expect(keyLiteralIn(text)?.what).toBe(what);
  });

  it.each([
    'risk-assessment-for-the-support-team',
    'task-classification-pipeline-v2',
    'sk-learn-experiments-team',
    'https://api.openai.com/v1',
    'https://${PROXY_USER}:${PROXY_PASSWORD}@gateway.example.com',
    'Bearer tokens are checked by the proxy',
    'OPENAI_API_KEY',
    '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
  ])('leaves %s alone', (text) => {
    expect(keyLiteralIn(text)).toBeUndefined();
  });

  it('never lets a credential into a message, whatever quotes it', () => {
    expect(quote('sk-proj-Xk3vQ9mB2nR7tL5wY8zA1cD4')).toBe('`sk-proj-...`');
    expect(quote('a https://u:pw1@h.example and AKIAIOSFODNN7EXAMPLE')).toBe('`a https://u:***@h.example and AKIAIO...`');
    expect(quote('plain-name')).toBe('`plain-name`');
  });

  it('shows only a redacted prefix', () => {
    const hit = keyLiteralIn('sk-proj-Xk3vQ9mB2nR7tL5wY8zA1cD4');
    expect(hit?.shown).toBe('sk-proj-...');
    expect(keyLiteralIn('https://user:s3cret@llm.example.com')?.shown).toBe('https://user:***@');
  });
});

describe('interpolation', () => {
  const env = { HOST: 'https://gw.example.com', EMPTY: '' };
  it('expands set variables and defaults, shell-style', () => {
    expect(interpolate('${HOST}/v1', env)).toEqual({ ok: true, value: 'https://gw.example.com/v1' });
    expect(interpolate('${MISSING:-http://localhost:9000}/v1', env)).toEqual({ ok: true, value: 'http://localhost:9000/v1' });
    expect(interpolate('${EMPTY:-http://fallback}', env)).toEqual({ ok: true, value: 'http://fallback' });
    expect(interpolate('${EMPTY}', env)).toEqual({ ok: true, value: '' });
    expect(interpolate('no variables', env)).toEqual({ ok: true, value: 'no variables' });
  });

  it('names every unset variable without a default', () => {
    expect(interpolate('${A}://${HOST}/${B}', env)).toEqual({ ok: false, unset: ['A', 'B'] });
  });

  it('does not read inherited properties of the environment object', () => {
    expect(interpolate('${toString}', {})).toEqual({ ok: false, unset: ['toString'] });
  });

  it('accepts only absolute http(s) URLs', () => {
    expect(isHttpUrl('https://api.openai.com/v1')).toBe(true);
    expect(isHttpUrl('http://127.0.0.1:9000')).toBe(true);
    expect(isHttpUrl('ftp://example.com')).toBe(false);
    expect(isHttpUrl('api.openai.com/v1')).toBe(false);
    expect(isHttpUrl('')).toBe(false);
  });
});

describe('pointers', () => {
  it('round-trips segments with `/` and `~`', () => {
    const segments = ['spec', 'labels', 'a/b~c', '0'];
    expect(splitPointer(pointerOf(segments))).toEqual(segments);
    expect(pointerOf(['spec', 'targets', 0])).toBe('/spec/targets/0');
    expect(splitPointer('')).toEqual([]);
  });

  it('names fields and places the way messages do', () => {
    expect(fieldName('/spec/targets/0/weight')).toBe('weight');
    expect(fieldName('/spec/targets/0')).toBe('targets[0]');
    expect(placeName('Route', '/spec')).toBe('Route');
    expect(placeName('Route', '/spec/targets/0')).toBe('Route `targets[0]`');
    expect(placeName('Route', '/spec/match/promptTokens')).toBe('Route `match.promptTokens`');
    expect(placeName('Team', '/metadata')).toBe('Team `metadata`');
    expect(placeName('Team', '')).toBe('Team document');
  });
});
