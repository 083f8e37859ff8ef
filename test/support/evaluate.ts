// Decide with both evaluators and insist they agree, so every example test checks the compiled engine and the
// reference evaluator at once.
import { expect } from 'vitest';
import { compile, decide, referenceDecide, type BudgetState, type Decision, type RequestContext } from '../../src/engine/index.js';
import type { PolicySet } from '../../src/policy/model.js';

export type Evaluate = (ctx: RequestContext, budgets?: BudgetState) => Decision;

export function evaluator(policy: PolicySet): Evaluate {
  const graph = compile(policy);
  return (ctx, budgets) => {
    const expected = referenceDecide(policy, ctx, budgets);
    expect(decide(graph, ctx, budgets)).toStrictEqual(expected);
    expect(decide(graph, ctx, budgets)).toStrictEqual(expected);
    return expected;
  };
}

export const models = (d: Decision): string[] => d.candidates.map((c) => c.model);
export const steps = (d: Decision, step: string): { rule?: string; effect: string; detail: string }[] =>
  d.trace.filter((s) => s.step === step).map(({ rule, effect, detail }) => (rule === undefined ? { effect, detail } : { rule, effect, detail }));
