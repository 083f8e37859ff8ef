// `switchyard serve [dir]`: the runtime proxy on a policy directory, hot-reloaded, until SIGINT or SIGTERM.
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { isAbsolute, relative, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BudgetRuntime } from '../budget/budget-runtime.js';
import { openLedger, openRateLimiter, parseLedgerUrl, redact } from '../budget/open.js';
import { formatDiagnostics } from '../diagnostics.js';
import { displayPath } from '../policy/read-files.js';
import { parseAdminHash } from '../proxy/auth.js';
import { createProxyLogger } from '../proxy/logger.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../proxy/overload.js';
import type { PolicyStore } from '../proxy/policy-snapshot.js';
import { openPolicyStore } from '../proxy/policy-store.js';
import { providersLackingCredentials } from '../proxy/runtime.js';
import { buildServer } from '../proxy/server.js';
import { EXIT, UsageError, type CliIO, type Command, type ExitCode } from './command.js';
import { METRICS_MODES, openServeTelemetry, type MetricsMode, type ServeTelemetry } from './serve-telemetry.js';
import { parseCommandArgs } from './args.js';

export const DEFAULT_LEDGER = 'sqlite:./switchyard.db';

const HELP = `Usage: switchyard serve [dir] [--host HOST] [--port N] [--ledger URL] [--ledger-failure open|closed]
                        [--audit-log FILE|-] [--metrics open|admin|off] [--max-in-flight N] [--no-watch]

Runs the proxy on the policy in dir (default: policies): OpenAI-compatible POST /v1/chat/completions,
Anthropic-compatible POST /v1/messages (streaming and not), GET /v1/models, GET /healthz, GET /readyz, and
the admin endpoints GET /admin/policy, POST /admin/decide and GET /admin/spend. Every request is decided by
the policy and forwarded with failover to the providers' base URLs, with their keys from the environment
variables the Provider documents name. Budgets reserve each request's worst case in the ledger before it is
forwarded and settle its real cost after; rate limits are kept there too. The directory is watched: a valid
change is activated, an invalid one is logged and the last good version keeps serving; SIGHUP reloads at
once. See docs/proxy.md, docs/budgets.md and docs/observability.md.

Options:
  --host HOST   address to bind (default: $HOST, else 127.0.0.1)
  --port N      port to listen on (default: $PORT, else 8080; 0 picks a free one)
  --ledger URL  spend ledger and rate limits: sqlite:<path>, sqlite::memory: or redis://host:port
                (default: $SWITCHYARD_LEDGER, else ${DEFAULT_LEDGER}, a file in the working directory);
                sqlite options: ?synchronous=full|normal, hold_ms=N, flush_ms=N (docs/budgets.md)
  --ledger-failure open|closed
                when the ledger cannot be reached while serving: open forwards without recording and logs
                the error; closed refuses what an enforced budget or a rate limit would charge, with 503
                \`ledger_unavailable\` (default: $SWITCHYARD_LEDGER_FAILURE, else open)
  --audit-log FILE|-
                one JSON line per API request (no keys; no prompt or completion content unless the
                Organization sets logging.content), valid --traffic input for dry-run and diff; \`-\` is
                standard output (default: $SWITCHYARD_AUDIT_LOG, else none). Appends; SIGUSR2 reopens it.
  --metrics MODE
                GET /metrics in the Prometheus format: open (default), admin (the admin key) or off
                (default: $SWITCHYARD_METRICS)
  --max-in-flight N
                API requests in flight at once (streams included); more are refused with 503
                \`overloaded\` and retry-after before their body is read; 0 for no limit
                (default: $SWITCHYARD_MAX_IN_FLIGHT, else ${DEFAULT_MAX_IN_FLIGHT})
  --no-watch    do not watch the directory (SIGHUP still reloads)
  -h, --help    show this help

Environment:
  SWITCHYARD_ADMIN_KEY_SHA256   sha-256 (hex) of the admin key; unset disables /admin/*
  LOG_LEVEL                     fatal, error, warn, info (default), debug, trace or silent
  OTEL_EXPORTER_OTLP_ENDPOINT   send spans and metrics over OTLP/HTTP (JSON); also OTEL_TRACES_EXPORTER,
                                OTEL_METRICS_EXPORTER, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, … (docs/observability.md)

The log is JSON lines on stdout; this banner and fatal start-up errors go to stderr.
Node flags: \`npm start\` runs node with --max-semi-space-size=4 --single-threaded-gc --v8-pool-size=1
--no-sparkplug --no-allocation-site-pretenuring; on one CPU the banner warns when neither
--single-threaded-gc nor --single-threaded is there (docs/proxy.md).
SIGTERM or SIGINT stops accepting requests, lets in-flight ones finish, and exits 0.
Exit codes: 0 stopped cleanly, 1 the policy is invalid, 2 usage error, the ledger or the audit log cannot be
opened or the address cannot be bound.
`;

