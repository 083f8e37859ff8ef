// Plain spec objects → PolicySet, with synthetic sources (`policies/<kinds>.yaml`, 10 lines per document) and no
// validation: engine tests and fast-check generators build policies directly instead of writing YAML.
import type {
  BudgetSpec,
  ClassifierSpec,
  ModelSpec,
  OrganizationSpec,
  ProviderSpec,
  ResidencySpec,
  RouteSpec,
  TeamSpec,
  VettingSpec,
} from '../../src/policy/generated/policy.js';
import type { Kind, PolicyEntry, PolicySet, SourceLocation } from '../../src/policy/model.js';

export interface Doc<S> {
  name: string;
  labels?: Record<string, string>;
  spec: S;
}

export interface PolicyInput {
  organization?: Doc<OrganizationSpec>;
  providers?: Doc<ProviderSpec>[];
  models?: Doc<ModelSpec>[];
  teams?: Doc<TeamSpec>[];
  routes?: Doc<RouteSpec>[];
  vettings?: Doc<VettingSpec>[];
  residencies?: Doc<ResidencySpec>[];
  budgets?: Doc<BudgetSpec>[];
  classifiers?: Doc<ClassifierSpec>[];
  version?: string;
}

export const DEFAULT_ORGANIZATION: Doc<OrganizationSpec> = {
  name: 'acme',
  spec: {
    dataClasses: ['public', 'internal', 'confidential'],
    tasks: ['general', 'code', 'chat'],
    defaults: { dataClass: 'internal', task: 'general' },
  },
};

/** Where the builder says a document starts: its kind's file, 10 lines per document, in declaration order. */
export function syntheticSource(kind: Kind, index: number): SourceLocation {
  const file = kind === 'Residency' ? 'residencies' : `${kind.toLowerCase()}s`;
  return { file: `policies/${file}.yaml`, line: 1 + index * 10, col: 1 };
}

function entries<K extends Kind, S>(kind: K, docs: readonly Doc<S>[] | undefined): Map<string, PolicyEntry<K, S>> {
  const out = new Map<string, PolicyEntry<K, S>>();
  (docs ?? []).forEach((d, i) => {
    const source = syntheticSource(kind, i);
    const metadata = d.labels === undefined ? { name: d.name } : { name: d.name, labels: d.labels };
    out.set(d.name, { kind, name: d.name, metadata, spec: d.spec, source, locate: () => source });
  });
  return out;
}

export function buildPolicy(input: PolicyInput): PolicySet {
  const org = input.organization ?? DEFAULT_ORGANIZATION;
  const organization = entries('Organization', [org]).get(org.name);
  if (!organization) throw new Error('unreachable');
  const id = input.version ?? 'test-version';
  return {
    organization,
    providers: entries('Provider', input.providers),
    models: entries('Model', input.models),
    teams: entries('Team', input.teams),
    routes: entries('Route', input.routes),
    vettings: entries('Vetting', input.vettings),
    residencies: entries('Residency', input.residencies),
    budgets: entries('Budget', input.budgets),
    classifiers: entries('Classifier', input.classifiers),
    tests: new Map(),
    invariants: new Map(),
    version: { hash: id, id },
  };
}

// ---- terse document helpers for example tests ----

export const provider = (name: string, spec: Partial<ProviderSpec> = {}): Doc<ProviderSpec> => ({
  name,
  spec: {
    api: 'openai',
    baseUrl: `https://${name}.example/v1`,
    credentials: { env: `${name.toUpperCase().replace(/-/g, '_')}_KEY` },
    regions: ['us-east-1'],
    dataPolicy: { zeroDataRetention: false, trainsOnData: false, retentionDays: 30 },
    ...spec,
  },
});

export const model = (name: string, providerName: string, spec: Partial<ModelSpec> = {}): Doc<ModelSpec> => ({
  name,
  spec: {
    provider: providerName,
    upstreamModel: `${name}-upstream`,
    pricing: { inputPerMTok: 1, outputPerMTok: 2 },
    contextWindow: 100_000,
    maxOutputTokens: 4_000,
    tier: 'medium',
    ...spec,
  },
});

export const team = (
  name: string,
  allowed: [string, ...string[]] = ['public', 'internal'],
  labels?: Record<string, string>,
  defaultClass: string = allowed.includes('internal') ? 'internal' : allowed[0],
): Doc<TeamSpec> => ({
  name,
  ...(labels === undefined ? {} : { labels }),
  spec: { dataClasses: { allowed, default: defaultClass } },
});

export const route = (name: string, spec: Partial<RouteSpec> & Pick<RouteSpec, 'targets'>): Doc<RouteSpec> => ({
  name,
  spec: { priority: 0, ...spec },
});
