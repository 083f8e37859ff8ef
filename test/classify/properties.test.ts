// Classification is deterministic and always lands in the vocabulary: for arbitrary request bodies (either
// API, any mix of roles, text, code, keywords, tools, images) against the example policy, and for arbitrary
// Classifiers against arbitrary recorded features. Features never carry text from the body.
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyBody, compileClassifier, type BodyProtocol } from '../../src/classify/index.js';
import { compile, decide } from '../../src/engine/index.js';
import { loadPolicy } from '../../src/policy/index.js';
import { classifierSpec, recordedFeatures } from '../support/classifier-arbitrary.js';
import { buildPolicy, DEFAULT_ORGANIZATION } from '../support/policy-builder.js';

const root = resolve(import.meta.dirname, '../..');
const loaded = await loadPolicy(resolve(root, 'policies'), { cwd: root, env: {} });
if (!loaded.ok) throw new Error('policies/ does not load');
const policy = loaded.policy;
const COMPLEXITIES = ['low', 'medium', 'high'];

const WORDS = ['how', 'do', 'I', 'reset', 'password', 'contract', 'Indemnification', 'summarise', 'TL;DR', 'traceback', 'refactoring', 'the', 'balance', 'sheet', 'Zyxwv'];
const LINES = ['const x = 1;', '```', '    return y', 'def f():', '}', '- item'];
const text = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.constantFrom(...LINES).map((l) => `\n${l}\n`) }), { maxLength: 60 })
  .map((ws) => ws.join(' '));
const content = fc.oneof(
  text,
  fc.array(fc.oneof(text.map((t) => ({ type: 'text', text: t })), fc.constant({ type: 'image_url', image_url: { url: 'data:,' } }), fc.constant({ type: 'image', source: { type: 'url', url: 'https://x' } })), { maxLength: 3 }),
);
const message = fc.record({ role: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'), content });
const body = fc.record(
  {
    model: fc.constant('auto'),
    system: content,
    messages: fc.array(message, { maxLength: 12 }),
    max_tokens: fc.oneof(fc.integer({ min: 1, max: 9000 }), fc.constant(-1)),
    tools: fc.constantFrom([], [{ type: 'function', function: { name: 'f' } }]),
    response_format: fc.constantFrom({ type: 'json_object' }, { type: 'text' }),
  },
  { requiredKeys: ['model', 'messages'] },
);

describe('classification of request bodies (example policy)', () => {
  it('is deterministic, in the vocabulary, and the same through decide', () => {
    const graph = compile(policy);
    const again = compile(policy);
    fc.assert(
      fc.property(body, fc.constantFrom<BodyProtocol>('openai', 'anthropic'), (b, protocol) => {
        const first = classifyBody(policy, b, protocol);
        const second = classifyBody(policy, structuredClone(b), protocol);
        expect(second).toEqual(first);
        expect(policy.organization.spec.tasks).toContain(first.task);
        if (first.complexity !== undefined) expect(COMPLEXITIES).toContain(first.complexity);
        // Keyword hits are configured keywords, never words of the body that no rule names.
        expect(JSON.stringify(first.features)).not.toContain('Zyxwv');

        const ctx = { team: 'engineering', dataClass: 'internal', model: 'auto', features: first.features };
        const decision = decide(graph, ctx);
        expect(decide(again, structuredClone(ctx))).toStrictEqual(decision);
        const step = decision.trace.find((s) => s.step === 'context')!;
        expect(step.effect).toBe('classify');
        expect(step.detail).toContain(`task \`${first.task}\``);
        expect(step.detail).toContain(first.complexity === undefined ? 'no complexity' : `complexity \`${first.complexity}\``);
      }),
      { numRuns: 400 },
    );
  });
});

describe('compiled Classifiers', () => {
  it('pick the same outcome for the same features, always a task of the vocabulary', () => {
    const tasks = DEFAULT_ORGANIZATION.spec.tasks;
    fc.assert(
      fc.property(classifierSpec(tasks), fc.array(recordedFeatures, { minLength: 1, maxLength: 10 }), (spec, features) => {
        const entry = buildPolicy({ classifiers: [{ name: 'c', spec }] }).classifiers.get('c')!;
        const a = compileClassifier(entry);
        const b = compileClassifier(entry);
        for (const f of features) {
          const i = a.match(f, {});
          expect(b.match(structuredClone(f), {})).toBe(i);
          expect(i).toBeGreaterThanOrEqual(0);
          expect(i).toBeLessThanOrEqual(spec.rules.length);
          const rule = a.rules[i];
          const task = rule?.task ?? a.fallback.task;
          if (task !== undefined) expect(tasks).toContain(task);
          const complexity = rule?.complexity ?? a.fallback.complexity;
          if (complexity !== undefined) expect(COMPLEXITIES).toContain(complexity);
          // First match wins: no earlier rule holds.
          for (const earlier of a.rules.slice(0, i)) expect(earlier.holds(f, {})).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
