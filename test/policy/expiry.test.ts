// Team key expiry: one reading for `validate` and the proxy, so that a value one accepts the other reads the
// same way, and a date that cannot exist is refused in CI instead of rolled over or expired at runtime.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpiry } from '../../src/policy/expiry.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { expiryOf } from '../../src/proxy/auth.js';

const baseDir = join(import.meta.dirname, '..', 'conformance', 'base');
const base = readdirSync(baseDir).map((f) => ({ path: f, text: readFileSync(join(baseDir, f), 'utf8') }));

function teamWith(expires: readonly string[]): { path: string; text: string } {
  const keys = expires.map((e, i) => `    - { id: k${i}, sha256: "${String(i).repeat(64).slice(0, 64)}", expires: "${e}" }`).join('\n');
  return { path: 'z-team.yaml', text: `apiVersion: switchyard.dev/v1\nkind: Team\nmetadata:\n  name: yard\nspec:\n  keys:\n${keys}\n  dataClasses: { allowed: [public], default: public }\n` };
}

const IMPOSSIBLE = ['2025-13-45', '2026-02-30', '2026-01-01T25:61:00Z', '2027-13-01', '2025-02-29', '2026-04-31', '2026-00-10', '2026-06-01T12:60', '2026-06-01T12:00:60Z', '2026-06-01T12:00+24:00'];

describe('parseExpiry', () => {
  it('keeps a date valid through that whole UTC day and reads zone-less date-times as UTC', () => {
    expect(parseExpiry('2026-12-31')).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(parseExpiry('2024-02-29')).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(parseExpiry('2026-06-01T12:30')).toBe(Date.parse('2026-06-01T12:30:00Z'));
    expect(parseExpiry('2026-06-01T12:30:00+02:00')).toBe(Date.parse('2026-06-01T10:30:00Z'));
    expect(parseExpiry('2026-06-01T12:30:05.25-01:30')).toBe(Date.parse('2026-06-01T14:00:05.250Z'));
  });

  it.each(IMPOSSIBLE)('reads %s as no instant at all', (value) => {
    expect(parseExpiry(value)).toBeUndefined();
  });

  it('agrees with Date.parse on every real date-time', () => {
    const real = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(real, (d) => {
        const iso = d.toISOString(); // always a real instant, with milliseconds and `Z`
        expect(parseExpiry(iso)).toBe(d.getTime());
        expect(parseExpiry(iso.slice(0, 10))).toBe(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) + 86_400_000);
      }),
    );
  });
});

describe('validation and the proxy read expiry alike', () => {
  it('refuses impossible dates and times at the value, like any other malformed date', () => {
    const result = loadPolicyFromSources([...base, teamWith(['2025-13-45', '2026-02-30', '2026-01-01T25:61:00Z', 'tomorrow', '2027-13-01'])], { env: {} });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col, d.pointer])).toEqual([
      ['invalid_format', 7, 102, '/spec/keys/0/expires'],
      ['invalid_format', 8, 102, '/spec/keys/1/expires'],
      ['invalid_format', 9, 102, '/spec/keys/2/expires'],
      ['invalid_format', 10, 102, '/spec/keys/3/expires'],
      ['invalid_format', 11, 102, '/spec/keys/4/expires'],
    ]);
    expect(result.diagnostics[1]?.message).toContain('`expires` must be a date and time that exist, got `2026-02-30`');
  });

  it('accepts a value exactly when the proxy reads it as a real instant', () => {
    for (const value of [...IMPOSSIBLE, '2026-12-31', '2024-02-29', '2026-06-01T12:30', '2026-06-01T23:59:59.999+05:30']) {
      const accepted = loadPolicyFromSources([...base, teamWith([value])], { env: {} }).ok;
      expect([value, accepted]).toEqual([value, Number.isFinite(expiryOf(value))]);
    }
  });
});
