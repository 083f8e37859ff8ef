// Classifier analysis: rules that can never fire (an earlier rule holds whenever they hold) and the tasks and
// complexities Routes match on that the Classifier never sets — each at its exact line:col, with near misses
// that must stay silent.
import { describe, expect, it } from 'vitest';
import { keywordImplies, whenImplies } from '../../src/analyze/classifier.js';
import { analyze, docs, spot, where } from './fixture.js';

const ROUTE = docs('Route', ['default', 'priority: 0\ntargets: [{ model: big }]']);

describe('classifier_rule_unreachable', () => {
  const rules = [
    'rules:',
    '  - { name: refactors, when: { userKeywords: ["refactor*"], promptTokens: { gte: 100 } }, task: code }',
    '  - { name: narrower, when: { userKeywords: [Refactoring], promptTokens: { gte: 500, lt: 900 }, tools: true }, task: chat }',
    '  - { name: no-bound, when: { userKeywords: [refactoring] }, task: chat }',
    '  - { name: dense, when: { codeDensity: { gt: 0.5 } } }',
    '  - { name: dense-or-half, when: { codeDensity: { gte: 0.5 } } }',
    '  - { name: denser, when: { codeDensity: { gte: 0.6 }, turns: { lt: 3 } } }',
    '  - { when: { systemKeywords: ["terms of service"] } }',
    '  - { name: or-privacy, when: { systemKeywords: ["Terms-of-Service", privacy] } }',
    '  - { name: longer-phrase, when: { systemKeywords: ["the terms of service apply"] } }',
    '  - { name: never, when: { turns: { gt: 5, lt: 3 } } }',
  ].join('\n');
  const classifier = docs('Classifier', ['by-content', rules]);

  it('reports each rule an earlier reachable rule implies, at the rule, naming the earlier one', () => {
    const { diagnostics } = analyze({ 'routes.yaml': ROUTE, 'classifier.yaml': classifier });
    const unreachable = diagnostics.filter((d) => d.code === 'classifier_rule_unreachable');
    expect(unreachable.map((d) => [`${d.file}:${d.line}:${d.col}`, d.pointer, d.severity])).toEqual([
      [spot('classifier.yaml', classifier, '{ name: narrower'), '/spec/rules/1', 'warning'],
      [spot('classifier.yaml', classifier, '{ name: denser'), '/spec/rules/5', 'warning'],
      [spot('classifier.yaml', classifier, '{ name: longer-phrase'), '/spec/rules/8', 'warning'],
    ]);
    expect(unreachable[0]?.message).toBe(
      `classifier rule \`narrower\` never fires: rule \`refactors\` (classifier.yaml:${spot('classifier.yaml', classifier, '{ name: refactors').split(':')[1]}) comes first and holds for every request this rule holds for; reorder the rules or narrow the earlier one`,
    );
    expect(unreachable[1]?.message).toContain('rule `denser` never fires: rule `dense` (');
    expect(unreachable[2]?.message).toContain('rule `longer-phrase` never fires: rule #7 (');
    // A rule whose range holds for nothing is reported once, as an empty range.
    expect(where(diagnostics, 'empty_range')).toHaveLength(1);
  });

  it('reports every rule after one without conditions, and nothing in a Classifier whose rules are disjoint', () => {
    const catchAll = docs('Classifier', ['c', 'rules:\n  - { name: all, when: {}, task: chat }\n  - { name: after, when: { tools: true }, task: code }']);
    expect(where(analyze({ 'routes.yaml': ROUTE, 'classifier.yaml': catchAll }).diagnostics, 'classifier_rule_unreachable')).toEqual([spot('classifier.yaml', catchAll, '{ name: after')]);
    const disjoint = docs('Classifier', ['c', 'rules:\n  - { when: { tools: true }, task: code }\n  - { when: { tools: false }, task: chat }\n  - { when: { images: true } }']);
    expect(analyze({ 'routes.yaml': ROUTE, 'classifier.yaml': disjoint }).diagnostics).toEqual([]);
  });
});

