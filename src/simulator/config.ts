// The simulator's tunable behaviour. One record, shared by the CLI flags, `startSimulator` options and
// `PUT /_sim/config`, so every knob is reachable without a restart and validated in one place.

/** The names `--faults` accepts for random fault mode. */
export const RANDOM_FAULT_NAMES = ['500', '502', '503', '529', '429', 'reset', 'cut', 'timeout', 'no-usage'] as const;
export type RandomFaultName = (typeof RANDOM_FAULT_NAMES)[number];

export interface SimulatorConfig {
  /** Delay before the first byte of every API response. */
  readonly latencyMs: number;
  /** Delay between streamed chunks. */
  readonly tokenIntervalMs: number;
  /** Output tokens per answer; a request's `max_tokens` lowers it. */
  readonly tokens: number;
  /** Probability in [0, 1] that an API request gets a random fault (after the queued faults). */
  readonly faultRate: number;
  /** Which faults random mode picks from, uniformly. */
  readonly faults: readonly RandomFaultName[];
  /** Seed of the random fault generator: the same seed and request sequence give the same faults. */
  readonly seed: number;
  /** First-byte delay of a random `timeout` fault. */
  readonly timeoutMs: number;
  /** When set, any other API key gets 401 in the provider's error shape. */
  readonly requireKey: string | null;
  /** What `GET /v1/models` lists (any model is answered regardless). */
  readonly models: readonly string[];
}

export const DEFAULT_CONFIG: SimulatorConfig = Object.freeze({
  latencyMs: 0,
  tokenIntervalMs: 0,
  tokens: 32,
  faultRate: 0,
  faults: RANDOM_FAULT_NAMES,
  seed: 1,
  timeoutMs: 60_000,
  requireKey: null,
  models: ['sim-small', 'sim-large'],
});

export type ConfigResult = { ok: true; value: Partial<SimulatorConfig> } | { ok: false; error: string };

const NUMERIC = {
  latencyMs: { min: 0, max: 3_600_000, integer: true },
  tokenIntervalMs: { min: 0, max: 60_000, integer: true },
  tokens: { min: 0, max: 100_000, integer: true },
  faultRate: { min: 0, max: 1, integer: false },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  timeoutMs: { min: 0, max: 3_600_000, integer: true },
} as const;
type NumericKey = keyof typeof NUMERIC;

function isNumericKey(key: string): key is NumericKey {
  return Object.hasOwn(NUMERIC, key);
}

function isFaultName(name: string): name is RandomFaultName {
  return (RANDOM_FAULT_NAMES as readonly string[]).includes(name);
}

/** Parses a comma-separated `--faults` list. */
export function parseFaultNames(list: string): { ok: true; value: RandomFaultName[] } | { ok: false; error: string } {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) return { ok: false, error: 'the fault list is empty' };
  for (const name of names) {
    if (!isFaultName(name)) {
      return { ok: false, error: `unknown fault \`${name}\`; expected one of ${RANDOM_FAULT_NAMES.join(', ')}` };
    }
  }
  return { ok: true, value: names as RandomFaultName[] };
}

/** Validates a partial config from JSON (control API) or from typed callers; unknown fields are errors. */
export function validateConfigPatch(input: unknown): ConfigResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, error: 'config must be a json object' };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    // Typed callers may spread options with absent fields as `undefined`; treat them as absent.
    if (value === undefined) continue;
    if (isNumericKey(key)) {
      const rule = NUMERIC[key];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < rule.min || value > rule.max || (rule.integer && !Number.isInteger(value))) {
        const kind = rule.integer ? 'an integer' : 'a number';
        return { ok: false, error: `\`${key}\` must be ${kind} from ${rule.min} to ${rule.max}, got \`${JSON.stringify(value)}\`` };
      }
      out[key] = value;
    } else if (key === 'faults') {
      const list = Array.isArray(value) ? value.join(',') : value;
      if (typeof list !== 'string') return { ok: false, error: '`faults` must be a list of fault names' };
      const parsed = parseFaultNames(list);
      if (!parsed.ok) return parsed;
      out[key] = parsed.value;
    } else if (key === 'requireKey') {
      if (value !== null && (typeof value !== 'string' || value === '')) {
        return { ok: false, error: '`requireKey` must be a non-empty string or null' };
      }
      out[key] = value;
    } else if (key === 'models') {
      if (!Array.isArray(value) || !value.every((m): m is string => typeof m === 'string' && m !== '')) {
        return { ok: false, error: '`models` must be a list of model names' };
      }
      out[key] = [...value];
    } else {
      return { ok: false, error: `unknown config field \`${key}\`` };
    }
  }
  return { ok: true, value: out as Partial<SimulatorConfig> };
}
