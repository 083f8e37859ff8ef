// fast-check generators of policies, requests and budget states for the engine's property tests. Values come
// from small pools so that conditions collide (equal priorities, equal prices, prompt sizes on every bound,
// requests naming unknown teams, classes and models) and every step and deny code is reached often.
import fc from 'fast-check';
import type {
  BudgetSpec,
  Capability,
  ModelSpec,
  OrganizationSpec,
  ProviderSpec,
  RequestMatch,
  ResidencySpec,
  RouteSpec,
  TeamLabelSelector,
  TeamSpec,
  Tier,
  TokenRange,
  VettingSpec,
} from '../../src/policy/generated/policy.js';
import type { PolicySet } from '../../src/policy/model.js';
import type { BudgetState, RequestContext } from '../../src/engine/types.js';
import type { Doc, PolicyInput } from './policy-builder.js';

export const DATA_CLASSES = ['public', 'internal', 'confidential', 'pii-eu', 'phi'];
export const TASKS = ['general', 'code', 'chat'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-north-1', 'ap-south-1'];
const CERTS = ['soc2', 'hipaa-baa', 'gdpr-dpa'];
const CAPABILITIES: Capability[] = ['tools', 'vision', 'json', 'reasoning'];
const TIER_POOL: Tier[] = ['small', 'medium', 'large', 'frontier'];
const GLOBS = ['eu-*', 'us-*', '*', 'eu-west-?', '*-1', 'ap-*-1', 'us-east-1', '?s-*'];
const TOKEN_BOUNDS = [0, 1, 100, 1000, 5000];
/** Prompt sizes on both sides of every bound, and of every context window (1000, 8000, 128000). */
export const PROMPT_SIZES = [0, 1, 2, 99, 100, 101, 999, 1000, 1001, 4999, 5000, 5001, 7999, 8000, 8001, 127_999, 130_000];
export const MAX_TOKENS = [1, 500, 1000, 7000, 127_000];
export const PERCENTS = [0, 49.99, 50, 79.999, 80, 99, 100, 120];
export const ALIASES = ['auto', 'fast'];
export const UNKNOWN_MODEL = 'ghost-model';

/** Absent most of the time, so that matches stay broad enough to match. */
const rarely = <T>(arb: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 10 - weight, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });

/** Drop keys whose value is undefined (the generated types forbid explicit undefined in documents). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const nonEmpty = <T>(pool: readonly T[]): fc.Arbitrary<[T, ...T[]]> =>
  fc.subarray([...pool], { minLength: 1 }) as fc.Arbitrary<[T, ...T[]]>;

const tokenRange: fc.Arbitrary<TokenRange> = fc
  .record(
    { lt: fc.constantFrom(...TOKEN_BOUNDS), lte: fc.constantFrom(...TOKEN_BOUNDS), gt: fc.constantFrom(...TOKEN_BOUNDS), gte: fc.constantFrom(...TOKEN_BOUNDS) },
    { requiredKeys: [] },
  )
  .filter((r) => Object.keys(r).length > 0);

const labelSelector: fc.Arbitrary<TeamLabelSelector> = fc.oneof(
  fc.constant({ tier: 'gold' }),
  fc.constant({ tier: ['gold', 'silver'] as [string, ...string[]] }),
  fc.constant({ region: 'eu' }),
  fc.constant({ region: 'us', tier: 'gold' }),
);

interface Names {
  dataClasses: string[];
  tasks: string[];
  providers: string[];
  models: string[];
  teams: string[];
  aliases: string[];
}

function requestMatch(n: Names): fc.Arbitrary<RequestMatch> {
  return fc
    .record({
      teams: rarely(nonEmpty(n.teams)),
      teamLabels: rarely(labelSelector, 2),
      dataClasses: rarely(nonEmpty(n.dataClasses)),
      tasks: rarely(nonEmpty(n.tasks)),
      complexity: rarely(nonEmpty(['low', 'medium', 'high'] as const), 2),
      models: rarely(nonEmpty([...n.models, ...n.aliases, UNKNOWN_MODEL])),
      promptTokens: rarely(tokenRange),
      stream: rarely(fc.boolean(), 2),
    })
    .map(compact);
}

const enforcement = rarely(fc.constantFrom('enforce' as const, 'monitor' as const), 5);
const docs = <S>(prefix: string, count: number, spec: fc.Arbitrary<S>): fc.Arbitrary<Doc<S>[]> =>
  fc.array(spec, { minLength: count, maxLength: count }).map((specs) => specs.map((s, i) => ({ name: `${prefix}${i}`, spec: s })));

/** Requested-model strings of narrow routes: with more lanes than routes, most routes own a lane of their own. */
const LANES = Array.from({ length: 100 }, (_, i) => `lane-${i}`);