describe('condition implication', () => {
  it('holds for keywords whose words contain the earlier keyword\'s, word by word', () => {
    expect(keywordImplies('refactoring', 'refactor*')).toBe(true);
    expect(keywordImplies('the terms of service apply', 'terms of service')).toBe(true);
    expect(keywordImplies('terms of service', 'terms * service')).toBe(true);
    expect(keywordImplies('refactor*', 'refactoring')).toBe(false);
    expect(keywordImplies('terms', 'terms of service')).toBe(false);
    expect(keywordImplies('colo*r', 'colo*r')).toBe(true);
    expect(keywordImplies('anything', '*')).toBe(true);
  });

  it('holds for ranges inside ranges, the same flags, and a missing condition only in the earlier rule', () => {
    expect(whenImplies({ turns: { gt: 2, lte: 4 } }, { turns: { gte: 3 } })).toBe(true);
    expect(whenImplies({ turns: { gte: 2 } }, { turns: { gte: 3 } })).toBe(false);
    // An absent feature fails a bound, so a rule without the bound is not covered by one with it.
    expect(whenImplies({}, { maxTokens: { gte: 0 } })).toBe(false);
    expect(whenImplies({ codeDensity: { gt: 0.3 } }, { codeDensity: { gte: 0.3 } })).toBe(true);
    expect(whenImplies({ codeDensity: { gte: 0.3 } }, { codeDensity: { gt: 0.3 } })).toBe(false);
    expect(whenImplies({ tools: false, jsonMode: true }, { tools: false })).toBe(true);
    expect(whenImplies({ jsonMode: true }, { tools: false })).toBe(false);
    expect(whenImplies({ userKeywords: ['a', 'b'] }, { userKeywords: ['b', 'a', 'c'] })).toBe(true);
    expect(whenImplies({ userKeywords: ['a', 'd'] }, { userKeywords: ['a'] })).toBe(false);
  });
});

describe('classifier_never_sets', () => {
  const classifier = docs('Classifier', [
    'c',
    'rules:\n  - { name: code, when: { codeDensity: { gte: 0.3 } }, task: code, complexity: medium }\n  - { name: again, when: { codeDensity: { gte: 0.5 } }, task: chat, complexity: high }',
  ]);

  it('reports route tasks and complexities no reachable rule or default sets, at the first one', () => {
    const routes = docs(
      'Route',
      ['default', 'priority: 0\ntargets: [{ model: big }]'],
      ['chatty', 'priority: 5\nmatch: { tasks: [code, chat] }\ntargets: [{ model: big }]'],
      ['hard', 'priority: 6\nmatch: { complexity: [medium, high, low] }\ntargets: [{ model: big }]'],
      ['fine', 'priority: 7\nmatch: { tasks: [general], complexity: [medium] }\ntargets: [{ model: big }]'],
    );
    const { diagnostics } = analyze({ 'routes.yaml': routes, 'classifier.yaml': classifier });
    const found = diagnostics.filter((d) => d.code === 'classifier_never_sets');
    expect(found.map((d) => [`${d.file}:${d.line}:${d.col}`, d.pointer])).toEqual([
      [spot('routes.yaml', routes, 'chat] }', 1), '/spec/match/tasks/1'],
      [spot('routes.yaml', routes, 'high, low', 1), '/spec/match/complexity/1'],
    ]);
    // `again` never fires (it is reported as unreachable), so `chat` and `high` are never set.
    expect(found[0]?.message).toBe(
      'route `chatty` matches task `chat`, which Classifier `c` never sets (it sets only `code`, `general`): only callers that send `x-switchyard-task` reach the route with it',
    );
    expect(found[1]?.message).toBe('route `hard` matches complexities `high`, `low`, which Classifier `c` never sets (it sets only `medium`): no live request reaches the route with them');
  });

  it('says when no team the route matches may send a task header', () => {
    const teams = docs('Team', ['support', 'keys: []\nallowTaskHeader: false\ndataClasses: { allowed: [public, internal], default: internal }']);
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: big }]'], ['chat', 'priority: 5\nmatch: { tasks: [chat] }\ntargets: [{ model: big }]']);
    const { diagnostics } = analyze({ 'teams.yaml': teams, 'routes.yaml': routes, 'classifier.yaml': classifier });
    expect(diagnostics.find((d) => d.code === 'classifier_never_sets')?.message).toContain('): no team the route matches may send `x-switchyard-task` either, so no live request reaches the route with it');
  });

  it('reports a route matching complexity in a policy without a Classifier, and no task check then', () => {
    const routes = docs('Route', ['default', 'priority: 0\ntargets: [{ model: big }]'], ['hard', 'priority: 5\nmatch: { tasks: [chat], complexity: [high] }\ntargets: [{ model: big }]']);
    const { diagnostics } = analyze({ 'routes.yaml': routes });
    expect(where(diagnostics, 'classifier_never_sets')).toEqual([spot('routes.yaml', routes, 'high]')]);
    expect(diagnostics.find((d) => d.code === 'classifier_never_sets')?.message).toBe(
      'route `hard` matches on complexity but the policy has no Classifier: no live request has a complexity (callers cannot declare one), so only Tests and `explain` reach the route',
    );
  });
});
