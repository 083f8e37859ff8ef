// Traffic files for `dry-run` and `diff`: JSON Lines, read line by line from a stream. A line is a request
// context, or an audit record carrying one under `context` (schema/traffic-record.schema.json); blank lines
// and audit records of requests refused before any decision (`decided: false`, no context) are skipped, and a
// bad line is a located problem, never an exception.
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { checkRequestContext } from '../engine/request-validate.js';
import type { RequestContext } from '../engine/types.js';
import type { TrafficRecord as TrafficLine, TrafficUsage } from '../policy/generated/traffic-record.js';

export type { TrafficUsage };

/** What the line says was decided when it was served (audit records only). */
export interface RecordedDecision {
  readonly outcome?: 'route' | 'deny';
  readonly route?: string;
  readonly model?: string;
  readonly denyCode?: string;
}

export interface TrafficRecord {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly ctx: RequestContext;
  readonly usage?: TrafficUsage;
  /** Milliseconds since the Unix epoch. */
  readonly timeMs?: number;
  readonly recorded?: RecordedDecision;
}

export interface TrafficProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export const formatProblem = (p: TrafficProblem): string => `${p.file}:${p.line}: ${p.message}`;

export type TrafficItem = { readonly kind: 'record'; readonly record: TrafficRecord } | { readonly kind: 'problem'; readonly problem: TrafficProblem };

let envelope: ValidateFunction | undefined;

function envelopeValidator(): ValidateFunction {
  if (envelope !== undefined) return envelope;
  // Resolved from this module so it works from src/ (tests) and dist/ (the package ships schema/).
  const schema = JSON.parse(readFileSync(new URL('../../schema/traffic-record.schema.json', import.meta.url), 'utf8')) as object;
  envelope = new Ajv2020({ allErrors: false, strict: true }).compile(schema);
  return envelope;
}

function describe(e: ErrorObject): string {
  const at = `\`${e.instancePath.slice(1).replace(/\//g, '.')}\``;
  if (e.instancePath === '/time' || e.instancePath.startsWith('/time/')) return '`time` must be an ISO 8601 timestamp with a time zone or epoch milliseconds';
  if (e.keyword === 'enum') return `${at} must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

/** The largest epoch milliseconds a JavaScript date holds (±100,000,000 days); beyond it `new Date` is invalid. */
const MAX_TIME_MS = 8_640_000_000_000_000;

/** Context fields an audit record carries as the header sent them, empty included. */
const EMPTY_AS_SENT = ['dataClass', 'task'] as const;

function withoutKeys(ctx: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = { ...ctx };
  for (const k of keys) delete out[k];
  return out;
}

const isCount = (n: number | undefined): boolean => n === undefined || (Number.isSafeInteger(n) && n >= 0);

/** Token counts must be exact: a count beyond 2^53 (`1e30`) is no count at all. Why not, or undefined. */
function unsafeCount(ctx: RequestContext, usage: TrafficUsage | undefined): string | undefined {
  const fields: [string, number | undefined][] = [
    ['promptTokens', ctx.promptTokens],
    ['maxTokens', ctx.maxTokens],
    ['usage.inputTokens', usage?.inputTokens],
    ['usage.outputTokens', usage?.outputTokens],
  ];
  for (const [name, n] of fields) if (!isCount(n)) return `\`${name}\` must be a whole number of tokens from 0 to ${Number.MAX_SAFE_INTEGER}, got \`${String(n)}\``;
  return undefined;
}

/** Fields of a request-context line that belong to the record, not to the request. */
const ENVELOPE_ONLY = ['usage', 'time'] as const;

function recordedOf(line: TrafficLine): RecordedDecision | undefined {
  const model = line.model ?? line.candidates?.[0]?.model;
  const recorded: { -readonly [K in keyof RecordedDecision]: RecordedDecision[K] } = {};
  if (line.outcome !== undefined) recorded.outcome = line.outcome;
  if (line.route !== undefined) recorded.route = line.route;
  if (model !== undefined) recorded.model = model;
  if (line.deny?.code !== undefined) recorded.denyCode = line.deny.code;
  return Object.keys(recorded).length > 0 ? recorded : undefined;
}

export type ParsedLine = { ok: true; record: Omit<TrafficRecord, 'line'> } | { ok: false; message: string };

/** A line that is valid but carries nothing to decide (an audit record of a request refused before deciding). */
type LineItem = ParsedLine | { ok: 'skip' };

/** Parse one non-blank line of a traffic file. */
export function parseTrafficLine(text: string): ParsedLine {
  const item = parseLineItem(text);
  return item.ok === 'skip' ? { ok: false, message: 'an audit record of a request refused before it was decided (`decided: false`) has no request context' } : item;
}

