// How big the reliability scenarios run: `ci` (the default, inside `npm test`: each scenario a few seconds to
// ~20 s) or `full` (`npm run test:reliability`: the figures issue 9 names). Wall-clock bounds are asserted only
// at full scale; at CI scale timings are measured and printed, never asserted.
export type Scale = 'ci' | 'full';

function scaleOf(value: string | undefined): Scale {
  if (value === undefined || value === '' || value === 'ci') return 'ci';
  if (value === 'full') return 'full';
  throw new Error(`RELIABILITY_SCALE must be \`ci\` or \`full\`, got \`${value}\``);
}

export const SCALE: Scale = scaleOf(process.env.RELIABILITY_SCALE);

/** The CI figure, or the full one. */
export const atScale = <T>(ci: T, full: T): T => (SCALE === 'full' ? full : ci);

/** One summary line per scenario in the test output: what ran and what was measured. */
export function report(scenario: string, figures: Record<string, string | number>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v}`);
  console.log(`[reliability:${SCALE}] ${scenario}: ${parts.join(' ')}`);
}

/** Milliseconds as text with one decimal. */
export const ms = (n: number): string => `${n.toFixed(1)}ms`;