interface Args {
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly watch: boolean;
  readonly ledger: string;
  readonly ledgerFailure: 'open' | 'closed';
  readonly auditLog: string | undefined;
  readonly metrics: MetricsMode;
  readonly maxInFlight: number;
}

function parse(argv: readonly string[], env: CliIO['env']): Args {
  const parsed = parseCommandArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      ledger: { type: 'string' },
      'ledger-failure': { type: 'string' },
      'audit-log': { type: 'string' },
      metrics: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'no-watch': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
    });
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one directory, got ${parsed.positionals.length}`);
  const portText = parsed.values.port ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`the port must be an integer from 0 to 65535, got \`${portText}\``);
  const host = parsed.values.host ?? env.HOST ?? '127.0.0.1';
  const ledger = parsed.values.ledger ?? env.SWITCHYARD_LEDGER ?? DEFAULT_LEDGER;
  const ledgerFailure = parsed.values['ledger-failure'] ?? env.SWITCHYARD_LEDGER_FAILURE ?? 'open';
  if (ledgerFailure !== 'open' && ledgerFailure !== 'closed') throw new UsageError(`\`--ledger-failure\` must be \`open\` or \`closed\`, got \`${ledgerFailure}\``);
  const auditLog = parsed.values['audit-log'] ?? (env.SWITCHYARD_AUDIT_LOG === '' ? undefined : env.SWITCHYARD_AUDIT_LOG);
  if (auditLog === '') throw new UsageError('`--audit-log` needs a file, or `-` for standard output');
  const metrics = parsed.values.metrics ?? env.SWITCHYARD_METRICS ?? 'open';
  if (!(METRICS_MODES as readonly string[]).includes(metrics)) throw new UsageError(`\`--metrics\` must be \`open\`, \`admin\` or \`off\`, got \`${metrics}\``);
  const inFlightText = parsed.values['max-in-flight'] ?? env.SWITCHYARD_MAX_IN_FLIGHT ?? String(DEFAULT_MAX_IN_FLIGHT);
  if (!/^\d+$/.test(inFlightText) || !Number.isSafeInteger(Number(inFlightText))) {
    throw new UsageError(`\`--max-in-flight\` must be a whole number (0 for no limit), got \`${inFlightText}\``);
  }
  const maxInFlight = Number(inFlightText) === 0 ? Number.POSITIVE_INFINITY : Number(inFlightText);
  return { dir: parsed.positionals[0] ?? 'policies', host, port, watch: parsed.values['no-watch'] !== true, ledger, ledgerFailure, auditLog, metrics: metrics as MetricsMode, maxInFlight };
}

export interface RunningProxy {
  readonly url: string;
  readonly store: PolicyStore;
  readonly app: FastifyInstance;
  readonly budgets: BudgetRuntime;
  readonly telemetry: ServeTelemetry;
}

