// Golden requests for the example Classifier (policies/classifier.yaml): one real body per rule and one for the
// default, in test/classify/fixtures/. Each must fire its rule, give its task and complexity — through
// `classifyBody` (what `switchyard classify` prints) and through `decide` on a context carrying the features
// (what the proxy does), whose context step names the rule at its file:line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyBody, type BodyProtocol } from '../../src/classify/index.js';
import { compile, decide, referenceDecide } from '../../src/engine/index.js';
import { loadPolicy, type PolicySet } from '../../src/policy/index.js';

interface Golden {
  protocol: BodyProtocol;
  expect: { rule: string | null; task: string; complexity: string | null };
  body: Record<string, unknown>;
}

const root = resolve(import.meta.dirname, '../..');
const loaded = await loadPolicy(resolve(root, 'policies'), { cwd: root, env: {} });
if (!loaded.ok) throw new Error('policies/ does not load');
const policy: PolicySet = loaded.policy;
const graph = compile(policy);
const classifier = [...policy.classifiers.values()][0]!;

const dir = join(import.meta.dirname, 'fixtures');
const goldens = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Golden] as const);

describe('golden requests of the example Classifier', () => {
  it('cover every rule and the default', () => {
    const covered = new Set(goldens.map(([, g]) => g.expect.rule));
    expect([...covered].sort((a, b) => String(a).localeCompare(String(b)))).toEqual(
      [...classifier.spec.rules.map((r) => r.name ?? null), null].sort((a, b) => String(a).localeCompare(String(b))),
    );
  });

  it.each(goldens)('%s', (_, g) => {
    const result = classifyBody(policy, g.body, g.protocol);
    expect(result.rule?.name ?? null).toBe(g.expect.rule);
    expect(result.task).toBe(g.expect.task);
    expect(result.complexity ?? null).toBe(g.expect.complexity);

    // The proxy's path: the features in the context, no task declared.
    const ctx = { team: 'engineering', dataClass: 'internal', model: 'auto', promptTokens: result.features.promptTokens, features: result.features };
    const decision = decide(graph, ctx);
    expect(decision).toStrictEqual(referenceDecide(policy, ctx));
    const step = decision.trace.find((s) => s.step === 'context')!;
    expect(step.rule).toBe('Classifier/by-content');
    expect(step.effect).toBe('classify');
    const index = classifier.spec.rules.findIndex((r) => r.name === g.expect.rule);
    const at = classifier.locate(index < 0 ? '/spec/default' : `/spec/rules/${index}`);
    expect(step.source).toBe(`${at.file}:${at.line}`);
    expect(step.detail).toContain(`task \`${g.expect.task}\``);
    expect(step.detail).toContain(g.expect.complexity === null ? 'no complexity' : `complexity \`${g.expect.complexity}\` (classifier)`);
  });
});
