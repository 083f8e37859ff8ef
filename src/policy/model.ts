// The linked policy model: what the link stage produces and every later stage (analyze, compile, verify) reads.
// Specs are the generated schema types; references have been resolved and checked, defaults are NOT applied
// here (read them through the helpers in this file so every stage applies the same default).
import type {
  BudgetSpec,
  ClassifierSpec,
  InvariantSpec,
  Metadata,
  ModelSpec,
  OrganizationSpec,
  ProviderSpec,
  ResidencySpec,
  RouteSpec,
  TeamSpec,
  TestSpec,
  Tier,
  VettingSpec,
} from './generated/policy.js';

export type Kind =
  | 'Organization'
  | 'Provider'
  | 'Model'
  | 'Team'
  | 'Route'
  | 'Vetting'
  | 'Residency'
  | 'Budget'
  | 'Classifier'
  | 'Test'
  | 'Invariant';

export const KINDS: readonly Kind[] = [
  'Organization',
  'Provider',
  'Model',
  'Team',
  'Route',
  'Vetting',
  'Residency',
  'Budget',
  'Classifier',
  'Test',
  'Invariant',
] as const;

/** A place in a policy file; line and col are 1-based. `file` is the path as the user named it (e.g. `policies/routes.yaml`). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One document of the policy after linking. */
export interface PolicyEntry<K extends Kind, S> {
  readonly kind: K;
  readonly name: string;
  readonly metadata: Metadata;
  readonly spec: S;
  /** Where the document starts (its first key). */
  readonly source: SourceLocation;
  /** Location of the node at a JSON pointer relative to the document (e.g. `/spec/targets/0/model`); falls back to the nearest existing ancestor. */
  locate(pointer: string): SourceLocation;
}

export type OrganizationEntry = PolicyEntry<'Organization', OrganizationSpec>;
/** `spec.baseUrl` is already interpolated from the environment. */
export type ProviderEntry = PolicyEntry<'Provider', ProviderSpec>;
export type ModelEntry = PolicyEntry<'Model', ModelSpec>;
export type TeamEntry = PolicyEntry<'Team', TeamSpec>;
export type RouteEntry = PolicyEntry<'Route', RouteSpec>;
export type VettingEntry = PolicyEntry<'Vetting', VettingSpec>;
export type ResidencyEntry = PolicyEntry<'Residency', ResidencySpec>;
export type BudgetEntry = PolicyEntry<'Budget', BudgetSpec>;
export type ClassifierEntry = PolicyEntry<'Classifier', ClassifierSpec>;
export type TestEntry = PolicyEntry<'Test', TestSpec>;
export type InvariantEntry = PolicyEntry<'Invariant', InvariantSpec>;

export interface PolicyVersion {
  /** sha256 of the policy content (file paths and bytes, in path order), hex, first 12 chars. */
  readonly hash: string;
  /** Git commit of the policy directory when it is a clean or dirty git checkout. */
  readonly commit?: string;
  /** What decisions and headers report: `<commit12>+<hash>` when in git, else `<hash>`. */
  readonly id: string;
}

/**
 * A valid, linked policy. Maps keep declaration order (files in path order, documents in file order).
 * INVARIANT: every name referenced by any spec resolves in the matching map; the Organization vocabularies
 * contain every data class and task named anywhere.
 */
export interface PolicySet {
  readonly organization: OrganizationEntry;
  readonly providers: ReadonlyMap<string, ProviderEntry>;
  readonly models: ReadonlyMap<string, ModelEntry>;
  readonly teams: ReadonlyMap<string, TeamEntry>;
  readonly routes: ReadonlyMap<string, RouteEntry>;
  readonly vettings: ReadonlyMap<string, VettingEntry>;
  readonly residencies: ReadonlyMap<string, ResidencyEntry>;
  readonly budgets: ReadonlyMap<string, BudgetEntry>;
  readonly classifiers: ReadonlyMap<string, ClassifierEntry>;
  readonly tests: ReadonlyMap<string, TestEntry>;
  readonly invariants: ReadonlyMap<string, InvariantEntry>;
  readonly version: PolicyVersion;
}

// ---- defaults, in one place ----

export const TIERS: readonly Tier[] = ['small', 'medium', 'large', 'frontier'] as const;
export const tierRank = (tier: Tier): number => TIERS.indexOf(tier);

export const DEFAULT_MODEL_ALIASES: readonly string[] = ['auto'];
export const modelAliases = (org: OrganizationSpec): readonly string[] => org.modelAliases ?? DEFAULT_MODEL_ALIASES;

/**
 * The statuses a route without `fallback.onStatus` fails over on: 429 and every 5xx (501, 505 and Anthropic's
 * 529 `overloaded_error` included), as the contract's "429/5xx" says. An explicit `onStatus` means exactly its list.
 */
export const DEFAULT_FAILOVER_STATUS: readonly number[] = [429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];

export const enforcementOf = (spec: { enforcement?: 'enforce' | 'monitor' }): 'enforce' | 'monitor' =>
  spec.enforcement ?? 'enforce';

export const budgetThresholds = (spec: BudgetSpec): NonNullable<BudgetSpec['thresholds']> =>
  spec.thresholds ?? [{ atPercent: 100, action: 'deny' }];

/** `Kind/name`, the way traces and messages name a rule. */
export const ruleId = (entry: { kind: Kind; name: string }): string => `${entry.kind}/${entry.name}`;

/** `file:line`, the way traces point at a rule. */
export const sourceRef = (loc: SourceLocation): string => `${loc.file}:${loc.line}`;