/** `narrow`: every route names one requested model (a lane), so the owner of a request can sit anywhere in the order. */
function route(n: Names, narrow: boolean): fc.Arbitrary<RouteSpec> {
  const target = fc.record({ model: fc.constantFrom(...n.models), weight: rarely(fc.constantFrom(0, 1, 2, 5, 0.5), 6) }).map(compact);
  const match = narrow
    ? fc.tuple(requestMatch(n), fc.constantFrom(...LANES)).map(([m, model]) => ({ ...m, models: [model] as [string] }))
    : rarely(requestMatch(n), 7);
  return fc
    .record({
      priority: fc.integer({ min: 0, max: 3 }),
      match,
      strategy: rarely(fc.constantFrom('ordered' as const, 'weighted' as const, 'cheapest' as const), 7),
      targets: fc.array(target, { minLength: 1, maxLength: 4 }) as fc.Arbitrary<RouteSpec['targets']>,
      requires: rarely(fc.record({ capabilities: fc.subarray(CAPABILITIES, { minLength: 1, maxLength: 2 }) })),
    })
    .map(compact);
}

function vetting(n: Names): fc.Arbitrary<VettingSpec> {
  const require = fc.record(
    {
      zeroDataRetention: fc.boolean(),
      trainsOnData: fc.boolean(),
      maxRetentionDays: fc.constantFrom(0, 30),
      certifications: fc.subarray(CERTS, { minLength: 1 }),
    },
    { requiredKeys: [] },
  );
  return fc
    .record({
      match: rarely(requestMatch(n), 6),
      require: rarely(require, 5),
      allowProviders: rarely(nonEmpty(n.providers), 2),
      denyProviders: rarely(nonEmpty(n.providers), 2),
      allowModels: rarely(nonEmpty(n.models), 2),
      denyModels: rarely(nonEmpty(n.models), 2),
      maxTier: rarely(fc.constantFrom(...TIER_POOL), 3),
      enforcement,
    })
    .map(compact);
}

function residency(n: Names): fc.Arbitrary<ResidencySpec> {
  return fc
    .record({ match: rarely(requestMatch(n), 6), allowRegions: nonEmpty(GLOBS), enforcement })
    .map(compact);
}

