// The circuit breaker with an injected clock: opens after N consecutive failures, skips during the
// cooldown, lets exactly one probe through, closes on success and re-opens on failure.
import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/proxy/circuit.js';

function breakers(threshold: number, cooldownMs: number) {
  const clock = { now: 1_000 };
  const cb = new CircuitBreakers({ failureThreshold: threshold, cooldownMs, now: () => clock.now });
  return { cb, clock };
}

describe('CircuitBreakers', () => {
  it('stays closed below the threshold, and a success resets the count', () => {
    const { cb } = breakers(3, 100);
    cb.failure('p');
    cb.failure('p');
    cb.success('p');
    cb.failure('p');
    cb.failure('p');
    expect(cb.admit('p')).toBe('closed');
    expect(cb.states()).toEqual([{ provider: 'p', state: 'closed', consecutiveFailures: 2 }]);
  });

  it('opens at the threshold and skips until the cooldown ends', () => {
    const { cb, clock } = breakers(2, 100);
    cb.failure('p');
    cb.failure('p');
    expect(cb.admit('p')).toBe('open');
    clock.now += 99;
    expect(cb.admit('p')).toBe('open');
    expect(cb.states()[0]).toMatchObject({ state: 'open', retryAt: 1_100 });
    expect(cb.admit('q')).toBe('closed');
  });

  it('lets one probe through after the cooldown; others are still skipped', () => {
    const { cb, clock } = breakers(1, 100);
    cb.failure('p');
    clock.now += 100;
    expect(cb.admit('p')).toBe('probe');
    expect(cb.admit('p')).toBe('open');
    expect(cb.states()[0]?.state).toBe('half-open');
    cb.success('p');
    expect(cb.admit('p')).toBe('closed');
    expect(cb.states()).toEqual([]);
  });

  it('re-opens for a new cooldown when the probe fails', () => {
    const { cb, clock } = breakers(1, 100);
    cb.failure('p');
    clock.now += 150;
    expect(cb.admit('p')).toBe('probe');
    cb.failure('p');
    expect(cb.admit('p')).toBe('open');
    clock.now += 99;
    expect(cb.admit('p')).toBe('open');
    clock.now += 1;
    expect(cb.admit('p')).toBe('probe');
  });

  it('hands the probe to the next request when a probe ends without a verdict', () => {
    const { cb, clock } = breakers(1, 10);
    cb.failure('p');
    clock.now += 10;
    expect(cb.admit('p')).toBe('probe');
    cb.release('p');
    expect(cb.admit('p')).toBe('probe');
  });
});
