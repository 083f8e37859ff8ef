// Money in reports: cents, and enough digits below a cent that a small cost never reads as zero.
import { describe, expect, it } from 'vitest';
import { money } from '../../src/budget/spend.js';
import { fmtUsd, fmtUsdDelta } from '../../src/verify/present.js';

describe('fmtUsd', () => {
  it.each([
    [0, '$0.00'],
    [41.2, '$41.20'],
    [0.0054, '$0.0054'],
    [0.000015, '$0.000015'],
    [0.00000123, '$0.0000012'],
    [-0.000015, '-$0.000015'],
    [0.0001, '$0.0001'],
    [0.00001, '$0.00001'],
  ])('%s → %s', (usd, text) => {
    expect(fmtUsd(usd)).toBe(text);
  });

  it('keeps the digits in a signed delta and in the spend report', () => {
    expect(fmtUsdDelta(0.000015)).toBe('+$0.000015');
    expect(money(0.000015)).toBe('$0.000015');
    expect(money(0.85)).toBe('$0.8500');
    expect(money(2)).toBe('$2.00');
  });
});
