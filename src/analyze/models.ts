// Models on their own: a model that may write more tokens than its whole context window holds has one of the
// two figures wrong: the window counts the prompt and the output together.
import { diagnostic } from '../policy/diagnostic.js';
import type { PolicySet } from '../policy/model.js';
import type { Diagnostic } from '../errors.js';

export function analyzeModels(policy: PolicySet): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of policy.models.values()) {
    const { maxOutputTokens, contextWindow } = m.spec;
    if (maxOutputTokens === undefined || contextWindow === undefined || maxOutputTokens <= contextWindow) continue;
    const message = `model \`${m.name}\` has \`maxOutputTokens\` ${maxOutputTokens} greater than its \`contextWindow\` ${contextWindow}, which holds the prompt and the output together; one of them is wrong`;
    out.push(diagnostic(m.locate('/spec/maxOutputTokens'), '/spec/maxOutputTokens', 'max_output_exceeds_context', message));
  }
  return out;
}
