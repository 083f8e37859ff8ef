// The exact command a person runs to see a decision again.
import type { RequestContext } from '../engine/types.js';

/** POSIX shell single-quoting. */
export const shellQuote = (s: string): string => (/^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function explainCommand(dir: string, ctx: RequestContext, budgets: Readonly<Record<string, number>>): string {
  const parts = ['switchyard', 'explain', shellQuote(dir), '--request', shellQuote(JSON.stringify(ctx))];
  if (Object.keys(budgets).length > 0) parts.push('--budgets', shellQuote(JSON.stringify(budgets)));
  return parts.join(' ');
}
