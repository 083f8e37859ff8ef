// Invariant assertions over one decision: what must hold for every candidate (or that the request is denied).
import type { InvariantAssertion } from '../policy/generated/policy.js';
import { tierRank, type PolicySet } from '../policy/model.js';
import { compileGlob, type GlobMatcher } from '../engine/glob.js';
import type { Decision } from '../engine/types.js';

const q = (s: string): string => `\`${s}\``;

/** An assertion compiled once: returns the first violation as a sentence, or undefined when it holds. */
export type CompiledAssertion = (decision: Decision) => string | undefined;

export function compileAssertion(policy: PolicySet, assert: InvariantAssertion): CompiledAssertion {
  const providers = assert.providers ? new Set<string>(assert.providers) : undefined;
  const notProviders = assert.notProviders ? new Set<string>(assert.notProviders) : undefined;
  const regions: GlobMatcher[] | undefined = assert.regions?.map(compileGlob);
  const maxTier = assert.maxTier;
  const certifications = assert.certifications;
  const zdr = assert.zeroDataRetention;
  const maxPrice = assert.maxPricePerMTok;
  const mustDeny = assert.deny === true;

  return (decision) => {
    if (mustDeny && decision.outcome !== 'deny') {
      return `the request is routed to ${q(decision.candidates[0]?.model ?? '?')} but must be denied`;
    }
    for (const c of decision.candidates) {
      const provider = policy.providers.get(c.provider)?.spec;
      const model = policy.models.get(c.model)?.spec;
      if (!provider || !model) return `candidate ${q(c.model)} is not in the policy`;
      const who = `candidate ${q(c.model)} (provider ${q(c.provider)})`;
      if (providers && !providers.has(c.provider)) return `${who}: provider is not one of ${[...providers].map(q).join(', ')}`;
      if (notProviders?.has(c.provider)) return `${who}: provider is excluded`;
      if (regions) {
        const outside = provider.regions.filter((r) => !regions.some((m) => m(r)));
        if (outside.length > 0) return `${who}: region ${outside.map(q).join(', ')} matches none of ${(assert.regions ?? []).map(q).join(', ')}`;
      }
      if (maxTier && tierRank(model.tier) > tierRank(maxTier)) return `${who}: tier ${q(model.tier)} is above ${q(maxTier)}`;
      if (certifications) {
        const held = new Set(provider.certifications ?? []);
        const missing = certifications.filter((x) => !held.has(x));
        if (missing.length > 0) return `${who}: lacks certification ${missing.map(q).join(', ')}`;
      }
      if (zdr !== undefined && provider.dataPolicy.zeroDataRetention !== zdr) {
        return `${who}: zeroDataRetention is ${provider.dataPolicy.zeroDataRetention}, must be ${zdr}`;
      }
      if (maxPrice !== undefined) {
        const { inputPerMTok, outputPerMTok } = model.pricing;
        if (inputPerMTok > maxPrice || outputPerMTok > maxPrice) {
          return `${who}: price ${inputPerMTok}/${outputPerMTok} USD per MTok exceeds ${maxPrice}`;
        }
      }
    }
    return undefined;
  };
}