function budget(n: Names): fc.Arbitrary<BudgetSpec> {
  const match = fc
    .record({
      teams: rarely(nonEmpty(n.teams)),
      teamLabels: rarely(labelSelector, 2),
      models: rarely(nonEmpty(n.models)),
      providers: rarely(nonEmpty(n.providers)),
    })
    .map(compact);
  const threshold = fc
    .record({
      atPercent: fc.constantFrom(0, 50, 80, 100, 120),
      action: fc.constantFrom('alert' as const, 'downgrade' as const, 'deny' as const),
      maxTier: rarely(fc.constantFrom(...TIER_POOL), 8),
    })
    .map(compact);
  return fc
    .record({
      match: rarely(match, 6),
      per: fc.constantFrom('team' as const, 'key' as const, 'shared' as const),
      window: fc.constantFrom('hour' as const, 'day' as const, 'week' as const, 'month' as const),
      limitUsd: fc.constantFrom(0.001, 0.05, 1, 100),
      thresholds: rarely(fc.array(threshold, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<NonNullable<BudgetSpec['thresholds']>>, 7),
      enforcement,
    })
    .map(compact);
}

const providerSpec: fc.Arbitrary<ProviderSpec> = fc
  .record({
    regions: nonEmpty(REGIONS),
    dataPolicy: fc.record({ zeroDataRetention: fc.boolean(), trainsOnData: fc.boolean(), retentionDays: rarely(fc.constantFrom(0, 30), 7) }).map(compact),
    certifications: rarely(fc.subarray(CERTS), 7),
  })
  .map((p) => compact({ api: 'openai' as const, baseUrl: 'https://upstream.example/v1', credentials: { env: 'UPSTREAM_KEY' }, ...p }));

function modelSpec(providers: string[]): fc.Arbitrary<ModelSpec> {
  return fc
    .record({
      provider: fc.constantFrom(...providers),
      pricing: fc.record({ inputPerMTok: fc.constantFrom(0, 0.5, 1, 2.5, 10), outputPerMTok: fc.constantFrom(0, 0.5, 2, 10) }),
      contextWindow: fc.constantFrom(1000, 8000, 128_000, 128_000, 128_000),
      maxOutputTokens: fc.constantFrom(500, 4000, 16_000),
      tier: fc.constantFrom(...TIER_POOL),
      capabilities: rarely(fc.subarray(CAPABILITIES), 7),
    })
    .map((m) => compact({ upstreamModel: 'upstream', ...m }));
}

function teamDoc(name: string, dataClasses: string[]): fc.Arbitrary<Doc<TeamSpec>> {
  return fc
    .record({
      allowed: nonEmpty(dataClasses),
      labels: rarely(fc.record({ tier: fc.constantFrom('gold', 'silver'), region: fc.constantFrom('eu', 'us') }, { requiredKeys: [] }), 6),
      pick: fc.nat(),
    })
    .map(({ allowed, labels, pick }) => ({
      name,
      ...(labels === undefined ? {} : { labels: labels as Record<string, string> }),
      spec: { dataClasses: { allowed, default: allowed[pick % allowed.length]! } },
    }));
}

/** How many documents of each kind a generated policy has (inclusive ranges). */
export interface Sizes {
  readonly routes: readonly [number, number];
  readonly vettings: readonly [number, number];
  readonly residencies: readonly [number, number];
  readonly narrowRoutes?: boolean;
}
const SMALL: Sizes = { routes: [0, 6], vettings: [0, 3], residencies: [0, 2] };
const count = ([min, max]: readonly [number, number]): fc.Arbitrary<number> => fc.integer({ min, max });

/** A linked, reference-consistent policy (every referenced name exists), not necessarily a valid one. */
export const policyInputOf = (sizes: Sizes = SMALL): fc.Arbitrary<PolicyInput> => fc
  .record({
    dataClasses: nonEmpty(DATA_CLASSES),
    tasks: nonEmpty(TASKS),
    aliases: fc.subarray(ALIASES),
    providers: fc.integer({ min: 1, max: 3 }),
    models: fc.integer({ min: 1, max: 6 }),
    teams: fc.integer({ min: 1, max: 3 }),
    routes: count(sizes.routes),
    vettings: count(sizes.vettings),
    residencies: count(sizes.residencies),
    budgets: fc.integer({ min: 0, max: 3 }),
  })
  .chain((size) => {
    const range = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    const n: Names = {
      dataClasses: size.dataClasses,
      tasks: size.tasks,
      providers: range('p', size.providers),
      models: range('m', size.models),
      teams: range('t', size.teams),
      aliases: size.aliases,
    };
    const org: OrganizationSpec = compact({
      dataClasses: size.dataClasses,
      tasks: size.tasks,
      modelAliases: size.aliases.length > 0 ? (size.aliases as [string, ...string[]]) : undefined,
      defaults: { dataClass: size.dataClasses[0], task: size.tasks[0] },
    });
    return fc.record({
      organization: fc.constant({ name: 'org', spec: org }),
      providers: docs('p', size.providers, providerSpec),
      models: docs('m', size.models, modelSpec(n.providers)),
      teams: fc.tuple(...n.teams.map((t) => teamDoc(t, n.dataClasses))),
      routes: docs('r', size.routes, route(n, sizes.narrowRoutes === true)),
      vettings: docs('v', size.vettings, vetting(n)),
      residencies: docs('res', size.residencies, residency(n)),
      budgets: docs('b', size.budgets, budget(n)),
    });
  });

/** Requests against a policy, including values outside its vocabulary and sizes on every boundary. */
export function requestContext(input: PolicyInput): fc.Arbitrary<RequestContext> {
  const teams = (input.teams ?? []).map((t) => t.name);
  const models = (input.models ?? []).map((m) => m.name);
  // Every requested-model string a route names is asked for too (lanes of narrow routes included).
  const named = [...new Set((input.routes ?? []).flatMap((r) => r.spec.match?.models ?? []))];
  const vocabulary = input.organization?.spec;
  const mostlyFrom = (known: readonly string[], unknown: string): fc.Arbitrary<string> =>
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.constant(unknown) });
  return fc
    .record(
      {
        team: fc.oneof({ weight: 19, arbitrary: fc.constantFrom(...teams) }, { weight: 1, arbitrary: fc.constant('ghost') }),
        dataClass: rarely(mostlyFrom(vocabulary?.dataClasses ?? DATA_CLASSES, 'no-such-class'), 5),
        task: rarely(mostlyFrom(vocabulary?.tasks ?? TASKS, 'no-such-task'), 5),
        complexity: rarely(fc.constantFrom('low' as const, 'medium' as const, 'high' as const), 5),
        model: fc.constantFrom(...new Set([...models, ...ALIASES, UNKNOWN_MODEL, ...named])),
        promptTokens: rarely(fc.constantFrom(...PROMPT_SIZES), 7),
        maxTokens: rarely(fc.constantFrom(...MAX_TOKENS), 5),
        stream: rarely(fc.boolean(), 5),
        stickyKey: rarely(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), 5),
        requestId: rarely(fc.string(), 3),
        keyId: rarely(fc.constantFrom('k1', 'k2'), 5),
        // What the body uses: each flag makes the capability step require tools, vision or json.
        features: rarely(fc.record({ tools: fc.boolean(), images: fc.boolean(), jsonMode: fc.boolean() }, { requiredKeys: [] }), 4),
      },
      { requiredKeys: ['team', 'model'] },
    )
    .map((ctx) => compact(ctx) as RequestContext);
}

