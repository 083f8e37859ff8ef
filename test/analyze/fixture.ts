// A small organisation written as YAML, plus helpers to add documents and read what the analysis reports
// where. Tests give exact line:col, so each added file starts at line 1 with the documents the test writes.
//
// Providers: `us` (us-east-1, retains 30 days), `eu` (eu-west-1, zero retention, hipaa-baa), `free` (trains on
// data). Models: `small` (us, window 8000, json), `big` (eu, window 128000, tools + json), `gratis` (free,
// window 1000000). Teams: `support` (labels dept=ops; public, internal) and `clinic` (dept=care; internal, phi).
import { expect } from 'vitest';
import { analyzePolicyDetailed, type Analysis } from '../../src/analyze/index.js';
import type { Diagnostic, DiagnosticCode } from '../../src/errors.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import type { PolicySet } from '../../src/policy/model.js';
import type { RequestContext, ResolvedRequest } from '../../src/engine/index.js';
import type { Complexity } from '../../src/policy/generated/policy.js';

/** Strip the indentation common to every non-blank line, and the first newline: YAML files in template strings. */
export function yaml(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return `${lines.map((l) => l.slice(indent)).join('\n')}\n`;
}

export const BASE: Record<string, string> = {
  'org.yaml': yaml(`
    apiVersion: switchyard.dev/v1
    kind: Organization
    metadata: { name: acme }
    spec:
      dataClasses: [public, internal, phi]
      tasks: [general, chat, code]
      defaults: { dataClass: internal, task: general }
  `),
  'providers.yaml': yaml(`
    apiVersion: switchyard.dev/v1
    kind: Provider
    metadata: { name: us }
    spec:
      api: openai
      baseUrl: https://us.example/v1
      credentials: { env: US_KEY }
      regions: [us-east-1]
      dataPolicy: { zeroDataRetention: false, trainsOnData: false, retentionDays: 30 }
    ---
    apiVersion: switchyard.dev/v1
    kind: Provider
    metadata: { name: eu }
    spec:
      api: openai
      baseUrl: https://eu.example/v1
      credentials: { env: EU_KEY }
      regions: [eu-west-1]
      dataPolicy: { zeroDataRetention: true, trainsOnData: false, retentionDays: 0 }
      certifications: [hipaa-baa]
    ---
    apiVersion: switchyard.dev/v1
    kind: Provider
    metadata: { name: free }
    spec:
      api: openai
      baseUrl: https://free.example/v1
      credentials: { env: FREE_KEY }
      regions: [us-central1]
      dataPolicy: { zeroDataRetention: false, trainsOnData: true }
  `),
  'models.yaml': yaml(`
    apiVersion: switchyard.dev/v1
    kind: Model
    metadata: { name: small }
    spec: { provider: us, upstreamModel: small, pricing: { inputPerMTok: 1, outputPerMTok: 2 }, contextWindow: 8000, maxOutputTokens: 1000, tier: small, capabilities: [json] }
    ---
    apiVersion: switchyard.dev/v1
    kind: Model
    metadata: { name: big }
    spec: { provider: eu, upstreamModel: big, pricing: { inputPerMTok: 5, outputPerMTok: 10 }, contextWindow: 128000, maxOutputTokens: 4000, tier: large, capabilities: [tools, json] }
    ---
    apiVersion: switchyard.dev/v1
    kind: Model
    metadata: { name: gratis }
    spec: { provider: free, upstreamModel: gratis, pricing: { inputPerMTok: 0, outputPerMTok: 0 }, contextWindow: 1000000, maxOutputTokens: 1000, tier: small }
  `),
  'teams.yaml': yaml(`
    apiVersion: switchyard.dev/v1
    kind: Team
    metadata: { name: support, labels: { dept: ops } }
    spec:
      keys: []
      dataClasses: { allowed: [public, internal], default: internal }
    ---
    apiVersion: switchyard.dev/v1
    kind: Team
    metadata: { name: clinic, labels: { dept: care } }
    spec:
      keys: []
      dataClasses: { allowed: [internal, phi], default: phi }
  `),
};

/** Documents of one kind, `---` separated; each is `metadata: { name }` plus the spec lines given. */
export function docs(kind: string, ...items: readonly [name: string, spec: string][]): string {
  return items.map(([name, spec]) => `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${yaml(spec).replace(/^(?=.)/gm, '  ')}`).join('---\n');
}

/** Load the base plus `files` (replacing base files of the same name); the load itself must be clean. */
export function load(files: Record<string, string>): PolicySet {
  const loaded = loadPolicyFromSources(Object.entries({ ...BASE, ...files }).map(([path, text]) => ({ path, text })), { env: {} });
  if (!loaded.ok) throw new Error(`fixture does not load: ${loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  expect(loaded.diagnostics).toEqual([]);
  return loaded.policy;
}

export const analyze = (files: Record<string, string>): Analysis => analyzePolicyDetailed(load(files));

/** Where each diagnostic of a code is, as `file:line:col`. */
export const where = (diagnostics: readonly Diagnostic[], code: DiagnosticCode): string[] =>
  diagnostics.filter((d) => d.code === code).map((d) => `${d.file}:${d.line}:${d.col}`);

/** The one diagnostic of a code (fails when there are none or several). */
export function only(diagnostics: readonly Diagnostic[], code: DiagnosticCode): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  expect(found, `exactly one ${code} in ${JSON.stringify(diagnostics, null, 1)}`).toHaveLength(1);
  return found[0]!;
}

/** `file:line:col` of the `nth` occurrence of `needle` in `text` (1-based, as diagnostics print it), `shift` columns on. */
export function spot(file: string, text: string, needle: string, nth = 1, shift = 0): string {
  let index = -1;
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`\`${needle}\` occurs fewer than ${nth} times in ${file}`);
  }
  const before = text.slice(0, index).split('\n');
  return `${file}:${before.length}:${before[before.length - 1]!.length + 1 + shift}`;
}

/** The example request a message gives (`e.g. `{…}``), parsed. */
export function exampleOf(message: string): RequestContext {
  const json = /e\.g\. `(\{[^`]*\})`/.exec(message)?.[1];
  if (json === undefined) throw new Error(`no example request in: ${message}`);
  return JSON.parse(json) as RequestContext;
}

/** A request of the space as the match predicates read it (data class and task given, as examples give them). */
export function resolved(policy: PolicySet, ctx: RequestContext): ResolvedRequest {
  const team = policy.teams.get(ctx.team);
  if (team === undefined || ctx.dataClass === undefined || ctx.task === undefined) throw new Error(`not a full request: ${JSON.stringify(ctx)}`);
  return { team, dataClass: ctx.dataClass, task: ctx.task, complexity: ctx.complexity as Complexity | undefined, model: ctx.model, promptTokens: ctx.promptTokens ?? 0, stream: ctx.stream ?? false };
}
