// The building blocks of the declarative field tables: every top-level field (and every key of a message or
// part) a translator accepts has a rule; a key without one is unsupported, so nothing is ever dropped unseen.
import { isObject, shown, unsupported, type JsonObject, type Unsupported } from './types.js';

export { failed } from './types.js';

/** Reads one field's value into the draft, or says why the target cannot express it. */
export type FieldRule<D> = (value: unknown, draft: D, field: string) => Unsupported | undefined;

/** A field read elsewhere (it needs the whole request, e.g. `messages` or `tools`). */
export const handled = (): undefined => undefined;

/** A field the target has no counterpart for, accepted only while it holds its default (so dropping it changes nothing). */
export const onlyDefault =
  <D>(isDefault: (v: unknown) => boolean, target: string): FieldRule<D> =>
  (v, _d, field) =>
    isDefault(v) ? undefined : unsupported(field, `${target} has no \`${field}\` (got \`${shown(v)}\`)`);

/** Applies `rules` to every present, non-null key of `source`; the first key without a rule, or a rule that refuses, ends it. */
export function applyFields<D>(source: JsonObject, rules: Readonly<Record<string, FieldRule<D>>>, draft: D, path: string, target: string): Unsupported | undefined {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === null || value === undefined) continue;
    const field = path === '' ? key : `${path}.${key}`;
    if (!Object.hasOwn(rules, key)) return unsupported(field, `${target} has no \`${field}\``);
    const refused = rules[key]!(value, draft, field);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/** Refuses any key outside `allowed` (null values count as absent). */
export function onlyKeys(source: JsonObject, allowed: ReadonlySet<string>, path: string, target: string): Unsupported | undefined {
  for (const key of Object.keys(source)) {
    if (allowed.has(key) || source[key] === null || source[key] === undefined) continue;
    return unsupported(`${path}.${key}`, `${target} has no \`${key}\` here`);
  }
  return undefined;
}

export const keys = (...names: string[]): ReadonlySet<string> => new Set(names);

export function asString(v: unknown, field: string): string | Unsupported {
  return typeof v === 'string' ? v : unsupported(field, `\`${field}\` must be a string, got \`${shown(v)}\``);
}

export function asNumber(v: unknown, field: string, min: number, max: number, target: string): number | Unsupported {
  if (typeof v !== 'number' || !Number.isFinite(v)) return unsupported(field, `\`${field}\` must be a number, got \`${shown(v)}\``);
  if (v < min || v > max) return unsupported(field, `${target} takes \`${field}\` from ${min} to ${max}, got ${v}`);
  return v;
}

export function asObject(v: unknown, field: string): JsonObject | Unsupported {
  return isObject(v) ? v : unsupported(field, `\`${field}\` must be an object, got \`${shown(v)}\``);
}

export function asList(v: unknown, field: string): unknown[] | Unsupported {
  return Array.isArray(v) ? v : unsupported(field, `\`${field}\` must be a list, got \`${shown(v)}\``);
}

/** A positive integer token limit. */
export function asLimit(v: unknown, field: string): number | Unsupported {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  return unsupported(field, `\`${field}\` must be a positive integer, got \`${shown(v)}\``);
}
