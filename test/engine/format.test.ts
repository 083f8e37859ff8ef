// formatDecision: json is the Decision shape (valid against schema/decision.schema.json); text is readable.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, decide, formatDecision } from '../../src/engine/index.js';
import { buildPolicy } from '../support/policy-builder.js';
import { fixturePolicy } from '../support/engine-fixture.js';
import { scenario, spendState } from '../support/policy-arbitrary.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/decision.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

describe('formatDecision', () => {
  it('renders json that parses back to the decision and conforms to the Decision schema', () => {
    fc.assert(
      fc.property(scenario, ({ input, requests, spend }) => {
        const policy = buildPolicy(input);
        const graph = compile(policy);
        for (const ctx of requests) {
          const d = decide(graph, ctx, spendState(policy, spend));
          const parsed: unknown = JSON.parse(formatDecision(d, 'json'));
          expect(parsed).toStrictEqual(JSON.parse(JSON.stringify(d)));
          expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('renders text: outcome, route, candidates primary first, then the numbered trace with file:line', () => {
    const d = decide(compile(fixturePolicy()), { team: 'support', model: 'auto', dataClass: 'pii-eu' });
    expect(formatDecision(d, 'text')).toBe(
      [
        'outcome: route',
        'route:   eu-support',
        'candidates:',
        '  1. eu-mini        primary   provider azure-eu, upstream model eu-mini-upstream',
        '  2. mistral-small  fallback  provider mistral, upstream model mistral-small-upstream',
        'policy version: test-version',
        'trace:',
        '  1. admit      allow    Team/support (policies/teams.yaml:1)',
        '     team `support` may declare data class `pii-eu`',
        '  2. context    resolve  Organization/acme (policies/organizations.yaml:1)',
        '     data class `pii-eu` (declared), task `general` (organization default), no complexity, stream false',
        '  3. route      match    Route/eu-support (policies/routes.yaml:21)',
        '     priority 20, matches team `support`; data class `pii-eu`',
        '  4. order      order    Route/eu-support (policies/routes.yaml:21)',
        '     ordered: `eu-mini`, `mistral-small`, `mini`',
        '  5. vetting    pass     Vetting/no-trainers (policies/vettings.yaml:11)',
        '     every remaining target complies',
        '  6. residency  remove   Residency/eu-only (policies/residencies.yaml:1)',
        '     `mini` (provider `openai`): region `us-east-1` matches none of `eu-*`',
        '  7. result     route    Route/eu-support (policies/routes.yaml:21)',
        '     primary `eu-mini` (provider `azure-eu`), fallback `mistral-small`',
        '',
      ].join('\n'),
    );
  });

  it('renders a denial with its code, message and rule', () => {
    const text = formatDecision(decide(compile(fixturePolicy()), { team: 'support', model: 'x', dataClass: 'phi' }), 'text');
    expect(text.split('\n').slice(0, 4)).toEqual([
      'outcome: deny',
      'deny:    data_class_not_allowed',
      'message: team `support` may not declare data class `phi` (allowed: `public`, `internal`, `pii-eu`)',
      'rule:    Team/support',
    ]);
    expect(text).not.toContain('candidates:');
  });
});
