// What a decision amounts to for aggregation: the route and primary model it sends to, or the denial (code
// and rule). Dry-run counts these; diff compares them between two policy versions.
import type { Decision } from '../engine/index.js';

export type Side =
  | { readonly kind: 'route'; readonly route: string; readonly model: string; readonly provider: string }
  | { readonly kind: 'deny'; readonly code: string; readonly rule: string };

export function sideOf(decision: Decision): Side {
  const primary = decision.candidates[0];
  if (decision.outcome === 'route' && primary !== undefined) {
    return { kind: 'route', route: decision.route ?? '', model: primary.model, provider: primary.provider };
  }
  return { kind: 'deny', code: decision.deny?.code ?? 'unknown', rule: decision.deny?.rule ?? '' };
}

/** Equal keys ⇔ the same route and primary model, or the same denial code and rule. */
export const sideKey = (side: Side): string =>
  side.kind === 'route' ? `route\u0000${side.route}\u0000${side.model}` : `deny\u0000${side.code}\u0000${side.rule}`;

/** `model` via `route`, or `denied (code, rule)`; markdown wraps names in backticks. */
export function sideLabel(side: Side, style: 'text' | 'markdown' = 'text'): string {
  const q = (s: string): string => (style === 'markdown' ? `\`${s}\`` : s);
  if (side.kind === 'route') return `${q(side.model)} via ${q(side.route)}`;
  return side.rule === '' ? `denied ${q(side.code)}` : `denied ${q(side.code)} by ${q(side.rule)}`;
}

/** The fallbacks after the primary, as model names. */
export const fallbacksOf = (decision: Decision): string => decision.candidates.slice(1).map((c) => c.model).join(',');