/** Serves until `stop` aborts; separated from process signals so tests can drive it. */
export async function serve(argv: readonly string[], io: CliIO, stop: AbortSignal, onReady?: (proxy: RunningProxy) => void): Promise<ExitCode> {
  let args: Args;
  try {
    args = parse(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`switchyard serve: ${error.message}\nRun \`switchyard serve --help\` for options.\n`);
    return EXIT.usage;
  }
  const admin = parseAdminHash(io.env.SWITCHYARD_ADMIN_KEY_SHA256);
  if (!admin.ok) {
    io.stderr(`switchyard serve: ${admin.message}\n`);
    return EXIT.usage;
  }
  const abs = resolve(io.cwd, args.dir);
  const shown = displayPath(abs, io.cwd);
  if (!(await stat(abs).then((s) => s.isDirectory(), () => false))) {
    io.stderr(`switchyard serve: \`${args.dir}\` is not a directory\n`);
    return EXIT.usage;
  }
  const ledgerTarget = parseLedgerUrl(args.ledger, { cwd: io.cwd });
  if (!ledgerTarget.ok) {
    io.stderr(`switchyard serve: ${ledgerTarget.error}\n`);
    return EXIT.usage;
  }
  const telemetry = await openServeTelemetry({ auditLog: args.auditLog, metrics: args.metrics }, io);
  if (!telemetry.ok) {
    io.stderr(`switchyard serve: ${telemetry.error}\n`);
    return EXIT.usage;
  }
  const tel = telemetry.value;
  const logger = tel.logger;
  const opened = await openPolicyStore(abs, { watch: args.watch, logger, env: io.env, cwd: io.cwd, onReload: (r) => tel.metrics?.reloaded(r.ok) });
  if (!opened.ok) {
    await tel.close();
    io.stderr(formatDiagnostics(opened.diagnostics, 'text'));
    io.stderr(`switchyard serve: the policy in \`${shown}\` is invalid; not starting\n`);
    return EXIT.failure;
  }
  const store = opened.store;
  const budgets = await openBudgets(args.ledger, args.ledgerFailure, io, logger);
  if (!budgets.ok) {
    await store.close();
    await tel.close();
    io.stderr(`switchyard serve: ${budgets.error}\n`);
    return EXIT.usage;
  }
  const app = buildServer(store, {
    logger,
    env: io.env,
    budgetRuntime: budgets.value,
    metrics: tel.metrics ?? false,
    metricsAccess: tel.metricsAccess,
    limits: { maxInFlight: args.maxInFlight },
    ...(tel.audit === undefined ? {} : { audit: tel.audit }),
  });
  try {
    await app.listen({ host: args.host, port: args.port });
  } catch (err) {
    await store.close();
    await app.close();
    await budgets.value.close();
    await tel.close();
    const code = (err as { code?: unknown }).code;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
    io.stderr(`switchyard serve: cannot listen on \`${args.host}:${args.port}\`: ${why}\n`);
    return EXIT.usage;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const snapshot = store.current();
  const missing = providersLackingCredentials(snapshot.policy, io.env);
  const lines = [
    `switchyard serve: policy ${snapshot.version} from ${shown}${args.watch ? ' (watching for changes)' : ''}`,
    `listening on ${url}`,
    `  openai     POST ${url}/v1/chat/completions`,
    `  anthropic  POST ${url}/v1/messages`,
    `  admin      ${admin.hash === undefined ? 'disabled (set SWITCHYARD_ADMIN_KEY_SHA256)' : `${url}/admin/policy, ${url}/admin/decide, ${url}/admin/spend`}`,
    `ledger ${ledgerTarget.value.kind === 'sqlite' ? `sqlite:${ledgerTarget.value.path}` : redact(args.ledger)} (budgets and rate limits${args.ledgerFailure === 'closed' ? '; requests they would charge are refused while it cannot be reached' : ''})`,
    missing.length === 0
      ? 'every provider has its credential'
      : `providers without credentials (their candidates are skipped): ${missing.map((m) => `${m.provider} (\`${m.env}\`)`).join(', ')}`,
    ...tel.banner(url),
  ];
  const busy = args.watch ? writtenInside(abs, io.cwd, ledgerTarget.value, args.auditLog) : [];
  if (busy.length > 0) {
    lines.push(
      `warning: ${busy.map((f) => `\`${displayPath(f, io.cwd)}\``).join(' and ')} ${busy.length === 1 ? 'is' : 'are'} inside the watched policy directory: ` +
        'every write wakes the watcher, which then re-reads the directory (a ledger there costs ~0.3 ms of CPU per request); keep ' +
        `${busy.length === 1 ? 'it' : 'them'} outside, or serve with --no-watch`,
    );
    logger.warn({ files: busy, policyDirectory: abs }, 'files written on every request are inside the watched policy directory');
  }
  if (sharesOneCpuWithGc(io)) {
    lines.push(
      'warning: this process has one CPU, and node marks its heap on helper threads that take turns with the proxy on it ' +
        '(each major collection held requests back 30–60 ms at 1,000 req/s in the benchmarks): run node with --single-threaded-gc, ' +
        'as `npm start` and the container image do',
    );
    logger.warn({ cpus: io.cpus }, 'one CPU and node\'s garbage collector on helper threads: run node with --single-threaded-gc');
  }
  io.stderr(`${lines.join('\n')}\n`);
  logger.info({ url, policyVersion: snapshot.version, missingCredentials: missing }, 'listening');
  onReady?.({ url, store, app, budgets: budgets.value, telemetry: tel });

  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  logger.info({}, 'draining in-flight requests');
  await app.close();
  await budgets.value.close();
  await store.close();
  await tel.close();
  io.stderr('switchyard serve: stopped\n');
  return EXIT.ok;
}

/** Node flags that keep V8's garbage collector on the main thread (`--single-threaded` implies the other). */
const MAIN_THREAD_GC = new Set(['--single-threaded-gc', '--single-threaded']);

/** One CPU, and node not told to keep its garbage collector on the main thread (V8 takes `_` for `-` in flags). */
export function sharesOneCpuWithGc(io: Pick<CliIO, 'cpus' | 'execArgv'>): boolean {
  if (io.cpus !== 1) return false;
  return !(io.execArgv ?? []).some((flag) => MAIN_THREAD_GC.has(flag.replaceAll('_', '-')));
}

/**
 * Files the proxy writes as it serves (a SQLite ledger, the audit log) that lie inside the policy directory. The
 * watcher only reloads on policy files, but each write to any file there wakes it, and it re-reads the directory.
 */
function writtenInside(dir: string, cwd: string, ledger: { readonly kind: string; readonly path?: string }, auditLog: string | undefined): string[] {
  const files: string[] = [];
  if (ledger.kind === 'sqlite' && ledger.path !== undefined && ledger.path !== ':memory:') files.push(ledger.path);
  if (auditLog !== undefined && auditLog !== '-') files.push(resolve(cwd, auditLog));
  return files.filter((file) => {
    const rel = relative(dir, file);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  });
}

/** The ledger and the rate limiter behind one URL, as the budget runtime the server uses. */
async function openBudgets(
  url: string,
  onLedgerFailure: 'open' | 'closed',
  io: CliIO,
  logger: ReturnType<typeof createProxyLogger>,
): Promise<{ ok: true; value: BudgetRuntime } | { ok: false; error: string }> {
  const ledger = await openLedger(url, { cwd: io.cwd });
  if (!ledger.ok) return ledger;
  const limiter = await openRateLimiter(url, { cwd: io.cwd });
  if (!limiter.ok) {
    await ledger.value.close();
    return limiter;
  }
  return { ok: true, value: new BudgetRuntime({ ledger: ledger.value, limiter: limiter.value, log: logger, onLedgerFailure }) };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the proxy: OpenAI and Anthropic APIs decided by the policy, with failover and hot reload',
  help: HELP,
  async run(argv, io) {
    const controller = new AbortController();
    let store: PolicyStore | undefined;
    let telemetry: ServeTelemetry | undefined;
    const onStop = (): void => controller.abort();
    const onHup = (): void => void store?.reload();
    const onUsr2 = (): void => telemetry?.reopen();
    process.once('SIGINT', onStop);
    process.once('SIGTERM', onStop);
    process.on('SIGHUP', onHup);
    process.on('SIGUSR2', onUsr2);
    try {
      return await serve(argv, io, controller.signal, (proxy) => {
        store = proxy.store;
        telemetry = proxy.telemetry;
      });
    } finally {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      process.off('SIGHUP', onHup);
      process.off('SIGUSR2', onUsr2);
    }
  },
};
