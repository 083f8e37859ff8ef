// When a team key stops working, read one way for `validate` and the proxy alike: a value validation accepts
// is exactly a value this reads, so a date that cannot exist (`2026-02-30`, `25:61`) is refused in CI rather
// than rolled over or treated as expired at runtime. `Date.parse` is not used: V8 accepts `2026-02-30` as
// March 2nd.

const DAY_MS = 86_400_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number): number => (month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));

/** Minutes east of UTC of `Z` / `±hh:mm`, or undefined for an offset that cannot exist. */
function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * The epoch ms from which a key with `expires` is refused, or undefined when the value is not a real ISO 8601
 * date or date-time. A date (`2026-12-31`) is valid through that whole UTC day; a date-time up to that
 * instant (UTC when it names no zone).
 */
export function parseExpiry(expires: string): number | undefined {
  const m = ISO.exec(expires);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0–99 as 1900–1999
  if (m[4] === undefined) return date.getTime() + DAY_MS;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
  const offset = offsetMinutes(m[8]);
  if (hour > 23 || minute > 59 || second > 59 || offset === undefined) return undefined;
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  return date.getTime() + ((hour * 60 + minute - offset) * 60 + second) * 1000 + ms;
}

// The schema's pattern for `expires`: a value it accepts but parseExpiry does not names no real date or time.
const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Pointers of the `expires` values of a Team document (before validation) that have the ISO shape but name no real instant. */
export function impossibleExpiries(document: unknown): { pointer: string; value: string }[] {
  const spec = isRecord(document) ? document.spec : undefined;
  const keys = isRecord(spec) ? spec.keys : undefined;
  if (!Array.isArray(keys)) return [];
  const out: { pointer: string; value: string }[] = [];
  keys.forEach((key: unknown, i) => {
    const expires = isRecord(key) ? key.expires : undefined;
    if (typeof expires === 'string' && ISO_SHAPE.test(expires) && parseExpiry(expires) === undefined) out.push({ pointer: `/spec/keys/${i}/expires`, value: expires });
  });
  return out;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
