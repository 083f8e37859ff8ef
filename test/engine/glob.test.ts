// Globs: `*` any run, `?` one character, everything else literal — checked against a regular expression built
// from the same glob, and on inputs that make backtracking matchers explode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch } from '../../src/engine/index.js';

const asRegExp = (glob: string): RegExp =>
  new RegExp(`^${[...glob].map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'u');

describe('glob matching', () => {
  it.each([
    ['eu-*', 'eu-west-1', true],
    ['eu-*', 'us-east-1', false],
    ['eu-*', 'eu-', true],
    ['*', '', true],
    ['eu-west-?', 'eu-west-1', true],
    ['eu-west-?', 'eu-west-10', false],
    ['*-1', 'ap-south-1', true],
    ['ap-*-1', 'ap-1', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['us-east-1', 'us-east-1', true],
    ['us-east-1', 'us-east-12', false],
    ['**', 'x', true],
    ['.*', 'a', false],
  ])('%s on %s is %s', (glob, s, want) => {
    expect(globMatch(glob, s)).toBe(want);
  });

  it('agrees with an equivalent regular expression', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '1'), maxLength: 12 });
    const glob = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '1', '*', '?'), maxLength: 8 });
    fc.assert(fc.property(glob, text, (g, s) => {
      expect(compileGlob(g)(s)).toBe(asRegExp(g).test(s));
    }), { numRuns: 3000 });
  });

  it('answers pathological patterns without backtracking blow-up', () => {
    const many = compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*b');
    expect(many('a'.repeat(20_000))).toBe(false);
    expect(many(`${'a'.repeat(20_000)}b`)).toBe(true);
  });
});
