// `validate` at scale: 1,000 generated policy files (a realistic mix of kinds, some multi-document) loaded
// end to end by loadPolicy — read, parse with positions, validate, link — and checked by checkPolicy (the same
// plus static analysis, what `validate` runs), against a baseline that only reads the same files and parses
// them with plain `yaml` (no positions kept, no validation, no linking).
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { analyzePolicyDetailed } from '../dist/analyze/index.js';
import { checkPolicy } from '../dist/policy/check.js';
import { loadPolicy, loadPolicyFromSources } from '../dist/policy/index.js';

const FILES = 1000;
const doc = (kind, name, spec) =>
  `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  description: Generated ${kind.toLowerCase()} ${name} for the validate benchmark.\n  labels: { owner: platform, tier: bench }\n${spec}`;

/** Files by kind, sized like an organisation with many teams: most files are teams, routes, budgets and tests. */
function generate() {
  const n = { providers: 12, models: 60, teams: 250, routes: 250, vettings: 40, residencies: 20, budgets: 150, classifiers: 1, invariants: 40 };
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
  const files = new Map();
  files.set('organization.yaml', doc('Organization', 'acme', 'spec:\n  dataClasses: [public, internal, confidential, pii-eu, phi]\n  tasks: [general, chat, summarize, code, classify]\n  modelAliases: [auto, fast, smart]\n  defaults:\n    dataClass: internal\n    task: general\n  logging: { content: false }\n'));
  const provider = (i) => `provider-${i}`;
  const model = (i) => `model-${i}`;
  const team = (i) => `team-${i}`;
  for (let i = 0; i < n.providers; i++) {
    files.set(`providers/${provider(i)}.yaml`, doc('Provider', provider(i), `spec:\n  api: ${i % 2 ? 'anthropic' : 'openai'}\n  baseUrl: \${PROVIDER_${i}_URL:-https://llm-${i}.example.com/v1}\n  credentials:\n    env: PROVIDER_${i}_KEY\n  regions: [${regions[i % 4]}]\n  dataPolicy:\n    zeroDataRetention: ${i % 3 !== 0}\n    trainsOnData: false\n    retentionDays: ${i % 3 === 0 ? 30 : 0}\n  certifications: [soc2${i % 2 ? ', hipaa-baa' : ''}]\n  timeouts: { connectMs: 2000, firstByteMs: 30000, idleMs: 10000 }\n`));
  }
  const tiers = ['small', 'medium', 'large', 'frontier'];
  for (let i = 0; i < n.models; i++) {
    files.set(`models/${model(i)}.yaml`, doc('Model', model(i), `spec:\n  provider: ${provider(i % n.providers)}\n  upstreamModel: upstream-${i}\n  pricing:\n    inputPerMTok: ${(0.1 + i * 0.05).toFixed(2)}\n    outputPerMTok: ${(0.4 + i * 0.2).toFixed(2)}\n  contextWindow: 128000\n  maxOutputTokens: 8192\n  tier: ${tiers[i % 4]}\n  capabilities: [tools, json]\n`));
  }
  // 30 of the team documents share a file per department (multi-document files)
  for (let i = 0; i < n.teams; i++) {
    const key = (k) => `    - id: ${team(i)}-key-${k}\n      sha256: ${createHash('sha256').update(`${team(i)}-${k}`).digest('hex')}\n`;
    const text = doc('Team', team(i), `spec:\n  keys:\n${key(1)}${key(2)}  dataClasses:\n    allowed: [public, internal${i % 5 === 0 ? ', pii-eu' : ''}]\n    default: internal\n`);
    if (i < 30) {
      const path = `teams/department-${i % 10}.yaml`;
      files.set(path, files.has(path) ? `${files.get(path)}---\n${text}` : text);
    } else files.set(`teams/${team(i)}.yaml`, text);
  }
  for (let i = 0; i < n.routes; i++) {
    files.set(`routes/route-${i}.yaml`, doc('Route', `route-${i}`, `spec:\n  priority: ${i}\n  match:\n    teams: [${team(i % n.teams)}, ${team((i + 1) % n.teams)}]\n    dataClasses: [public, internal]\n    tasks: [${i % 2 ? 'chat' : 'code'}]\n    models: [auto, ${model(i % n.models)}]\n    promptTokens: { lt: ${1000 + i * 10} }\n  strategy: ${i % 3 === 0 ? 'weighted' : 'ordered'}\n  targets:\n    - { model: ${model(i % n.models)}, weight: 3 }\n    - { model: ${model((i + 7) % n.models)}, weight: 1 }\n  fallback: { onStatus: [429, 503], maxAttempts: 2 }\n`));
  }
  for (let i = 0; i < n.vettings; i++) {
    files.set(`guardrails/vetting-${i}.yaml`, doc('Vetting', `vetting-${i}`, `spec:\n  match: { dataClasses: [${i % 2 ? 'phi' : 'confidential'}] }\n  require: { zeroDataRetention: true, certifications: [soc2] }\n  denyProviders: [${provider(i % n.providers)}]\n  enforcement: ${i % 4 ? 'enforce' : 'monitor'}\n`));
  }
  for (let i = 0; i < n.residencies; i++) {
    files.set(`guardrails/residency-${i}.yaml`, doc('Residency', `residency-${i}`, `spec:\n  match: { dataClasses: [pii-eu], teams: [${team(i)}] }\n  allowRegions: [eu-*]\n`));
  }
  for (let i = 0; i < n.budgets; i++) {
    files.set(`budgets/budget-${i}.yaml`, doc('Budget', `budget-${i}`, `spec:\n  match: { teams: [${team(i % n.teams)}], models: [${model(i % n.models)}] }\n  per: ${['team', 'key', 'shared'][i % 3]}\n  window: ${['day', 'week', 'month'][i % 3]}\n  limitUsd: ${100 + i}\n  thresholds:\n    - { atPercent: 50, action: alert }\n    - { atPercent: 80, action: downgrade, maxTier: small }\n    - { atPercent: 100, action: deny }\n`));
  }
  for (let i = 0; i < n.classifiers; i++) {
    files.set(`classifiers/classifier-${i}.yaml`, doc('Classifier', `classifier-${i}`, 'spec:\n  rules:\n    - name: code\n      when: { codeDensity: { gte: 0.3 } }\n      task: code\n      complexity: high\n    - name: summaries\n      when: { userKeywords: ["summarize*", "tl;dr"] }\n      task: summarize\n  default: { task: general, complexity: low }\n'));
  }
  for (let i = 0; i < n.invariants; i++) {
    files.set(`invariants/invariant-${i}.yaml`, doc('Invariant', `invariant-${i}`, `spec:\n  forAll: { dataClasses: [phi], teams: [${team(i)}] }\n  assert: { certifications: [hipaa-baa], zeroDataRetention: true }\n`));
  }
  const tests = FILES - files.size;
  for (let i = 0; i < tests; i++) {
    files.set(`tests/test-${i}.yaml`, doc('Test', `test-${i}`, `spec:\n  request: { team: ${team(i % n.teams)}, dataClass: internal, task: chat, model: auto, promptTokens: 500 }\n  budgets: { budget-${i % n.budgets}: 85 }\n  expect: { route: route-${i % n.routes}, model: ${model(i % n.models)} }\n`));
  }
  return files;
}

