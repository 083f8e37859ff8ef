// A small organisation exercising every engine step, shared by the engine's example tests.
import type { PolicySet } from '../../src/policy/model.js';
import { buildPolicy, model, provider, route, team, type PolicyInput } from './policy-builder.js';

export function fixtureInput(): PolicyInput {
  return {
    organization: {
      name: 'acme',
      spec: {
        dataClasses: ['public', 'internal', 'confidential', 'pii-eu', 'phi'],
        tasks: ['general', 'code', 'chat', 'summarize'],
        modelAliases: ['auto'],
        defaults: { dataClass: 'internal', task: 'general' },
      },
    },
    providers: [
      provider('openai', { certifications: ['soc2', 'gdpr-dpa'] }),
      provider('anthropic', {
        regions: ['us-east-1', 'us-west-2'],
        dataPolicy: { zeroDataRetention: true, trainsOnData: false, retentionDays: 0 },
        certifications: ['soc2', 'hipaa-baa'],
      }),
      provider('azure-eu', { regions: ['eu-north-1'], certifications: ['soc2', 'gdpr-dpa', 'hipaa-baa'] }),
      provider('mistral', { regions: ['eu-west-3'], certifications: ['soc2', 'gdpr-dpa'] }),
    ],
    models: [
      model('mini', 'openai', { tier: 'small', pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 }, contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: ['tools', 'vision', 'json'] }),
      model('big', 'openai', { tier: 'large', pricing: { inputPerMTok: 2, outputPerMTok: 8 }, contextWindow: 1_000_000, maxOutputTokens: 32_768, capabilities: ['tools', 'vision', 'json'] }),
      model('haiku', 'anthropic', { tier: 'small', pricing: { inputPerMTok: 0.8, outputPerMTok: 4 }, contextWindow: 200_000, maxOutputTokens: 8_192, capabilities: ['tools', 'vision'] }),
      model('sonnet', 'anthropic', { tier: 'large', pricing: { inputPerMTok: 3, outputPerMTok: 15 }, contextWindow: 200_000, maxOutputTokens: 64_000, capabilities: ['tools', 'vision', 'json', 'reasoning'] }),
      model('eu-mini', 'azure-eu', { tier: 'small', pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 }, contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: ['tools', 'json'] }),
      model('mistral-small', 'mistral', { tier: 'small', pricing: { inputPerMTok: 0.2, outputPerMTok: 0.6 }, contextWindow: 32_000, maxOutputTokens: 8_192, capabilities: ['tools', 'json'] }),
    ],
    teams: [
      team('support', ['public', 'internal', 'pii-eu'], { region: 'eu', tier: 'gold' }),
      team('eng', ['public', 'internal', 'confidential'], { region: 'us' }),
      team('clinical', ['internal', 'phi'], undefined, 'phi'),
    ],
    routes: [
      route('default', { priority: 0, targets: [{ model: 'mini' }, { model: 'haiku' }] }),
      route('code', { priority: 10, match: { tasks: ['code'] }, strategy: 'cheapest', targets: [{ model: 'big' }, { model: 'sonnet' }, { model: 'mini' }] }),
      route('eu-support', {
        priority: 20,
        match: { teams: ['support'], dataClasses: ['pii-eu'] },
        targets: [{ model: 'eu-mini' }, { model: 'mistral-small' }, { model: 'mini' }],
      }),
      route('clinical', { priority: 30, match: { dataClasses: ['phi'] }, targets: [{ model: 'sonnet' }, { model: 'haiku' }, { model: 'eu-mini' }] }),
      route('experiment', {
        priority: 5,
        match: { teamLabels: { region: 'us' }, models: ['auto'] },
        strategy: 'weighted',
        targets: [
          { model: 'mini', weight: 70 },
          { model: 'haiku', weight: 30 },
        ],
      }),
      route('long', {
        priority: 15,
        match: { promptTokens: { gte: 50_000 } },
        requires: { capabilities: ['json'] },
        targets: [{ model: 'big' }, { model: 'haiku' }, { model: 'sonnet' }],
      }),
    ],
    vettings: [
      { name: 'phi-zdr', spec: { match: { dataClasses: ['phi'] }, require: { zeroDataRetention: true, certifications: ['hipaa-baa'] } } },
      { name: 'no-trainers', spec: { require: { trainsOnData: false } } },
      { name: 'confidential-small', spec: { match: { dataClasses: ['confidential'] }, maxTier: 'small', enforcement: 'monitor' } },
    ],
    residencies: [{ name: 'eu-only', spec: { match: { dataClasses: ['pii-eu'] }, allowRegions: ['eu-*'] } }],
    budgets: [
      {
        name: 'eng-monthly',
        spec: {
          match: { teams: ['eng'] },
          per: 'team',
          window: 'month',
          limitUsd: 1000,
          thresholds: [
            { atPercent: 50, action: 'alert' },
            { atPercent: 80, action: 'downgrade', maxTier: 'small' },
            { atPercent: 100, action: 'deny' },
          ],
        },
      },
      { name: 'shared-large', spec: { match: { models: ['big', 'sonnet'] }, per: 'shared', window: 'day', limitUsd: 100 } },
    ],
  };
}

export const fixturePolicy = (): PolicySet => buildPolicy(fixtureInput());
