// Per-provider health. After `failureThreshold` consecutive failures (5xx, connection errors, timeouts) a
// provider's circuit opens and its candidates are skipped for `cooldownMs`; then one request is let through
// as a probe (half-open): success closes the circuit, failure opens it for another cooldown. 429 is not a
// failure here: a rate-limited provider is up. State outlives policy reloads (it is keyed by provider name).

export interface CircuitOptions {
  /** Consecutive failures that open a circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long an open circuit skips its provider before a probe (default 30 s). */
  readonly cooldownMs?: number;
  /** The clock; tests inject one. */
  readonly now?: () => number;
}

/** What a request may do with a provider now: go, go as the one half-open probe, or skip it. */
export type Admission = 'closed' | 'probe' | 'open';

export interface CircuitState {
  readonly provider: string;
  readonly state: 'closed' | 'open' | 'half-open';
  readonly consecutiveFailures: number;
  /** Epoch ms when an open circuit lets its next probe through. */
  readonly retryAt?: number;
}

interface Health {
  failures: number;
  openedAt: number;
  probing: boolean;
}

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;

export class CircuitBreakers {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly health = new Map<string, Health>();

  constructor(options: CircuitOptions = {}) {
    this.failureThreshold = Math.max(1, options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
    this.cooldownMs = Math.max(0, options.cooldownMs ?? DEFAULT_COOLDOWN_MS);
    this.now = options.now ?? Date.now;
  }

  private isOpen(h: Health): boolean {
    return h.failures >= this.failureThreshold;
  }

  admit(provider: string): Admission {
    const h = this.health.get(provider);
    if (h === undefined || !this.isOpen(h)) return 'closed';
    if (h.probing || this.now() < h.openedAt + this.cooldownMs) return 'open';
    h.probing = true;
    return 'probe';
  }

  success(provider: string): void {
    this.health.delete(provider);
  }

  failure(provider: string): void {
    let h = this.health.get(provider);
    if (h === undefined) {
      h = { failures: 0, openedAt: 0, probing: false };
      this.health.set(provider, h);
    }
    h.failures += 1;
    h.probing = false;
    // A failed probe, or the failure that crosses the threshold, starts a (new) cooldown.
    if (this.isOpen(h)) h.openedAt = this.now();
  }

  /** A probe that ended without a verdict (the client went away): let the next request probe instead. */
  release(provider: string): void {
    const h = this.health.get(provider);
    if (h !== undefined) h.probing = false;
  }

  states(): CircuitState[] {
    const out: CircuitState[] = [];
    for (const [provider, h] of this.health) {
      if (!this.isOpen(h)) {
        out.push({ provider, state: 'closed', consecutiveFailures: h.failures });
      } else {
        const retryAt = h.openedAt + this.cooldownMs;
        out.push({ provider, state: h.probing || this.now() >= retryAt ? 'half-open' : 'open', consecutiveFailures: h.failures, retryAt });
      }
    }
    return out;
  }
}
