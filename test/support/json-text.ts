// JSON texts for tests of code that reads JSON by its spans: any spacing between tokens, and strings that make a
// scanner's life hard.
import fc from 'fast-check';

/** JSON text of `value` with `pad` (whitespace) between all its tokens. */
export function spaced(value: unknown, pad: string): string {
  if (Array.isArray(value)) return `[${pad}${value.map((v) => spaced(v, pad)).join(`${pad},${pad}`)}${pad}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${pad}:${pad}${spaced(v, pad)}`);
    return `{${pad}${members.join(`${pad},${pad}`)}${pad}}`;
  }
  return JSON.stringify(value);
}

export const pads = fc.constantFrom('', ' ', '\n\t ', '\r\n');

/** Quotes, backslashes, brackets, key names, escapes and non-ASCII. */
export const nasty = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '\\"', '}', ']', '{"model":"x"}', 'model', 'usage', '\u2028', 'é😀', '\u0000', '\n'));

/** Any JSON value, small, its strings and keys from `nasty`. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('v'), { maxKeys: 4 }),
  ),
})).v;
