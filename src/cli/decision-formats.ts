// `explain --format markdown|github`: one decision as a pull-request comment (headline, candidates, the trace
// as a table) or as one GitHub workflow annotation (a notice for a route, a warning for a denial).
import type { Decision, RequestContext } from '../engine/index.js';
import { workflowCommand } from '../verify/github.js';
import { code, markdownTable } from '../verify/present.js';

function headline(d: Decision): string {
  if (d.outcome === 'deny') return `denied with ${code(d.deny?.code ?? 'deny')}${d.deny?.rule === undefined ? '' : ` by ${code(d.deny.rule)}`}`;
  const primary = d.candidates[0];
  return `route ${code(d.route ?? '?')}${primary === undefined ? '' : ` → ${code(primary.model)}`}`;
}

export function decisionMarkdown(d: Decision, ctx: RequestContext): string {
  const out = [`### Switchyard explain: ${headline(d)}`, '', `Request: ${code(JSON.stringify(ctx))}`, ''];
  if (d.deny !== undefined) out.push(`**${d.deny.code}**: ${d.deny.message}`, '');
  if (d.candidates.length > 0) {
    const rows = d.candidates.map((c, i) => [String(i + 1), code(c.model), i === 0 ? 'primary' : 'fallback', code(c.provider), code(c.upstreamModel)]);
    out.push(...markdownTable(['#', 'model', 'role', 'provider', 'upstream model'], rows), '');
  }
  const trace = d.trace.map((s, i) => [
    String(i + 1),
    s.step,
    s.effect,
    s.rule === undefined ? '' : code(s.rule),
    s.source === undefined ? '' : code(s.source),
    s.detail,
  ]);
  out.push(...markdownTable(['#', 'step', 'effect', 'rule', 'source', 'detail'], trace), '', `Policy version ${code(d.policyVersion)}.`, '');
  return out.join('\n');
}

export function decisionGithub(d: Decision): string {
  if (d.outcome === 'deny') {
    const rule = d.deny?.rule === undefined ? '' : ` (decided by ${d.deny.rule})`;
    return `${workflowCommand({ level: 'warning', title: `switchyard explain: ${d.deny?.code ?? 'deny'}`, message: `${d.deny?.message ?? 'denied'}${rule}` })}\n`;
  }
  const candidates = d.candidates.map((c, i) => `${c.model} (${i === 0 ? 'primary' : 'fallback'}, ${c.provider})`).join(', ');
  return `${workflowCommand({ level: 'notice', title: 'switchyard explain', message: `route ${d.route ?? '?'}: ${candidates}; policy ${d.policyVersion}` })}\n`;
}
