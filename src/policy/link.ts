// The link stage: validated documents → the policy model. Names are unique per kind, there is exactly one
// Organization, Provider base URLs are interpolated, and every reference resolves (link-references.ts).
import type { Diagnostic, DiagnosticCode } from '../errors.js';
import type { Metadata, PolicyDocument, ProviderSpec } from './generated/policy.js';
import { diagnostic, hasErrors, quote } from './diagnostic.js';
import { interpolate, isHttpUrl } from './interpolate.js';
import { checkReferences } from './link-references.js';
import type {
  BudgetEntry,
  ClassifierEntry,
  InvariantEntry,
  Kind,
  ModelEntry,
  OrganizationEntry,
  PolicyEntry,
  PolicySet,
  PolicyVersion,
  ProviderEntry,
  ResidencyEntry,
  RouteEntry,
  TeamEntry,
  TestEntry,
  VettingEntry,
} from './model.js';
import type { ValidDocument } from './schema-validate.js';
import type { LocateTarget, SourceDocument } from './source-document.js';

/** The entries of a policy by kind, before the policy is known to be valid. */
export interface LinkedEntries {
  readonly organizations: OrganizationEntry[];
  readonly providers: Map<string, ProviderEntry>;
  readonly models: Map<string, ModelEntry>;
  readonly teams: Map<string, TeamEntry>;
  readonly routes: Map<string, RouteEntry>;
  readonly vettings: Map<string, VettingEntry>;
  readonly residencies: Map<string, ResidencyEntry>;
  readonly budgets: Map<string, BudgetEntry>;
  readonly classifiers: Map<string, ClassifierEntry>;
  readonly tests: Map<string, TestEntry>;
  readonly invariants: Map<string, InvariantEntry>;
}

/** Report a finding at a node of an entry's document (its value, or its key for `target: 'key'`). */
export type Report = (entry: PolicyEntry<Kind, unknown>, pointer: string, code: DiagnosticCode, message: string, target?: LocateTarget) => void;

// The document behind each entry, for locating keys (PolicyEntry.locate gives values).
const sources = new WeakMap<PolicyEntry<Kind, unknown>, SourceDocument>();

