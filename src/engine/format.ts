// A decision for people (text) or programs (json). Used by `explain`, and by `test`/`dry-run` to show why.
import type { Decision } from './types.js';

function textForm(d: Decision): string {
  const lines: string[] = [];
  lines.push(`outcome: ${d.outcome}`);
  if (d.route !== undefined) lines.push(`route:   ${d.route}`);
  if (d.deny !== undefined) {
    lines.push(`deny:    ${d.deny.code}`);
    lines.push(`message: ${d.deny.message}`);
    if (d.deny.rule !== undefined) lines.push(`rule:    ${d.deny.rule}`);
  }
  if (d.candidates.length > 0) {
    lines.push('candidates:');
    const width = Math.max(...d.candidates.map((c) => c.model.length));
    d.candidates.forEach((c, i) => {
      const role = i === 0 ? 'primary' : 'fallback';
      lines.push(`  ${i + 1}. ${c.model.padEnd(width)}  ${role.padEnd(8)}  provider ${c.provider}, upstream model ${c.upstreamModel}`);
    });
  }
  lines.push(`policy version: ${d.policyVersion}`);
  lines.push('trace:');
  const numberWidth = String(d.trace.length).length;
  const stepWidth = Math.max(...d.trace.map((s) => s.step.length), 0);
  const effectWidth = Math.max(...d.trace.map((s) => s.effect.length), 0);
  d.trace.forEach((s, i) => {
    const where = s.rule === undefined ? '' : `  ${s.rule}${s.source === undefined ? '' : ` (${s.source})`}`;
    lines.push(`  ${String(i + 1).padStart(numberWidth)}. ${s.step.padEnd(stepWidth)}  ${s.effect.padEnd(effectWidth)}${where}`);
    lines.push(`  ${' '.repeat(numberWidth)}  ${s.detail}`);
  });
  return `${lines.join('\n')}\n`;
}

/** Render a decision: `text` is indented and readable, `json` is the Decision shape (schema/decision.schema.json). */
export function formatDecision(decision: Decision, format: 'text' | 'json'): string {
  switch (format) {
    case 'text':
      return textForm(decision);
    case 'json':
      return `${JSON.stringify(decision, null, 2)}\n`;
    default: {
      const unknown: never = format;
      throw new Error(`unknown decision format ${String(unknown)}`);
    }
  }
}
