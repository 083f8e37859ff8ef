// What a request itself needs of a model, from the features the proxy recorded: tools need the `tools`
// capability, images `vision`, JSON mode `json`. The capability step requires these on top of the route's
// `requires.capabilities`. A request's needs are a 3-bit mask, part of its decision class.
import type { Capability } from '../policy/generated/policy.js';
import type { RequestFeatures } from './types.js';

export interface RequestNeed {
  readonly bit: number;
  readonly feature: 'tools' | 'images' | 'jsonMode';
  readonly capability: Capability;
  /** How the trace says what the request does. */
  readonly uses: string;
}

export const REQUEST_NEEDS: readonly RequestNeed[] = Object.freeze([
  { bit: 1, feature: 'tools', capability: 'tools', uses: 'tools' },
  { bit: 2, feature: 'images', capability: 'vision', uses: 'images' },
  { bit: 4, feature: 'jsonMode', capability: 'json', uses: 'JSON mode' },
]);

/** Number of distinct need masks. */
export const NEED_MASKS = 1 << REQUEST_NEEDS.length;

/** The request's needs as a mask; only a feature that is exactly `true` needs anything. */
export function needMask(features: RequestFeatures | undefined): number {
  if (typeof features !== 'object' || features === null) return 0;
  let mask = 0;
  for (const n of REQUEST_NEEDS) if (features[n.feature] === true) mask |= n.bit;
  return mask;
}

export const needsOf = (mask: number): readonly RequestNeed[] => REQUEST_NEEDS.filter((n) => (mask & n.bit) !== 0);
