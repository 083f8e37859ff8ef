import { describe, expect, it } from 'vitest';
import { analyze, docs, only, spot } from './fixture.js';

// support reaches `small` (ordered first) and `big`; clinic's phi requests go to `big` only.
const ROUTES = docs(
  'Route',
  ['default', 'priority: 0\ntargets: [{ model: small }, { model: big }]'],
  ['phi', 'priority: 5\nmatch: { dataClasses: [phi] }\ntargets: [{ model: big }]'],
);
const budget = (name: string, match: string): [string, string] => [name, `match: ${match}\nper: team\nwindow: month\nlimitUsd: 100`];

describe('budget_matches_nothing', () => {
  it('reports a budget whose models its teams are never sent to, at `models`', () => {
    const budgets = docs('Budget', budget('gratis-spend', '{ teams: [support, clinic], models: [gratis] }'));
    const d = only(analyze({ 'routes.yaml': ROUTES, 'budgets.yaml': budgets }).diagnostics, 'budget_matches_nothing');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('budgets.yaml', budgets, 'models'));
    expect(d).toMatchObject({ severity: 'warning', pointer: '/spec/match/models' });
    expect(d.message).toBe('budget `gratis-spend` counts no spend: no request of its teams is ever sent to a model it names (they can be sent to `small`, `big`)');
  });

  it('reports a budget whose providers serve none of the models its teams reach, at `providers`', () => {
    const budgets = docs('Budget', budget('free-spend', '{ providers: [free] }'));
    const d = only(analyze({ 'routes.yaml': ROUTES, 'budgets.yaml': budgets }).diagnostics, 'budget_matches_nothing');
    expect(`${d.file}:${d.line}:${d.col}`).toBe(spot('budgets.yaml', budgets, 'providers'));
  });

  it('reports a budget whose models and providers contradict each other', () => {
    const budgets = docs('Budget', budget('mixed', '{ models: [small], providers: [eu] }'));
    const d = only(analyze({ 'routes.yaml': ROUTES, 'budgets.yaml': budgets }).diagnostics, 'budget_matches_nothing');
    expect(d.message).toContain('a model it names from the providers it names');
  });

  it('counts only models left after filters: a model removed for every request of the team is not spend', () => {
    const rules = docs('Vetting', ['clinic-zdr', 'match: { teams: [clinic] }\nrequire: { zeroDataRetention: true }']);
    const budgets = docs('Budget', budget('clinic-small', '{ teams: [clinic], models: [small] }'));
    const d = only(analyze({ 'routes.yaml': ROUTES, 'rules.yaml': rules, 'budgets.yaml': budgets }).diagnostics, 'budget_matches_nothing');
    expect(d.message).toContain('(they can be sent to `big`)');
  });

  it('does not report budgets that some request of their teams can spend', () => {
    const budgets = docs(
      'Budget',
      budget('support-small', '{ teams: [support], models: [small] }'),
      budget('eu', '{ providers: [eu] }'),
      budget('everything', '{ teams: [clinic] }'),
    );
    expect(analyze({ 'routes.yaml': ROUTES, 'budgets.yaml': budgets }).diagnostics).toEqual([]);
  });
});
