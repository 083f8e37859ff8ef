// The runtime proxy: a fastify server that decides every request from the compiled policy and forwards it.
export { buildServer, DEFAULT_BODY_LIMIT, type ServerLimits, type ServerOptions } from './server.js';
export { loadSnapshot, snapshotOf, staticPolicyStore, type PolicySnapshot, type PolicyStore, type ReloadError, type ReloadResult } from './policy-snapshot.js';
export type { SettleHook, SettleOutcome, SettleRecord } from './settle.js';
export type { AttemptRecord } from './failover.js';
export type { Protocol, Usage } from './protocol.js';
export { CircuitBreakers, type CircuitOptions, type CircuitState } from './circuit.js';
export { DEFAULT_UPSTREAM_TIMEOUTS, type UpstreamTimeouts } from './runtime.js';
export { estimatePromptTokens } from '../classify/tokens.js';
export { createProxyLogger } from './logger.js';
