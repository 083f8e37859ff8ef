// What a finished request cost, from what the proxy saw of it. The provider's reported usage wins; what it did
// not report is estimated so that spend the provider will bill is never settled as zero: a prompt that reached
// the provider counts its estimated tokens, and text that reached the client counts ceil(characters / 4).

/** Characters per token of the estimates, as the prompt estimate uses. */
export const CHARS_PER_TOKEN = 4;

/** How a request ended, as far as spend is concerned (the proxy's settle outcomes). */
export type FinishOutcome = 'completed' | 'upstream_status' | 'denied' | 'rejected' | 'failed' | 'cut' | 'aborted';

export interface Finished {
  readonly outcome: FinishOutcome;
  /** The reserved candidate's provider was sent the request (an attempt left the proxy). */
  readonly sent: boolean;
  /** As the provider reported it, absent when it did not. */
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
  /** Characters of answer text the client received (stream deltas, or the whole answer's text). */
  readonly outputChars: number;
  /** The proxy's own estimate of the prompt. */
  readonly promptTokens: number;
}

export interface SettledTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Some of the figure is an estimate (the provider reported less than was delivered, or nothing). */
  readonly estimated: boolean;
}

const fromChars = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);

/**
 * The tokens to settle, or null when nothing reached a provider (the reservation is released unspent).
 * `failed` and `upstream_status` answers are error answers, which providers do not bill beyond what they report.
 */
export function settledTokens(f: Finished): SettledTokens | null {
  if (!f.sent) return null;
  const reported = f.usage;
  switch (f.outcome) {
    case 'failed':
    case 'upstream_status':
    case 'denied':
    case 'rejected':
      return { inputTokens: reported?.inputTokens ?? 0, outputTokens: reported?.outputTokens ?? 0, estimated: false };
    case 'completed':
      if (reported !== undefined) return { inputTokens: reported.inputTokens, outputTokens: reported.outputTokens, estimated: false };
      return { inputTokens: f.promptTokens, outputTokens: fromChars(f.outputChars), estimated: true };
    case 'cut':
    case 'aborted': {
      // A stream that stopped early may have reported its input (Anthropic's first event) but not its output.
      const input = reported !== undefined && reported.inputTokens > 0 ? reported.inputTokens : f.promptTokens;
      const delivered = fromChars(f.outputChars);
      const output = Math.max(reported?.outputTokens ?? 0, delivered);
      return { inputTokens: input, outputTokens: output, estimated: reported === undefined || output > reported.outputTokens || input !== reported.inputTokens };
    }
    default: {
      const unknown: never = f.outcome;
      throw new Error(`unknown outcome ${String(unknown)}`);
    }
  }
}
