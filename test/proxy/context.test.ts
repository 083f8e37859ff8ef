// The request context built from the key, the body and the x-switchyard-* headers.
import { describe, expect, it } from 'vitest';
import { buildContext, withStickyHeader } from '../../src/proxy/context.js';
import { parseApiRequest } from '../../src/proxy/protocol.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { fixtureSources } from './fixture.js';

function policy(allowTaskHeader: boolean) {
  const sources = fixtureSources().map((f) =>
    f.path.endsWith('teams.yaml') && !allowTaskHeader ? { ...f, text: f.text.replace('dataClasses: { allowed: [public, internal]', 'allowTaskHeader: false\n  dataClasses: { allowed: [public, internal]') } : f,
  );
  const loaded = loadPolicyFromSources(sources, { env: {} });
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return loaded.policy;
}

const key = { team: 'app', keyId: 'app-main', hex: '00'.repeat(32), expiresAt: undefined };
const request = (() => {
  const r = parseApiRequest('openai', { model: 'auto', messages: [{ role: 'user', content: 'abcdefgh' }], stream: true, max_tokens: 9 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();

describe('buildContext', () => {
  it('takes the team from the key, the rest from the body and headers', () => {
    const headers = { 'x-switchyard-data-class': ' public ', 'x-switchyard-task': 'code', 'x-switchyard-sticky-key': 's-1' };
    expect(buildContext(policy(true), key, request, headers, 'r-1')).toEqual({
      team: 'app',
      keyId: 'app-main',
      requestId: 'r-1',
      model: 'auto',
      promptTokens: 2,
      maxTokens: 9,
      stream: true,
      dataClass: 'public',
      task: 'code',
      stickyKey: 's-1',
      // Computed from the body for the Classifier and the audit log: counts and flags, never content.
      features: { promptTokens: 2, messages: 1, turns: 1, maxTokens: 9, codeDensity: 0, tools: false, images: false, jsonMode: false, systemKeywords: [], userKeywords: [] },
    });
  });

  it('ignores the task header of a team that does not allow it', () => {
    expect(buildContext(policy(false), key, request, { 'x-switchyard-task': 'code' }, 'r-1').task).toBeUndefined();
  });

  it('reads a weighted route\'s own sticky header instead of the default one', () => {
    const ctx = buildContext(policy(true), key, request, { 'x-switchyard-sticky-key': 's-1' }, 'r-1');
    expect(withStickyHeader(ctx, { 'x-conversation-id': 'c-9' }, 'x-conversation-id').stickyKey).toBe('c-9');
    expect('stickyKey' in withStickyHeader(ctx, {}, 'x-conversation-id')).toBe(false);
  });
});
