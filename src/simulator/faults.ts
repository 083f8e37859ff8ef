// Fault injection: a queue of programmed faults consumed one per matching request, then seeded random faults.
// Faults arrive as JSON from the control API, so they are narrowed here once and carried as a tagged union.
import type { RandomFaultName, SimulatorConfig } from './config.js';

/** A fault as written by a test or a curl command (see docs/simulator.md). */
export interface FaultInput {
  /** Answer with this HTTP status and the provider's error body (or `body`). */
  readonly status?: number;
  /** Replaces the error body: objects are sent as JSON, strings verbatim. */
  readonly body?: unknown;
  /** Seconds, sent as `retry-after`. */
  readonly retryAfter?: number;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Reset the connection before any byte. */
  readonly reset?: boolean;
  /** Extra delay before the first byte. */
  readonly firstByteDelayMs?: number;
  /** Stop after this many SSE events (or half the body when not streaming) and destroy the socket. */
  readonly cutAfterChunks?: number;
  /** Report no usage at all. */
  readonly noUsage?: boolean;
  /** How many requests this fault applies to (default 1). */
  readonly count?: number;
}

/** Which requests a queued fault applies to; absent fields match anything. */
export interface FaultMatch {
  readonly model?: string;
  readonly path?: string;
  readonly apiKey?: string;
}

export type FaultAction =
  | { readonly kind: 'status'; readonly status: number; readonly body: unknown; readonly retryAfter: number | null }
  | { readonly kind: 'reset' }
  | { readonly kind: 'respond'; readonly cutAfterChunks: number | null; readonly noUsage: boolean };

