// Every CLI command, in the order `switchyard --help` lists them. One file per command, loaded only when it
// runs: `switchyard validate` must not pay for importing the proxy, the ledgers and telemetry.
import type { Command } from './command.js';

export interface CommandEntry {
  readonly name: string;
  /** One line for `switchyard --help`; the same as the loaded command's own summary (a test holds them equal). */
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    summary: 'check a policy directory: schema, references, credentials, static analysis (errors at file:line:col)',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'explain',
    summary: 'decide one request against a policy and show the trace of every rule that acted',
    load: async () => (await import('./explain.js')).explainCommand,
  },
  {
    name: 'classify',
    summary: 'show the features of a request body and the task and complexity the Classifier gives it',
    load: async () => (await import('./classify.js')).classifyCommand,
  },
  {
    name: 'test',
    summary: "run the policy's Tests and prove its Invariants",
    load: async () => (await import('./test.js')).testCommand,
  },
  {
    name: 'dry-run',
    summary: 'decide recorded traffic against a policy: routes, denials, estimated cost per day',
    load: async () => (await import('./dry-run.js')).dryRunCommand,
  },
  {
    name: 'diff',
    summary: 'compare two versions of a policy: changed decisions on traffic and over the request space, cost delta',
    load: async () => (await import('./diff.js')).diffCommand,
  },
  {
    name: 'serve',
    summary: 'run the proxy: OpenAI and Anthropic APIs decided by the policy, with failover and hot reload',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  {
    name: 'keys',
    summary: 'create an API key for a team: the key once, and the hash entry for the policy',
    load: async () => (await import('./keys.js')).keysCommand,
  },
  {
    name: 'spend',
    summary: 'report committed and reserved spend per budget, bucket and window from the ledger',
    load: async () => (await import('./spend.js')).spendCommand,
  },
  {
    name: 'simulate-upstream',
    summary: 'run a local OpenAI/Anthropic-compatible provider with latency and fault injection',
    load: async () => (await import('./simulate-upstream.js')).simulateUpstreamCommand,
  },
];
