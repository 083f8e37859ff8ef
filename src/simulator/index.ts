// A local OpenAI- and Anthropic-compatible provider with latency and fault injection, for tests, benchmarks
// and demos. Not part of the core: it is a server.
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { DEFAULT_CONFIG, RANDOM_FAULT_NAMES, parseFaultNames, validateConfigPatch, type RandomFaultName, type SimulatorConfig } from './config.js';
export type { FaultInput, FaultMatch, PendingFault } from './faults.js';
export type { SeenRequest, SimulatorStats } from './stats.js';