function parseLineItem(text: string): LineItem {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `not valid JSON: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'a line must be a JSON object (a request context or an audit record)' };
  const validate = envelopeValidator();
  if (!validate(value)) return { ok: false, message: (validate.errors ?? []).map(describe)[0] ?? 'invalid record' };
  const line = value as TrafficLine;
  const audit = line.context !== undefined;
  if (!audit && line.decided === false) return { ok: 'skip' };
  let ctx: Record<string, unknown>;
  if (audit) {
    ctx = { ...line.context };
    if (ctx['requestId'] === undefined && line.requestId !== undefined) ctx['requestId'] = line.requestId;
    if (ctx['keyId'] === undefined && line.keyId !== undefined) ctx['keyId'] = line.keyId;
  } else {
    ctx = { ...line };
    for (const key of ENVELOPE_ONLY) delete ctx[key];
  }
  const where = audit ? ' in `context`' : '';
  // The proxy records an empty header value as sent (`task: ""`) and refused it with `invalid_request`; such a
  // record is decided again (and refused alike), so the empty value skips the schema's check, not the decision.
  const empty = audit ? EMPTY_AS_SENT.filter((k) => ctx[k] === '') : [];
  const checked = checkRequestContext(empty.length === 0 ? ctx : withoutKeys(ctx, empty));
  if (!checked.ok) return { ok: false, message: `${checked.errors[0] ?? 'invalid request context'}${where}` };
  for (const key of empty) checked.value[key] = '';
  const counts = unsafeCount(checked.value, line.usage);
  if (counts !== undefined) return { ok: false, message: `${counts}${counts.startsWith('`usage') ? '' : where}` };
  const record: { -readonly [K in keyof Omit<TrafficRecord, 'line'>]: TrafficRecord[K] } = { ctx: checked.value };
  if (line.usage !== undefined) record.usage = line.usage;
  if (line.time !== undefined) {
    const ms = typeof line.time === 'number' ? line.time : Date.parse(line.time);
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) return { ok: false, message: `\`time\` \`${String(line.time)}\` is not a valid date` };
    record.timeMs = ms;
  }
  const recorded = audit ? recordedOf(line) : undefined;
  if (recorded !== undefined) record.recorded = recorded;
  return { ok: true, record };
}

/** Editors on Windows start UTF-8 files with a byte order mark; it is not part of the first line's JSON. */
const withoutBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * The records and problems of a traffic file in line order, streamed (the file is never held whole).
 * `display` is how problems name the file. Read errors (a missing file, a directory) are thrown: they are
 * I/O failures of the whole file, not of a line.
 */
export async function* readTraffic(path: string, display: string = path): AsyncGenerator<TrafficItem> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of lines) {
      n++;
      const text = n === 1 ? withoutBom(raw) : raw;
      if (text.trim() === '') continue;
      const parsed = parseLineItem(text);
      if (parsed.ok === 'skip') continue;
      if (parsed.ok) yield { kind: 'record', record: { line: n, ...parsed.record } };
      else yield { kind: 'problem', problem: { file: display, line: n, message: parsed.message } };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Records and problems from in-memory lines (tests, library callers that already hold the traffic). */
export function* trafficFromLines(lines: readonly string[], display = 'traffic'): Generator<TrafficItem> {
  for (let i = 0; i < lines.length; i++) {
    const text = i === 0 ? withoutBom(lines[i] ?? '') : (lines[i] ?? '');
    if (text.trim() === '') continue;
    const parsed = parseLineItem(text);
    if (parsed.ok === 'skip') continue;
    if (parsed.ok) yield { kind: 'record', record: { line: i + 1, ...parsed.record } };
    else yield { kind: 'problem', problem: { file: display, line: i + 1, message: parsed.message } };
  }
}

export interface ReplayOptions {
  /** Stop at the first bad line instead of skipping it. */
  readonly strict?: boolean;
  /** Called for each bad line (also the one that stops a strict replay). */
  readonly onProblem?: (problem: TrafficProblem) => void;
  /** Called every `progressEvery` records with the number of records so far. */
  readonly onProgress?: (records: number) => void;
  readonly progressEvery?: number;
}

export type ReplayResult =
  | { ok: true; records: number; skipped: number }
  | { ok: false; records: number; problem: TrafficProblem };

/** Feed every record to `visit`, handling bad lines per `strict` and reporting progress. */
export async function replay(
  items: AsyncIterable<TrafficItem> | Iterable<TrafficItem>,
  visit: (record: TrafficRecord) => void,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const every = options.progressEvery ?? 10_000;
  let records = 0;
  let skipped = 0;
  for await (const item of items) {
    if (item.kind === 'problem') {
      options.onProblem?.(item.problem);
      if (options.strict === true) return { ok: false, records, problem: item.problem };
      skipped++;
      continue;
    }
    visit(item.record);
    records++;
    if (options.onProgress !== undefined && records % every === 0) options.onProgress(records);
  }
  return { ok: true, records, skipped };
}
