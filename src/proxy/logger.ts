// The server log: pino JSON lines on stdout, level from LOG_LEVEL, credentials redacted wherever headers appear.
// The one line per API request is the log's hot path: for a logger made here it is written as text straight
// to the logger's destination, the same JSON pino would write, at a fraction of the cost (pino builds a line
// from an object key by key: ~4–6 KB of short-lived strings per line, ~10% of a request's CPU in profiles).
import type { FastifyBaseLogger } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { RequestErrorCode } from '../errors.js';
import { LOG_REDACT_PATHS, REDACTED } from '../telemetry/redact.js';
import { jsonString } from './json-text.js';
import type { Usage } from './protocol.js';

export const REDACTED_PATHS: readonly string[] = LOG_REDACT_PATHS;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The fields every line carries after `level` and `time` (pino's `base`). */
const BASE = { service: 'switchyard' } as const;
const BASE_JSON = `,"service":${JSON.stringify(BASE.service)}`;
const INFO = 30;

/** Loggers made by `createProxyLogger`, with the destination their lines go to. */
const DESTINATIONS = new WeakMap<object, DestinationStream>();

/** `bufferedStdout`'s destination, which renders request lines a batch at a time. */
const defers = (dest: DestinationStream): dest is TextDestination => 'defer' in dest && typeof dest.defer === 'function';

/** What `bufferedStdout` gives: a pino destination, also the audit log's for `-`. */
export interface TextDestination extends DestinationStream {
  write(line: string): boolean;
  /**
   * A line rendered later, `render(a, b, c)`, in its place among every other line: lines are rendered a batch at a
   * time, when the batch is written. The arguments must not change meanwhile.
   */
  defer<A, B, C>(render: (a: A, b: B, c: C) => string, a: A, b: B, c: C): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  flush(cb: (err?: Error | null) => void): void;
  flushSync(): void;
}

/** Deferred lines rendered together at most: the batch's lines are rendered in one run. */
const MAX_DEFERRED = 32;

/**
 * Standard output in writes of `batchBytes` characters or more, or within `flushEveryMs` of a line. A batch's lines
 * are joined as text and encoded once, and the buffer is handed to sonic-boom whole; sonic-boom does the writing
 * (partial writes, EAGAIN on a pipe). A deferred line (the request log's) is only queued with its fields, and rendered
 * with the rest of its batch. Measured in the proxy, where each request's code runs on caches the rest of the
 * request has just filled: rendering and encoding its line as it ended took ~7 µs, ~10% of the request's CPU,
 * against well under 1 µs a line in a loop alone; rendered a batch at a time, the proxy logging every request
 * costs about 2% more CPU than with `LOG_LEVEL=warn` (docs/benchmarks.md "proxy").
 */
export function bufferedStdout(batchBytes: number, flushEveryMs: number): TextDestination {
  const bytes = pino.destination({ dest: 1, sync: true, minLength: 0, contentMode: 'buffer' });
  const raw = bytes as unknown as {
    write(chunk: Buffer): boolean;
    on(event: 'error', listener: (err: Error) => void): unknown;
    flush(cb: (err?: Error | null) => void): void;
    flushSync(): void;
  };
  // A batch is written once `batchBytes` characters are in, encoded in one piece (one call into the runtime's
  // encoder a batch, not one a line). A line longer than that is written on its own.
  let batch = '';
  // Deferred lines, four slots each: the render function and its three arguments.
  let deferred: unknown[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writeBatch = (): void => {
    if (batch === '') return;
    // sonic-boom keeps what it could not write yet: the buffer goes with it.
    const full = Buffer.from(batch, 'utf8');
    batch = '';
    raw.write(full);
  };
  const append = (line: string): void => {
    if (line.length > batchBytes) {
      writeBatch();
      raw.write(Buffer.from(line, 'utf8'));
      return;
    }
    batch += line;
    if (batch.length >= batchBytes) writeBatch();
  };
  const renderDeferred = (): void => {
    if (deferred.length === 0) return;
    const queued = deferred;
    deferred = [];
    for (let i = 0; i < queued.length; i += 4) {
      const render = queued[i] as (a: unknown, b: unknown, c: unknown) => string;
      append(render(queued[i + 1], queued[i + 2], queued[i + 3]));
    }
  };
  const drain = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    renderDeferred();
    writeBatch();
  };
  const soon = (): void => {
    timer ??= setTimeout(drain, flushEveryMs).unref();
  };
  return {
    write: (line: string) => {
      renderDeferred();
      append(line);
      if (batch !== '') soon();
      return true;
    },
    defer: (render, a, b, c) => {
      deferred.push(render, a, b, c);
      if (deferred.length >= 4 * MAX_DEFERRED) renderDeferred();
      soon();
    },
    on: (event: 'error', listener: (err: Error) => void) => raw.on(event, listener),
    flush: (cb) => {
      drain();
      raw.flush(cb);
    },
    flushSync: () => {
      drain();
      raw.flushSync();
    },
  };
}

/** `destination`: default stdout; `switchyard serve` shares one with an audit log written to `-`. */
export function createProxyLogger(level: string | undefined, destination?: DestinationStream): Logger {
  const wanted = (level ?? 'info').toLowerCase();
  const chosen = (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  const options = { level: chosen, base: BASE, redact: { paths: [...REDACTED_PATHS], censor: REDACTED } };
  // pino's own default, made here so the request lines can be written to it too.
  const dest = destination ?? pino.destination({ dest: 1, sync: true });
  const logger = pino(options, dest);
  DESTINATIONS.set(logger, dest);
  return logger;
}

/** What the line of one API request says, besides its id. Undefined fields are left out, as pino does. */
export interface RequestLineFields {
  readonly team: string | undefined;
  readonly keyId: string | undefined;
  readonly route: string | undefined;
  readonly model: string | undefined;
  readonly provider: string | undefined;
  readonly status: number;
  readonly outcome: string;
  readonly errorCode: RequestErrorCode | undefined;
  readonly attempts: number;
  /** One note per failed or skipped candidate; left out when there were none. */
  readonly failures: readonly string[] | undefined;
  readonly usage: Usage | undefined;
  readonly latencyMs: number;
}

/** The request log: one `"msg":"request"` line per API request, and errors about a request. */
export interface RequestLog {
  /** `fields` may be read after the call (the line is rendered with its batch): pass an object nobody changes. */
  request(requestId: string, fields: RequestLineFields): void;
  error(obj: object, msg: string): void;
}

// Most of a line's strings (names from the policy, request ids) need no escape: quoted without a call into the
// runtime's serialiser (~0.1 µs apiece, seven a line).
const str = jsonString;

/** The line pino writes for `logger.info({ reqId, ...fields }, 'request')` from a logger with `base: BASE`. */
export function requestLine(time: number, requestId: string, f: RequestLineFields): string {
  let line = `{"level":${INFO},"time":${time}${BASE_JSON},"reqId":${str(requestId)}`;
  if (f.team !== undefined) line += `,"team":${str(f.team)}`;
  if (f.keyId !== undefined) line += `,"keyId":${str(f.keyId)}`;
  if (f.route !== undefined) line += `,"route":${str(f.route)}`;
  if (f.model !== undefined) line += `,"model":${str(f.model)}`;
  if (f.provider !== undefined) line += `,"provider":${str(f.provider)}`;
  line += `,"status":${f.status},"outcome":${str(f.outcome)}`;
  if (f.errorCode !== undefined) line += `,"errorCode":${str(f.errorCode)}`;
  line += `,"attempts":${f.attempts}`;
  if (f.failures !== undefined) line += `,"failures":${JSON.stringify(f.failures)}`;
  if (f.usage !== undefined) line += `,"usage":{"inputTokens":${finite(f.usage.inputTokens)},"outputTokens":${finite(f.usage.outputTokens)}}`;
  return `${line},"latencyMs":${finite(f.latencyMs)},"msg":"request"}\n`;
}

/** JSON has no NaN or Infinity: pino writes them as null. */
const finite = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/**
 * The request log over `logger`. A logger from `createProxyLogger` gets the direct line, written only while
 * its level lets `info` through; any other logger (an embedder's) gets `info({ reqId, ...fields }, 'request')`.
 */
export function requestLogOf(logger: FastifyBaseLogger): RequestLog {
  const dest = DESTINATIONS.get(logger);
  if (dest === undefined) {
    return {
      request: (reqId, fields) => logger.info({ reqId, ...fields }, 'request'),
      error: (obj, msg) => logger.error(obj, msg),
    };
  }
  const ours = logger as Logger;
  if (defers(dest)) {
    return {
      request: (reqId, fields) => {
        if (ours.levelVal <= INFO) dest.defer(requestLine, Date.now(), reqId, fields);
      },
      error: (obj, msg) => ours.error(obj, msg),
    };
  }
  return {
    request: (reqId, fields) => {
      if (ours.levelVal <= INFO) dest.write(requestLine(Date.now(), reqId, fields));
    },
    error: (obj, msg) => ours.error(obj, msg),
  };
}
