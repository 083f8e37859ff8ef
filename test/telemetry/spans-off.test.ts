// Without an SDK the request path starts no span at all — unless a propagator is registered, when a client's
// trace context must still reach the provider through a non-recording span.
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_UPSTREAM_TIMEOUTS, type Upstream } from '../../src/proxy/runtime.js';
import { startRequestSpan } from '../../src/telemetry/spans.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

afterEach(() => {
  propagation.disable();
});

describe('request spans without an SDK', () => {
  it('are not started when nothing would record or carry them', () => {
    expect(startRequestSpan('/v1/chat/completions', { traceparent: TRACEPARENT }, 'v1')).toBeUndefined();
  });

  it('carry a client’s trace context when only a propagator is registered', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const span = startRequestSpan('/v1/chat/completions', { traceparent: TRACEPARENT }, 'v1');
    expect(span).toBeDefined();
    const upstream: Upstream = { provider: 'openai', api: 'openai', origin: 'http://127.0.0.1:9', basePath: '/v1', path: '/v1/chat/completions', credentialEnv: 'OPENAI_API_KEY', credential: 'sk-test', timeouts: DEFAULT_UPSTREAM_TIMEOUTS };
    const attempt = span!.attempt({ model: 'gpt-4-1-mini', provider: 'openai', upstreamModel: 'gpt-4.1-mini' }, upstream, '/chat/completions');
    // The provider is sent the client's trace (a non-recording span keeps its context).
    expect(attempt.traceparent?.split('-')[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(startRequestSpan('/v1/chat/completions', {}, 'v1')).toBeUndefined();
  });
});