export interface Fault {
  readonly delayMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly action: FaultAction;
  /** How the fault is counted in `/_sim/stats` `byFault`. */
  readonly label: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const FAULT_FIELDS = new Set(['status', 'body', 'retryAfter', 'headers', 'reset', 'firstByteDelayMs', 'cutAfterChunks', 'noUsage', 'count']);
const MATCH_FIELDS = new Set(['model', 'path', 'apiKey']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function labelOf(delayMs: number, action: FaultAction): string {
  const parts = delayMs > 0 ? ['first-byte-delay'] : [];
  switch (action.kind) {
    case 'status':
      parts.push(String(action.status));
      break;
    case 'reset':
      parts.push('reset');
      break;
    case 'respond':
      if (action.cutAfterChunks !== null) parts.push('cut');
      if (action.noUsage) parts.push('no-usage');
      break;
    default:
      return assertNever(action);
  }
  return parts.length > 0 ? parts.join('+') : 'none';
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

/** Narrows one fault from JSON; `where` names it in messages (e.g. `fault 2`). */
export function parseFault(input: unknown, where: string): Parsed<{ fault: Fault; count: number }> {
  if (!isRecord(input)) return { ok: false, error: `${where} must be a json object` };
  for (const key of Object.keys(input)) {
    if (!FAULT_FIELDS.has(key)) return { ok: false, error: `${where}: unknown field \`${key}\`` };
  }
  const { status, body, retryAfter, headers, reset, firstByteDelayMs, cutAfterChunks, noUsage, count } = input;
  if (status !== undefined && !(isCount(status, 200) && status <= 599)) return { ok: false, error: `${where}: \`status\` must be an http status from 200 to 599, got \`${JSON.stringify(status)}\`` };
  if (retryAfter !== undefined && !(typeof retryAfter === 'number' && retryAfter >= 0)) return { ok: false, error: `${where}: \`retryAfter\` must be a non-negative number of seconds` };
  if (headers !== undefined && !(isRecord(headers) && Object.values(headers).every((v) => typeof v === 'string'))) return { ok: false, error: `${where}: \`headers\` must map names to strings` };
  if (reset !== undefined && typeof reset !== 'boolean') return { ok: false, error: `${where}: \`reset\` must be true or false` };
  if (firstByteDelayMs !== undefined && !isCount(firstByteDelayMs, 0)) return { ok: false, error: `${where}: \`firstByteDelayMs\` must be a non-negative integer` };
  if (cutAfterChunks !== undefined && !isCount(cutAfterChunks, 0)) return { ok: false, error: `${where}: \`cutAfterChunks\` must be a non-negative integer` };
  if (noUsage !== undefined && typeof noUsage !== 'boolean') return { ok: false, error: `${where}: \`noUsage\` must be true or false` };
  if (count !== undefined && !isCount(count, 1)) return { ok: false, error: `${where}: \`count\` must be a positive integer` };

  const responds = cutAfterChunks !== undefined || noUsage === true;
  if (status !== undefined && reset === true) return { ok: false, error: `${where}: \`status\` and \`reset\` cannot be combined` };
  if ((status !== undefined || reset === true) && responds) return { ok: false, error: `${where}: \`cutAfterChunks\` and \`noUsage\` apply to normal answers, not to \`status\` or \`reset\`` };
  if (status === undefined && (body !== undefined || retryAfter !== undefined)) return { ok: false, error: `${where}: \`body\` and \`retryAfter\` need a \`status\`` };

  let action: FaultAction;
  if (status !== undefined) action = { kind: 'status', status, body, retryAfter: retryAfter ?? null };
  else if (reset === true) action = { kind: 'reset' };
  else action = { kind: 'respond', cutAfterChunks: cutAfterChunks ?? null, noUsage: noUsage === true };
  const delayMs = firstByteDelayMs ?? 0;
  const fault: Fault = { delayMs, headers: (headers as Record<string, string> | undefined) ?? {}, action, label: labelOf(delayMs, action) };
  return { ok: true, value: { fault, count: count ?? 1 } };
}

function parseMatch(input: unknown): Parsed<FaultMatch> {
  if (input === undefined || input === null) return { ok: true, value: {} };
  if (!isRecord(input)) return { ok: false, error: '`match` must be a json object' };
  for (const [key, value] of Object.entries(input)) {
    if (!MATCH_FIELDS.has(key)) return { ok: false, error: `match: unknown field \`${key}\`; expected model, path or apiKey` };
    if (typeof value !== 'string') return { ok: false, error: `match: \`${key}\` must be a string` };
  }
  return { ok: true, value: input as FaultMatch };
}

interface Pending {
  readonly input: unknown;
  readonly fault: Fault;
  readonly match: FaultMatch;
  remaining: number;
}

export interface PendingFault {
  readonly fault: unknown;
  readonly match: FaultMatch;
  readonly remaining: number;
}

/** Programmed faults, consumed in order: each request takes the first pending fault whose match it satisfies. */
export class FaultQueue {
  #pending: Pending[] = [];

  /** Appends faults (all or none); returns how many faults are pending after. */
  push(faults: unknown, match?: unknown): Parsed<number> {
    if (!Array.isArray(faults)) return { ok: false, error: '`faults` must be a list' };
    const m = parseMatch(match);
    if (!m.ok) return m;
    const parsed: Pending[] = [];
    for (const [i, input] of faults.entries()) {
      const p = parseFault(input, `fault ${i + 1}`);
      if (!p.ok) return p;
      parsed.push({ input, fault: p.value.fault, match: m.value, remaining: p.value.count });
    }
    this.#pending.push(...parsed);
    return { ok: true, value: this.size };
  }

  get size(): number {
    return this.#pending.length;
  }

  take(path: string, model: string | null, apiKey: string): Fault | null {
    if (this.#pending.length === 0) return null;
    const i = this.#pending.findIndex(({ match }) =>
      (match.path === undefined || match.path === path) &&
      (match.model === undefined || match.model === model) &&
      (match.apiKey === undefined || match.apiKey === apiKey));
    const entry = this.#pending[i];
    if (entry === undefined) return null;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#pending.splice(i, 1);
    return entry.fault;
  }

  clear(): number {
    const n = this.#pending.length;
    this.#pending = [];
    return n;
  }

  list(): PendingFault[] {
    return this.#pending.map(({ input, match, remaining }) => ({ fault: input, match, remaining }));
  }
}

/** mulberry32: tiny, fast and good enough to make chaos reproducible from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFault(name: RandomFaultName, rng: () => number, config: SimulatorConfig): Fault {
  const none = { delayMs: 0, headers: {} };
  switch (name) {
    case '429':
      return { ...none, action: { kind: 'status', status: 429, body: undefined, retryAfter: 1 }, label: '429' };
    case '500':
    case '502':
    case '503':
    case '529':
      return { ...none, action: { kind: 'status', status: Number(name), body: undefined, retryAfter: null }, label: name };
    case 'reset':
      return { ...none, action: { kind: 'reset' }, label: 'reset' };
    case 'cut':
      return { ...none, action: { kind: 'respond', cutAfterChunks: 1 + Math.floor(rng() * 4), noUsage: false }, label: 'cut' };
    case 'timeout':
      return { delayMs: config.timeoutMs, headers: {}, action: { kind: 'respond', cutAfterChunks: null, noUsage: false }, label: 'timeout' };
    case 'no-usage':
      return { ...none, action: { kind: 'respond', cutAfterChunks: null, noUsage: true }, label: 'no-usage' };
    default:
      return assertNever(name);
  }
}

/** Random fault mode: with probability `faultRate`, one of `faults`, drawn from a generator seeded by `seed`. */
export class RandomFaults {
  #rng: () => number;

  constructor(seed: number) {
    this.#rng = seededRandom(seed);
  }

  reseed(seed: number): void {
    this.#rng = seededRandom(seed);
  }

  pick(config: SimulatorConfig): Fault | null {
    if (config.faultRate <= 0 || config.faults.length === 0) return null;
    if (this.#rng() >= config.faultRate) return null;
    const name = config.faults[Math.floor(this.#rng() * config.faults.length)];
    return name === undefined ? null : randomFault(name, this.#rng, config);
  }
}
