// `Test` documents: decide the request under the given budget state and compare every expected field.
import { ruleId, type PolicySet, type SourceLocation, type TestEntry } from '../policy/model.js';
import { budgetStateFromPercents, decide, type DecisionGraph } from '../engine/index.js';
import type { Decision, RequestContext } from '../engine/types.js';
import { explainCommand } from './reproduce.js';

export interface Mismatch {
  readonly field: 'model' | 'provider' | 'route' | 'fallbacks' | 'deny';
  readonly expected: string;
  readonly actual: string;
  /** Where the expectation is written. */
  readonly source: SourceLocation;
}

export interface TestResult {
  readonly name: string;
  readonly rule: string;
  readonly source: SourceLocation;
  readonly ok: boolean;
  readonly mismatches: readonly Mismatch[];
  readonly decision: Decision;
  readonly command: string;
}

const show = (v: string | undefined): string => (v === undefined ? '(none)' : v);
const showList = (xs: readonly string[]): string => `[${xs.join(', ')}]`;

export function testContext(entry: TestEntry): RequestContext {
  const r = entry.spec.request;
  const ctx: RequestContext = { team: r.team, model: r.model };
  if (r.dataClass !== undefined) ctx.dataClass = r.dataClass;
  if (r.task !== undefined) ctx.task = r.task;
  if (r.complexity !== undefined) ctx.complexity = r.complexity;
  if (r.promptTokens !== undefined) ctx.promptTokens = r.promptTokens;
  if (r.maxTokens !== undefined) ctx.maxTokens = r.maxTokens;
  if (r.stream !== undefined) ctx.stream = r.stream;
  if (r.features !== undefined) ctx.features = { ...r.features };
  return ctx;
}

export function runPolicyTest(policy: PolicySet, graph: DecisionGraph, entry: TestEntry, policyDir = 'policies'): TestResult {
  const ctx = testContext(entry);
  const budgets = Object.fromEntries(
    Object.entries(entry.spec.budgets ?? {}).filter((e): e is [string, number] => e[1] !== undefined),
  );
  const decision = decide(graph, ctx, budgetStateFromPercents(policy, budgets));
  const expect = entry.spec.expect;
  const primary = decision.candidates[0];
  const mismatches: Mismatch[] = [];
  const at = (field: Mismatch['field']): SourceLocation => entry.locate(`/spec/expect/${field}`);
  const actualOutcome = decision.outcome === 'deny' ? `deny ${decision.deny?.code ?? '?'}` : `route to ${show(primary?.model)}`;

  if (expect.deny !== undefined && decision.deny?.code !== expect.deny) {
    mismatches.push({ field: 'deny', expected: `deny ${expect.deny}`, actual: actualOutcome, source: at('deny') });
  }
  if (expect.model !== undefined && primary?.model !== expect.model) {
    mismatches.push({ field: 'model', expected: expect.model, actual: primary ? primary.model : actualOutcome, source: at('model') });
  }
  if (expect.provider !== undefined && primary?.provider !== expect.provider) {
    mismatches.push({ field: 'provider', expected: expect.provider, actual: primary ? primary.provider : actualOutcome, source: at('provider') });
  }
  if (expect.route !== undefined && decision.route !== expect.route) {
    mismatches.push({ field: 'route', expected: expect.route, actual: show(decision.route), source: at('route') });
  }
  if (expect.fallbacks !== undefined) {
    const actual = decision.candidates.slice(1).map((c) => c.model);
    if (decision.outcome !== 'route' || actual.join('\0') !== expect.fallbacks.join('\0')) {
      mismatches.push({
        field: 'fallbacks',
        expected: showList(expect.fallbacks),
        actual: decision.outcome === 'route' ? showList(actual) : actualOutcome,
        source: at('fallbacks'),
      });
    }
  }
  return {
    name: entry.name,
    rule: ruleId(entry),
    source: entry.source,
    ok: mismatches.length === 0,
    mismatches,
    decision,
    command: explainCommand(policyDir, ctx, budgets),
  };
}

export const runPolicyTests = (policy: PolicySet, graph: DecisionGraph, policyDir?: string): TestResult[] =>
  [...policy.tests.values()].map((t) => runPolicyTest(policy, graph, t, policyDir));