/** Spend as percent of each budget's limit, optionally different per bucket. */
export interface SpendSpec {
  readonly byBudget: Readonly<Record<string, number>>;
  readonly byBucket: Readonly<Record<string, number>>;
}

export function spendSpec(input: PolicyInput): fc.Arbitrary<SpendSpec> {
  const budgets = (input.budgets ?? []).map((b) => b.name);
  if (budgets.length === 0) return fc.constant({ byBudget: {}, byBucket: {} });
  const buckets = [...(input.teams ?? []).map((t) => t.name), 'k1', 'k2', '', '*'];
  const pct = fc.constantFrom(...PERCENTS);
  return fc.record({
    byBudget: fc.dictionary(fc.constantFrom(...budgets), pct, { maxKeys: budgets.length }),
    byBucket: fc.dictionary(
      fc.tuple(fc.constantFrom(...budgets), fc.constantFrom(...buckets)).map(([b, k]) => `${b}|${k}`),
      pct,
      { maxKeys: 4 },
    ),
  });
}

export function spendState(policy: PolicySet, spend: SpendSpec): BudgetState {
  return {
    usedUsd(budget, bucket) {
      const limit = policy.budgets.get(budget)?.spec.limitUsd ?? 0;
      const pct = spend.byBucket[`${budget}|${bucket}`] ?? spend.byBudget[budget] ?? 0;
      return (pct / 100) * limit;
    },
  };
}

export interface Scenario {
  readonly input: PolicyInput;
  readonly requests: readonly RequestContext[];
  readonly spend: SpendSpec;
}

export const scenarioOf = (sizes?: Sizes): fc.Arbitrary<Scenario> =>
  policyInputOf(sizes).chain((input) =>
    fc.record({
      input: fc.constant(input),
      requests: fc.array(requestContext(input), { minLength: 1, maxLength: 25 }),
      spend: spendSpec(input),
    }),
  );

export const scenario: fc.Arbitrary<Scenario> = scenarioOf();