// Files are read concurrently, as loadPolicy reads them, so the ratio compares parsing and checking.
async function readAll(dir) {
  const entries = (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile());
  return Promise.all(entries.map((e) => readFile(join(e.parentPath, e.name), 'utf8')));
}

export default async function (h) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-validate-'));
  try {
    const files = generate();
    for (const [path, text] of files) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const sources = [...files].map(([path, text]) => ({ path, text }));
    const documents = sources.reduce((n, s) => n + s.text.split('\n---\n').length, 0);
    const bytes = sources.reduce((n, s) => n + Buffer.byteLength(s.text), 0);

    // The first load in a process also compiles the schema validators.
    const t0 = performance.now();
    const cold = await loadPolicy(dir, { env: {} });
    const coldNs = (performance.now() - t0) * 1e6;
    if (!cold.ok) throw new Error(`generated policy is invalid: ${JSON.stringify(cold.diagnostics.slice(0, 3))}`);

    const opts = { samples: 30, batch: 1, warmup: 2, maxMs: 60_000 };
    const g = h.group(
      `validate: ${files.size} files, ${documents} documents, ${(bytes / 1024).toFixed(0)} KiB`,
      'Baseline: read the same files and parse them with plain `yaml` (parseAllDocuments + toJS), no positions, no validation, no linking. ' +
        'The first-load row is one sample: a fresh process pays for loading the generated validators (schema/policy.validate.cjs) and for the JIT warming up.',
    );
    g.add('baseline: read + yaml parse', await h.measure(async () => {
      for (const text of await readAll(dir)) for (const d of parseAllDocuments(text)) d.toJS();
    }, opts));
    let last;
    g.add('loadPolicy (read, parse with positions, validate, link)', await h.measure(async () => {
      last = await loadPolicy(dir, { env: {} });
    }, opts), { baseline: 'baseline: read + yaml parse', target: '< 1 s' });
    g.add('loadPolicyFromSources (same, no file I/O, no git)', await h.measure(() => loadPolicyFromSources(sources, { env: {} }), opts), { baseline: 'baseline: read + yaml parse' });
    g.add('first loadPolicy in a process (cold: validators loaded, JIT cold)', h.summarize([coldNs]), { baseline: 'baseline: read + yaml parse' });
    g.add('checkPolicy (loadPolicy + static analysis: what validate runs)', await h.measure(() => checkPolicy(dir, { env: {} }), opts), { baseline: 'baseline: read + yaml parse', target: '< 1 s' });
    if (last) g.note += `\n\nStages of one warm loadPolicy: ${last.timings.map((t) => `${t.stage} ${t.ms.toFixed(1)} ms`).join(', ')}.`;
    if (last?.ok) {
      const analysis = analyzePolicyDetailed(last.policy);
      const total = analysis.timings.reduce((ms, t) => ms + t.ms, 0);
      g.note += ` Static analysis of the loaded policy: ${total.toFixed(1)} ms (${analysis.timings.map((t) => `${t.stage} ${t.ms.toFixed(1)}`).join(', ')}), ${analysis.diagnostics.length} findings.`;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
