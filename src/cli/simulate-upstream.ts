// `switchyard simulate-upstream`: runs the local OpenAI/Anthropic-compatible provider until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { RANDOM_FAULT_NAMES, validateConfigPatch, type SimulatorConfig } from '../simulator/config.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';

const HELP = `Usage: switchyard simulate-upstream [options]

A local OpenAI- and Anthropic-compatible provider with latency and fault injection, for tests, benchmarks
and demos. Serves POST /v1/chat/completions, POST /v1/messages (streaming and not) and GET /v1/models;
the control API under /_sim/ queues faults and reports what was seen (see docs/simulator.md).

Options:
  --host HOST               address to bind (default 127.0.0.1)
  --port N                  port to listen on (default 9000; 0 picks a free one)
  --latency-ms N            delay before the first byte of every answer (default 0)
  --tokens N                output tokens per answer; a request's max_tokens lowers it (default 32)
  --token-interval-ms N     delay between streamed chunks (default 0)
  --fault-rate R            probability in [0, 1] of a random fault per request (default 0)
  --faults LIST             random faults to pick from, comma-separated (default all):
                            ${RANDOM_FAULT_NAMES.join(',')}
  --seed N                  seed of the random faults, for reproducible chaos (default 1)
  --timeout-ms N            first-byte delay of a random \`timeout\` fault (default 60000)
  --require-key KEY         answer 401 to any other API key (default: accept any key)
  --models LIST             models GET /v1/models lists, comma-separated (any model is answered)
  -h, --help                show this help

Stops cleanly on SIGINT or SIGTERM.
`;

const FLAG_OF: Record<string, string> = {
  latencyMs: '--latency-ms',
  tokens: '--tokens',
  tokenIntervalMs: '--token-interval-ms',
  faultRate: '--fault-rate',
  faults: '--faults',
  seed: '--seed',
  timeoutMs: '--timeout-ms',
  requireKey: '--require-key',
  models: '--models',
};

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'latency-ms': { type: 'string' },
  tokens: { type: 'string' },
  'token-interval-ms': { type: 'string' },
  'fault-rate': { type: 'string' },
  faults: { type: 'string' },
  seed: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'require-key': { type: 'string' },
  models: { type: 'string' },
} as const;

function toNumber(flag: string, value: string): number {
  if (!/^(\d+\.?\d*|\.\d+)$/.test(value)) throw new UsageError(`\`${flag}\` needs a non-negative number, got \`${value}\``);
  return Number(value);
}

function readFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const name = /'([^']+)'/.exec(message)?.[1] ?? message;
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option \`${name.split(' ')[0]}\` needs a value`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument \`${name}\``);
    throw new UsageError(`unknown option \`${name}\``);
  }
}

function parseCliArgs(argv: readonly string[]): { host: string; port: number; config: Partial<SimulatorConfig> } {
  const values = readFlags(argv);
  const port = values.port === undefined ? 9000 : toNumber('--port', values.port);
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`\`--port\` must be an integer from 0 to 65535, got \`${values.port}\``);
  const raw: Record<string, unknown> = {};
  const numeric = { latencyMs: 'latency-ms', tokens: 'tokens', tokenIntervalMs: 'token-interval-ms', faultRate: 'fault-rate', seed: 'seed', timeoutMs: 'timeout-ms' } as const;
  for (const [key, flag] of Object.entries(numeric)) {
    const value = values[flag];
    if (value !== undefined) raw[key] = toNumber(`--${flag}`, value);
  }
  if (values.faults !== undefined) raw.faults = values.faults;
  if (values['require-key'] !== undefined) raw.requireKey = values['require-key'];
  if (values.models !== undefined) raw.models = values.models.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const checked = validateConfigPatch(raw);
  if (!checked.ok) {
    // Speak in flags, not in config field names.
    throw new UsageError(checked.error.replace(/`(\w+)`/, (all, field: string) => (FLAG_OF[field] ? `\`${FLAG_OF[field]}\`` : all)));
  }
  return { host: values.host ?? '127.0.0.1', port, config: checked.value };
}

function describeStart(sim: Simulator): string {
  const c = sim.config;
  const lines = [
    `switchyard simulate-upstream listening on ${sim.url}`,
    `  openai     POST ${sim.url}/v1/chat/completions`,
    `  anthropic  POST ${sim.url}/v1/messages`,
    `  control    ${sim.url}/_sim/stats, /_sim/faults, /_sim/config, /_sim/reset`,
    `  latency ${c.latencyMs} ms, ${c.tokens} tokens, ${c.tokenIntervalMs} ms between chunks${c.requireKey === null ? '' : ', key required'}`,
  ];
  if (c.faultRate > 0) lines.push(`  random faults: rate ${c.faultRate} from ${c.faults.join(',')} (seed ${c.seed})`);
  return `${lines.join('\n')}\n`;
}

/** Runs the simulator until `stop` aborts; separated from process signals so tests can drive it. */
export async function simulateUpstream(argv: readonly string[], io: CliIO, stop: AbortSignal): Promise<ExitCode> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`switchyard simulate-upstream: ${err.message}\nRun \`switchyard simulate-upstream --help\` for options.\n`);
    return EXIT.usage;
  }
  let sim: Simulator;
  try {
    sim = await startSimulator({ ...parsed.config, host: parsed.host, port: parsed.port });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
    io.stderr(`switchyard simulate-upstream: cannot listen on \`${parsed.host}:${parsed.port}\`: ${why}\n`);
    return EXIT.usage;
  }
  io.stdout(describeStart(sim));
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  await sim.close();
  io.stdout('switchyard simulate-upstream stopped\n');
  return EXIT.ok;
}

export const simulateUpstreamCommand: Command = {
  name: 'simulate-upstream',
  summary: 'run a local OpenAI/Anthropic-compatible provider with latency and fault injection',
  help: HELP,
  async run(argv, io) {
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await simulateUpstream(argv, io, controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
