// What a finished request is settled at: reported usage wins; what was not reported is estimated (prompt
// estimate, delivered text) so that work a provider bills is never settled as zero; nothing sent → release.
import { describe, expect, it } from 'vitest';
import { settledTokens, type Finished } from '../../src/budget/settle-cost.js';

const base: Finished = { outcome: 'completed', sent: true, usage: undefined, outputChars: 0, promptTokens: 50 };
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });

describe('settled tokens', () => {
  it('releases when nothing reached a provider, whatever the outcome', () => {
    for (const outcome of ['completed', 'failed', 'aborted', 'denied', 'rejected', 'cut', 'upstream_status'] as const) {
      expect(settledTokens({ ...base, outcome, sent: false, usage: usage(5, 5) })).toBeNull();
    }
  });

  it('settles a completed answer at the reported usage, even below the estimates', () => {
    expect(settledTokens({ ...base, usage: usage(7, 3), outputChars: 400 })).toEqual({ inputTokens: 7, outputTokens: 3, estimated: false });
  });

  it('estimates a completed answer without usage from the prompt and the text delivered', () => {
    expect(settledTokens({ ...base, outputChars: 9 })).toEqual({ inputTokens: 50, outputTokens: 3, estimated: true });
  });

  it('bills a cut or abandoned stream at least the text delivered, never zero', () => {
    for (const outcome of ['cut', 'aborted'] as const) {
      expect(settledTokens({ ...base, outcome, outputChars: 41 })).toEqual({ inputTokens: 50, outputTokens: 11, estimated: true });
      // Anthropic reports input first and output only at the end.
      expect(settledTokens({ ...base, outcome, usage: usage(60, 1), outputChars: 41 })).toEqual({ inputTokens: 60, outputTokens: 11, estimated: true });
      expect(settledTokens({ ...base, outcome, usage: usage(60, 20), outputChars: 41 })).toEqual({ inputTokens: 60, outputTokens: 20, estimated: false });
      const nothingDelivered = settledTokens({ ...base, outcome })!;
      expect(nothingDelivered.inputTokens + nothingDelivered.outputTokens).toBeGreaterThan(0);
    }
  });

  it('settles error answers at what the provider reported, else zero', () => {
    expect(settledTokens({ ...base, outcome: 'failed', outputChars: 10 })).toEqual({ inputTokens: 0, outputTokens: 0, estimated: false });
    expect(settledTokens({ ...base, outcome: 'upstream_status', usage: usage(3, 0) })).toEqual({ inputTokens: 3, outputTokens: 0, estimated: false });
  });
});