export interface LinkInput {
  readonly documents: readonly ValidDocument[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly version: PolicyVersion;
  /** Where a policy-wide error (no Organization) points: the first file. */
  readonly firstFile: string;
}

function makeEntry<K extends Kind, S>(kind: K, metadata: Metadata, spec: S, source: SourceDocument): PolicyEntry<K, S> {
  const entry: PolicyEntry<K, S> = {
    kind,
    name: metadata.name,
    metadata,
    spec,
    source: source.start,
    locate: (pointer: string) => source.locate(pointer),
  };
  sources.set(entry, source);
  return entry;
}

function interpolatedProvider(spec: ProviderSpec, source: SourceDocument, env: LinkInput['env'], diagnostics: Diagnostic[]): ProviderSpec {
  const at = source.locate('/spec/baseUrl');
  const result = interpolate(spec.baseUrl, env);
  if (!result.ok) {
    for (const name of result.unset) {
      diagnostics.push(
        diagnostic(at, '/spec/baseUrl', 'unset_variable', `environment variable ${quote(name)} is not set and ${quote(`\${${name}}`)} has no default (write ${quote(`\${${name}:-https://...}`)})`),
      );
    }
    return spec;
  }
  if (!isHttpUrl(result.value)) {
    const shown = result.value === spec.baseUrl ? quote(spec.baseUrl) : `${quote(result.value)} (from ${quote(spec.baseUrl)})`;
    diagnostics.push(diagnostic(at, '/spec/baseUrl', 'invalid_base_url', `base URL ${shown} is not an http or https URL`));
    return spec;
  }
  return { ...spec, baseUrl: result.value };
}

export function collectEntries(input: LinkInput, diagnostics: Diagnostic[]): LinkedEntries {
  const out: LinkedEntries = {
    organizations: [],
    providers: new Map(),
    models: new Map(),
    teams: new Map(),
    routes: new Map(),
    vettings: new Map(),
    residencies: new Map(),
    budgets: new Map(),
    classifiers: new Map(),
    tests: new Map(),
    invariants: new Map(),
  };
  const firstByName = new Map<string, SourceDocument>();
  for (const { source, document } of input.documents) {
    const id = `${document.kind}/${document.metadata.name}`;
    const first = firstByName.get(id);
    if (first !== undefined && document.kind !== 'Organization') {
      const at = first.locate('/metadata/name');
      diagnostics.push(
        diagnostic(source.locate('/metadata/name'), '/metadata/name', 'duplicate_name', `duplicate ${document.kind} name ${quote(document.metadata.name)} (first defined at ${at.file}:${at.line}:${at.col})`),
      );
      continue;
    }
    firstByName.set(id, source);
    addEntry(out, document, source, input.env, diagnostics);
  }
  return out;
}

function addEntry(out: LinkedEntries, document: PolicyDocument, source: SourceDocument, env: LinkInput['env'], diagnostics: Diagnostic[]): void {
  const { metadata } = document;
  switch (document.kind) {
    case 'Organization':
      out.organizations.push(makeEntry('Organization', metadata, document.spec, source));
      return;
    case 'Provider':
      out.providers.set(metadata.name, makeEntry('Provider', metadata, interpolatedProvider(document.spec, source, env, diagnostics), source));
      return;
    case 'Model':
      out.models.set(metadata.name, makeEntry('Model', metadata, document.spec, source));
      return;
    case 'Team':
      out.teams.set(metadata.name, makeEntry('Team', metadata, document.spec, source));
      return;
    case 'Route':
      out.routes.set(metadata.name, makeEntry('Route', metadata, document.spec, source));
      return;
    case 'Vetting':
      out.vettings.set(metadata.name, makeEntry('Vetting', metadata, document.spec, source));
      return;
    case 'Residency':
      out.residencies.set(metadata.name, makeEntry('Residency', metadata, document.spec, source));
      return;
    case 'Budget':
      out.budgets.set(metadata.name, makeEntry('Budget', metadata, document.spec, source));
      return;
    case 'Classifier':
      out.classifiers.set(metadata.name, makeEntry('Classifier', metadata, document.spec, source));
      return;
    case 'Test':
      out.tests.set(metadata.name, makeEntry('Test', metadata, document.spec, source));
      return;
    case 'Invariant':
      out.invariants.set(metadata.name, makeEntry('Invariant', metadata, document.spec, source));
      return;
    default:
      assertNever(document);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled policy document ${JSON.stringify(value)}`);
}

/** Link validated documents into a PolicySet; diagnostics hold errors and warnings. */
export function linkPolicy(input: LinkInput): { policy?: PolicySet; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const entries = collectEntries(input, diagnostics);
  const [organization, ...extra] = entries.organizations;
  if (organization === undefined) {
    diagnostics.push(
      diagnostic({ file: input.firstFile, line: 1, col: 1 }, '', 'organization_missing', 'no Organization document: a policy needs exactly one, declaring its data classes, tasks and defaults'),
    );
  }
  for (const other of extra) {
    const first = organization?.source;
    const where = first === undefined ? '' : ` (the first, ${quote(organization?.name)}, is at ${first.file}:${first.line}:${first.col})`;
    diagnostics.push(diagnostic(other.locate('/kind'), '/kind', 'organization_duplicate', `a second Organization ${quote(other.name)}: a policy has exactly one${where}`));
  }
  const report: Report = (entry, pointer, code, message, target = 'value') => {
    const at = sources.get(entry)?.locate(pointer, target) ?? entry.locate(pointer);
    diagnostics.push(diagnostic(at, pointer, code, message));
  };
  const [, ...extraClassifiers] = entries.classifiers.values();
  const firstClassifier = entries.classifiers.values().next().value;
  for (const other of extraClassifiers) {
    const at = firstClassifier === undefined ? '' : ` (the first, ${quote(firstClassifier.name)}, is at ${firstClassifier.source.file}:${firstClassifier.source.line}:${firstClassifier.source.col})`;
    diagnostics.push(diagnostic(other.locate('/kind'), '/kind', 'classifier_duplicate', `a second Classifier ${quote(other.name)}: a policy has at most one, whose rules are tried in order${at}`));
  }
  checkReferences(entries, organization, report);
  if (organization === undefined || hasErrors(diagnostics)) return { diagnostics };
  const policy: PolicySet = {
    organization,
    providers: entries.providers,
    models: entries.models,
    teams: entries.teams,
    routes: entries.routes,
    vettings: entries.vettings,
    residencies: entries.residencies,
    budgets: entries.budgets,
    classifiers: entries.classifiers,
    tests: entries.tests,
    invariants: entries.invariants,
    version: input.version,
  };
  return { policy, diagnostics };
}
