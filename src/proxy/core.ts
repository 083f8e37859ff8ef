// What every handler shares: the policy store, per-snapshot runtimes, upstream pools and circuit breakers.
import type { BudgetRuntime } from '../budget/budget-runtime.js';
import type { BudgetState } from '../engine/index.js';
import type { CircuitBreakers } from './circuit.js';
import type { RequestLog } from './logger.js';
import type { ForwardDeps } from './failover.js';
import type { PolicyStore } from './policy-snapshot.js';
import type { RuntimeCache } from './runtime.js';
import type { SettleHook } from './settle.js';
import type { ProxyTelemetry } from '../telemetry/index.js';

export interface ProxyCore {
  readonly store: PolicyStore;
  readonly runtimes: RuntimeCache;
  readonly forward: ForwardDeps;
  readonly breakers: CircuitBreakers;
  /** The fixed spend state decisions use when there is no budget runtime. */
  readonly budgets: BudgetState;
  /** Ledger-backed budgets and rate limits; undefined: none (decisions use `budgets`). */
  readonly budgetRuntime: BudgetRuntime | undefined;
  readonly onSettle: SettleHook | undefined;
  /** Spans, metrics and the audit log: each request's `begin`. */
  readonly telemetry: ProxyTelemetry;
  /** SHA-256 of the admin key; undefined disables the admin endpoints. */
  readonly adminHash: Buffer | undefined;
  /** The one line per API request, and errors about requests. */
  readonly requestLog: RequestLog;
  /** Set when the server starts closing: answers then end their connection so the drain can finish. */
  readonly lifecycle: { draining: boolean };
}
