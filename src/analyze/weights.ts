// Weights: a weighted route whose weights sum to 0 has no sticky pick (weighted_zero_weight), and `weight` or
// `stickyKey` on a route that is not weighted does nothing (weight_ignored, sticky_key_ignored).
import { diagnostic } from '../policy/diagnostic.js';
import type { PolicySet, RouteEntry } from '../policy/model.js';
import type { Diagnostic } from '../errors.js';

const q = (s: string): string => `\`${s}\``;

function checkStickyKey(r: RouteEntry): Diagnostic | undefined {
  const strategy = r.spec.strategy ?? 'ordered';
  if (strategy === 'weighted' || r.spec.stickyKey === undefined) return undefined;
  const message = `\`stickyKey\` is set on route ${q(r.name)} but its strategy is ${q(strategy)}, which makes no sticky pick; set \`strategy: weighted\` or remove \`stickyKey\``;
  return diagnostic(r.locate('/spec/stickyKey'), '/spec/stickyKey', 'sticky_key_ignored', message);
}

function checkRoute(r: RouteEntry): Diagnostic | undefined {
  const targets = r.spec.targets;
  const strategy = r.spec.strategy ?? 'ordered';
  if (strategy === 'weighted') {
    // A missing weight counts as 1, so the sum is 0 only when every target says `weight: 0`.
    if (targets.reduce((sum, t) => sum + (t.weight ?? 1), 0) > 0) return undefined;
    const message = `every target of weighted route ${q(r.name)} has weight 0, so no request gets a sticky pick; give at least one target a positive weight`;
    return diagnostic(r.locate('/spec/targets'), '/spec/targets', 'weighted_zero_weight', message);
  }
  const first = targets.findIndex((t) => t.weight !== undefined);
  if (first < 0) return undefined;
  const count = targets.filter((t) => t.weight !== undefined).length;
  const pointer = `/spec/targets/${first}/weight`;
  const which = count === 1 ? 'a target' : `${count} targets`;
  const message = `\`weight\` is set on ${which} of route ${q(r.name)} but its strategy is ${q(strategy)}, which ignores weights; set \`strategy: weighted\` or remove the weights`;
  return diagnostic(r.locate(pointer), pointer, 'weight_ignored', message);
}

export function analyzeWeights(policy: PolicySet): Diagnostic[] {
  return [...policy.routes.values()].flatMap((r) => [checkRoute(r), checkStickyKey(r)].filter((d): d is Diagnostic => d !== undefined));
}
