// Invariants on a generated 50-team organisation (issue 9, CI tooling): what `switchyard test` runs for the
// Invariant documents — proven over the whole finite request space when it fits under --max-points
// (1,000,000 by default), sampled with fast-check where it does not. Two variants of the same organisation:
// budgets per team only (the space fits: proven), and per team + per department + one organisation-wide budget
// (every budget band multiplies the space: sampled). Baseline in the same run: the same number of points
// decided by the compiled `decide` alone, so the ratio is what the invariant machinery adds per point.
// The bench fails if an invariant does not hold, covers no request, or is not checked the expected way.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { budgetStateFromPercents, compile, decide } from '../dist/engine/index.js';
import { checkPolicy } from '../dist/policy/check.js';
import { checkInvariants } from '../dist/verify/invariants.js';
import { runPolicyTests } from '../dist/verify/policy-tests.js';
import { points, requestSpace } from '../dist/verify/space.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_POINTS = 1_000_000; // `switchyard test` defaults, so the library rows do what the CLI does
const SAMPLES = 10_000;
const SEED = 1;

const doc = (kind, name, spec, labels) =>
  `apiVersion: switchyard.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${labels ? `  labels: ${labels}\n` : ''}spec:\n${spec}`;
const yamlList = (xs) => `[${xs.join(', ')}]`;

// name, regions, zeroDataRetention, trainsOnData, retentionDays, certifications
const PROVIDERS = [
  ['openai-us', ['us-east-1'], false, false, 30, ['soc2', 'iso27001', 'gdpr-dpa']],
  ['anthropic-us', ['us-east-1', 'us-west-2'], true, false, 0, ['soc2', 'iso27001', 'hipaa-baa']],
  ['azure-eu', ['eu-north-1'], false, false, 30, ['soc2', 'iso27001', 'gdpr-dpa', 'hipaa-baa']],
  ['mistral-eu', ['eu-west-3'], false, false, 30, ['soc2', 'iso27001', 'gdpr-dpa']],
  ['vllm-eu', ['eu-central-1'], true, false, 0, ['iso27001', 'gdpr-dpa']],
  ['bedrock-us', ['us-west-2'], true, false, 0, ['soc2', 'hipaa-baa']],
  ['vertex-eu', ['eu-west-4'], true, false, 0, ['soc2', 'iso27001', 'gdpr-dpa', 'hipaa-baa']],
  ['free-us', ['us-central1'], false, true, 365, []],
];
// name, provider, tier, input $/MTok, output $/MTok, context window, capabilities
const MODELS = [
  ['gpt-nano', 'openai-us', 'small', 0.1, 0.4, 128000, ['tools', 'json']],
  ['gpt-mini', 'openai-us', 'medium', 0.4, 1.6, 128000, ['tools', 'json', 'vision']],
  ['gpt-large', 'openai-us', 'large', 2, 8, 1000000, ['tools', 'json', 'vision']],
  ['gpt-reasoner', 'openai-us', 'frontier', 10, 40, 200000, ['tools', 'json', 'reasoning']],
  ['claude-haiku', 'anthropic-us', 'small', 0.8, 4, 200000, ['tools', 'vision']],
  ['claude-sonnet', 'anthropic-us', 'large', 3, 15, 200000, ['tools', 'vision', 'reasoning']],
  ['claude-opus', 'anthropic-us', 'frontier', 15, 75, 200000, ['tools', 'vision', 'reasoning']],
  ['azure-mini-eu', 'azure-eu', 'medium', 0.4, 1.6, 128000, ['tools', 'json']],
  ['azure-large-eu', 'azure-eu', 'large', 2, 8, 128000, ['tools', 'json', 'vision']],
  ['mistral-small', 'mistral-eu', 'small', 0.2, 0.6, 32000, ['tools', 'json']],
  ['mistral-large', 'mistral-eu', 'large', 2, 6, 128000, ['tools', 'json']],
  ['codestral', 'mistral-eu', 'medium', 0.3, 0.9, 128000, ['tools', 'json']],
  ['llama-8b-eu', 'vllm-eu', 'small', 0.05, 0.05, 32000, ['json']],
  ['llama-70b-eu', 'vllm-eu', 'medium', 0.3, 0.3, 128000, ['tools', 'json']],
  ['bedrock-haiku', 'bedrock-us', 'small', 0.8, 4, 200000, ['tools']],
  ['bedrock-sonnet', 'bedrock-us', 'large', 3, 15, 200000, ['tools', 'reasoning']],
  ['gemini-flash-eu', 'vertex-eu', 'small', 0.3, 2.5, 1000000, ['tools', 'json', 'vision']],
  ['gemini-pro-eu', 'vertex-eu', 'large', 1.25, 10, 1000000, ['tools', 'json', 'vision', 'reasoning']],
  ['free-flash', 'free-us', 'small', 0, 0, 1000000, ['json']],
  ['free-pro', 'free-us', 'medium', 0, 0, 1000000, ['json']],
];
// department, region, data classes allowed (first is the default), team budget thresholds
const DEPARTMENTS = [
  ['clinical', 'us', ['internal', 'confidential', 'phi'], '    - { atPercent: 75, action: alert }\n    - { atPercent: 100, action: deny }\n'],
  ['support', 'eu', ['internal', 'public', 'pii-eu'], '    - { atPercent: 50, action: alert }\n    - { atPercent: 80, action: downgrade, maxTier: small }\n    - { atPercent: 100, action: deny }\n'],
  ['engineering', 'us', ['internal', 'public', 'confidential'], '    - { atPercent: 50, action: alert }\n    - { atPercent: 80, action: downgrade, maxTier: medium }\n    - { atPercent: 100, action: deny }\n'],
  ['finance', 'us', ['confidential', 'internal'], '    - { atPercent: 50, action: alert }\n    - { atPercent: 80, action: downgrade, maxTier: medium }\n    - { atPercent: 100, action: deny }\n'],
  ['research', 'us', ['public', 'internal'], '    - { atPercent: 50, action: alert }\n    - { atPercent: 80, action: downgrade, maxTier: small }\n    - { atPercent: 100, action: deny }\n'],
];
const TEAMS_PER_DEPARTMENT = 10;
const teamName = (dept, j) => `${dept}-${String(j).padStart(2, '0')}`;

/** Each department's team routes: what its own applications ask for with model `auto`. */
function teamRoute(dept, j) {
  const long = j % 2 === 1 ? '    promptTokens: { lt: 32000 }\n' : '';
  const route = (tasks, strategy, targets, extra = '') =>
    `  match:\n    teams: [${teamName(dept, j)}]\n    tasks: ${yamlList(tasks)}\n    models: [auto]\n${long}  strategy: ${strategy}\n${extra}  targets:\n${targets.map((t) => `    - ${t}\n`).join('')}`;
  switch (dept) {
    case 'clinical': return route(['summarize', 'general'], 'ordered', ['{ model: claude-haiku }', '{ model: bedrock-haiku }', '{ model: claude-sonnet }'], '  fallback: { onStatus: [429, 503], onTimeout: true, maxAttempts: 2 }\n');
    case 'support': return j % 3 === 0
      ? route(['chat'], 'cheapest', ['{ model: azure-mini-eu }', '{ model: mistral-small }', '{ model: llama-70b-eu }'])
      : route(['chat'], 'weighted', ['{ model: azure-mini-eu, weight: 90 }', '{ model: mistral-small, weight: 10 }']);
    case 'engineering': return route(['code'], j % 2 ? 'cheapest' : 'ordered', ['{ model: claude-sonnet }', '{ model: gpt-mini }', '{ model: codestral }'], '  requires: { capabilities: [tools] }\n  fallback: { maxAttempts: 3 }\n');
    case 'finance': return route(['classify', 'summarize'], 'cheapest', ['{ model: gpt-nano }', '{ model: claude-haiku }', '{ model: llama-8b-eu }']);
    case 'research': return route(['general', 'chat'], 'weighted', ['{ model: free-flash, weight: 50 }', '{ model: gpt-nano, weight: 50 }']);
    default: throw new Error(`unknown department ${dept}`);
  }
}

/**
 * The organisation as files (path → YAML). `wideBudgets` adds a budget per department and one organisation-wide
 * shared budget on top of the budgets per team: realistic, and it multiplies the budget states of every team.
 */
function generateOrganisation({ wideBudgets }) {
  const files = new Map();
  const add = (path, text) => files.set(path, files.has(path) ? `${files.get(path)}---\n${text}` : text);
  add('organization.yaml', doc('Organization', 'northwind', '  dataClasses: [public, internal, confidential, pii-eu, phi]\n  tasks: [general, chat, summarize, code, classify]\n  modelAliases: [auto, fast, smart]\n  defaults: { dataClass: internal, task: general }\n  logging: { content: false }\n'));
  for (const [name, regions, zdr, trains, days, certs] of PROVIDERS) {
    add('providers.yaml', doc('Provider', name, `  api: ${name.startsWith('anthropic') ? 'anthropic' : 'openai'}\n  baseUrl: \${${name.toUpperCase().replace(/-/g, '_')}_URL:-https://${name}.example.com/v1}\n  credentials: { env: ${name.toUpperCase().replace(/-/g, '_')}_KEY }\n  regions: ${yamlList(regions)}\n  dataPolicy: { zeroDataRetention: ${zdr}, trainsOnData: ${trains}, retentionDays: ${days} }\n  certifications: ${yamlList(certs)}\n`));
  }
  for (const [name, provider, tier, input, output, window, caps] of MODELS) {
    add('models.yaml', doc('Model', name, `  provider: ${provider}\n  upstreamModel: ${name}-2026\n  pricing: { inputPerMTok: ${input}, outputPerMTok: ${output} }\n  contextWindow: ${window}\n  maxOutputTokens: 8192\n  tier: ${tier}\n  capabilities: ${yamlList(caps)}\n`));
  }
  let priority = 100;
  for (const [d, [dept, region, classes, thresholds]] of DEPARTMENTS.entries()) {
    for (let j = 1; j <= TEAMS_PER_DEPARTMENT; j++) {
      const team = teamName(dept, j);
      const hash = createHash('sha256').update(`sk-${team}`).digest('hex');
      add(`teams/${dept}.yaml`, doc('Team', team, `  keys:\n    - { id: ${team}-app, sha256: ${hash} }\n  dataClasses:\n    allowed: ${yamlList(classes)}\n    default: ${classes[0]}\n`, `{ department: ${dept}, region: ${region}, cost-center: cc-${1000 + d * 100 + j} }`));
      add(`routes/${dept}.yaml`, doc('Route', `${team}-auto`, `  priority: ${priority++}\n${teamRoute(dept, j)}`));
      add(`budgets/${dept}.yaml`, doc('Budget', `${team}-monthly`, `  match: { teams: [${team}] }\n  per: team\n  window: month\n  limitUsd: ${500 + 100 * j}\n  thresholds:\n${thresholds}`));
    }
    if (wideBudgets) {
      add('budgets/departments.yaml', doc('Budget', `${dept}-monthly-cap`, `  match: { teamLabels: { department: ${dept} } }\n  per: shared\n  window: month\n  limitUsd: ${20000 + d * 5000}\n  thresholds:\n    - { atPercent: 90, action: downgrade, maxTier: medium }\n    - { atPercent: 100, action: deny }\n`));
    }
  }
  if (wideBudgets) add('budgets/organisation.yaml', doc('Budget', 'org-daily', '  per: shared\n  window: day\n  limitUsd: 4000\n  thresholds:\n    - { atPercent: 80, action: alert }\n    - { atPercent: 100, action: deny }\n  enforcement: monitor\n'));
  const route = (name, priority, match, strategy, targets, extra = '') =>
    add('routes/shared.yaml', doc('Route', name, `  priority: ${priority}\n${match ? `  match: ${match}\n` : ''}  strategy: ${strategy}\n${extra}  targets:\n${targets.map((t) => `    - { model: ${t} }\n`).join('')}`));
  route('phi', 1000, '{ dataClasses: [phi] }', 'ordered', ['claude-sonnet', 'bedrock-sonnet', 'gemini-pro-eu', 'claude-haiku', 'bedrock-haiku'], '  fallback: { onStatus: [429, 500, 502, 503], onTimeout: true, maxAttempts: 3 }\n');
  route('pii-eu', 900, '{ dataClasses: [pii-eu] }', 'ordered', ['azure-mini-eu', 'mistral-small', 'llama-70b-eu', 'gemini-flash-eu']);
  route('fast', 850, '{ models: [fast] }', 'cheapest', ['gpt-nano', 'claude-haiku', 'mistral-small', 'llama-8b-eu']);
  route('smart', 840, '{ models: [smart] }', 'ordered', ['claude-opus', 'gpt-reasoner', 'gemini-pro-eu']);
  route('long-summaries', 800, '{ tasks: [summarize], promptTokens: { gte: 100000 } }', 'cheapest', ['free-pro', 'gemini-pro-eu', 'gpt-large']);
  route('code', 60, '{ tasks: [code] }', 'ordered', ['codestral', 'gpt-mini']);
  route('clinical-default', 54, '{ teamLabels: { department: clinical } }', 'ordered', ['claude-sonnet', 'bedrock-sonnet']);
  route('support-default', 53, '{ teamLabels: { department: support } }', 'ordered', ['azure-mini-eu', 'llama-70b-eu', 'gemini-flash-eu']);
  route('engineering-default', 52, '{ teamLabels: { department: engineering } }', 'ordered', ['gpt-mini', 'claude-sonnet']);
  route('finance-default', 51, '{ teamLabels: { department: finance } }', 'cheapest', ['gpt-mini', 'azure-mini-eu', 'mistral-large']);
  route('default', 0, undefined, 'ordered', ['gpt-mini', 'azure-mini-eu', 'claude-haiku']);

  const rule = (kind, name, spec) => add('guardrails.yaml', doc(kind, name, spec));
  rule('Vetting', 'phi-needs-baa', '  match: { dataClasses: [phi] }\n  require: { certifications: [hipaa-baa], zeroDataRetention: true }\n  enforcement: enforce\n');
  rule('Vetting', 'only-public-may-train', '  match: { dataClasses: [internal, confidential, pii-eu, phi] }\n  require: { trainsOnData: false }\n  enforcement: enforce\n');
  rule('Vetting', 'confidential-soc2-short-retention', '  match: { dataClasses: [confidential] }\n  require: { certifications: [soc2], maxRetentionDays: 30 }\n  enforcement: enforce\n');
  rule('Vetting', 'research-up-to-medium', '  match: { teamLabels: { department: research } }\n  maxTier: medium\n  enforcement: enforce\n');
  rule('Vetting', 'finance-no-free-tier', '  match: { teamLabels: { department: finance } }\n  denyProviders: [free-us]\n  enforcement: enforce\n');
  rule('Vetting', 'support-frontier-review', '  match: { teamLabels: { department: support } }\n  maxTier: large\n  enforcement: monitor\n');
  rule('Residency', 'pii-eu-in-eu', '  match: { dataClasses: [pii-eu] }\n  allowRegions: ["eu-*"]\n  enforcement: enforce\n');
  rule('Residency', 'eu-teams-in-eu', '  match: { teamLabels: { region: eu } }\n  allowRegions: ["eu-*"]\n  enforcement: enforce\n');

  const invariant = (name, forAll, assert) => add('invariants.yaml', doc('Invariant', name, `  forAll: ${forAll}\n  assert: ${assert}\n`));
  invariant('phi-only-to-baa-zero-retention', '{ dataClasses: [phi] }', '{ certifications: [hipaa-baa], zeroDataRetention: true }');
  invariant('pii-eu-only-in-eu', '{ dataClasses: [pii-eu] }', '{ regions: ["eu-*"] }');
  invariant('pii-eu-never-to-us-providers', '{ dataClasses: [pii-eu] }', '{ notProviders: [openai-us, anthropic-us, bedrock-us, free-us] }');
  invariant('eu-teams-stay-in-eu', '{ teamLabels: { region: eu } }', '{ regions: ["eu-*"] }');
  invariant('non-public-never-to-trainers', '{ dataClasses: [internal, confidential, pii-eu, phi] }', '{ notProviders: [free-us] }');
  invariant('confidential-only-soc2', '{ dataClasses: [confidential] }', '{ certifications: [soc2] }');
  invariant('finance-never-free-tier', '{ teamLabels: { department: finance } }', '{ notProviders: [free-us] }');
  invariant('research-up-to-medium', '{ teamLabels: { department: research } }', '{ maxTier: medium }');
  invariant('support-chat-stays-cheap', '{ teamLabels: { department: support }, tasks: [chat], models: [auto] }', '{ maxPricePerMTok: 5 }');
  invariant('engineering-code-below-frontier', '{ teamLabels: { department: engineering }, tasks: [code], models: [auto] }', '{ maxTier: large }');
  invariant('fast-stays-cheap-outside-phi', '{ models: [fast], dataClasses: [public, internal, confidential, pii-eu] }', '{ maxPricePerMTok: 5 }');

  // A few Tests, as a real repository would have next to its invariants; `switchyard test` runs both.
  const test = (name, request, expect, budgets) =>
    add('tests.yaml', doc('Test', name, `  request: ${request}\n${budgets ? `  budgets: ${budgets}\n` : ''}  expect: ${expect}\n`));
  test('clinical-phi-to-baa', '{ team: clinical-01, dataClass: phi, task: summarize, model: auto, promptTokens: 2000 }', '{ route: phi, model: claude-sonnet }');
  test('support-pii-stays-in-eu', '{ team: support-02, dataClass: pii-eu, task: chat, model: auto }', '{ route: pii-eu, model: azure-mini-eu }');
  test('research-internal-skips-free-tier', '{ team: research-03, dataClass: internal, task: chat, model: auto }', '{ route: research-03-auto, model: gpt-nano }');
  test('finance-confidential-fast-is-cheapest-vetted', '{ team: finance-04, dataClass: confidential, task: classify, model: fast }', '{ route: fast, model: gpt-nano }');
  test('engineering-smart-past-downgrade-denied', '{ team: engineering-05, dataClass: internal, model: smart }', '{ deny: budget_exhausted }', '{ engineering-05-monthly: 85 }');
  test('research-budget-exhausted', '{ team: research-06, dataClass: public, model: auto }', '{ deny: budget_exhausted }', '{ research-06-monthly: 100 }');
  return files;
}

function writeOrganisation(files) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-invariants-'));
  for (const [path, text] of files) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Fails the bench unless every invariant ran the expected way, covered requests and held. */
function assertAllHold(results, policy, method, label) {
  if (results.length !== policy.invariants.size) throw new Error(`${label}: ${results.length} results for ${policy.invariants.size} invariants`);
  for (const r of results) {
    if (r.method !== method) throw new Error(`${label}: ${r.name} was ${r.method}, expected ${method}`);
    if (r.covered === 0) throw new Error(`${label}: ${r.name} covers no request`);
    if (!r.ok) throw new Error(`${label}: ${r.name} does not hold: ${r.counterexample?.violation} for ${JSON.stringify(r.counterexample?.ctx)} budgets ${JSON.stringify(r.counterexample?.budgets)}`);
  }
}

/** Uniform random cells of the space (mulberry32, fixed seed): the baseline for the sampled rows. */
function randomPoints(space, n, seed) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const out = [];
  for (let i = 0; i < n; i++) {
    const team = pick(space.teams);
    const ctx = { team, dataClass: pick(space.dataClassesByTeam.get(team)), task: pick(space.tasks), model: pick(space.models), promptTokens: pick(space.promptTokenCuts), stream: pick(space.streams) };
    const budgets = Object.fromEntries((space.budgetBandsByTeam.get(team) ?? []).map((b) => [b.budget, pick(b.bands)]));
    out.push({ ctx, budgets });
  }
  return out;
}

const perPoint = (stats, n) => ({ ...stats, medianNs: stats.medianNs / n, p99Ns: stats.p99Ns / n, minNs: stats.minNs / n, maxNs: stats.maxNs / n });
const fmtInt = (n) => n.toLocaleString('en-US');
const rate = (stats, n) => `${fmtInt(Math.round(n / (stats.medianNs / 1e9)))} points/s`;

async function load(dir, label) {
  const checked = await checkPolicy(dir, { env: {} });
  if (!checked.ok || !checked.load.ok) throw new Error(`${label}: generated organisation is invalid: ${JSON.stringify(checked.diagnostics.slice(0, 3))}`);
  const policy = checked.load.policy;
  const graph = compile(policy);
  const tests = runPolicyTests(policy, graph, dir);
  const failing = tests.filter((t) => !t.ok);
  if (failing.length > 0) throw new Error(`${label}: test ${failing[0].name} fails: ${JSON.stringify(failing[0].mismatches)}`);
  const counts = `${policy.teams.size} teams, ${policy.providers.size} providers, ${policy.models.size} models, ${policy.routes.size} routes, ${policy.vettings.size} Vetting, ${policy.residencies.size} Residency, ${policy.budgets.size} budgets, ${policy.invariants.size} invariants, ${policy.tests.size} tests`;
  return { policy, graph, counts, findings: checked.diagnostics.length, space: requestSpace(policy) };
}

/** `switchyard test <dir> --format json` once, end to end; checks the invariants it reports. */
function cli(dir, policy, method, label) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin/switchyard.js'), 'test', dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ns = (performance.now() - t0) * 1e6;
  if (r.status !== 0) throw new Error(`${label}: switchyard test exited ${r.status}: ${r.stderr}${r.stdout.slice(0, 2000)}`);
  const out = JSON.parse(r.stdout);
  if (out.failed !== 0) throw new Error(`${label}: switchyard test reports ${out.failed} failures`);
  assertAllHold(out.invariants, policy, method, `${label} (CLI)`);
  return ns;
}

export default async function (h) {
  const teamDir = writeOrganisation(generateOrganisation({ wideBudgets: false }));
  const wideDir = writeOrganisation(generateOrganisation({ wideBudgets: true }));
  try {
    const proven = await load(teamDir, 'budgets per team');
    const wide = await load(wideDir, 'budgets per team, department and organisation');
    if (proven.space.size > MAX_POINTS) throw new Error(`the per-team variant no longer fits: ${proven.space.size} points`);
    if (wide.space.size <= MAX_POINTS) throw new Error(`the wide-budget variant fits: ${wide.space.size} points`);
    const nInv = proven.policy.invariants.size;
    const once = { samples: 3, batch: 1, warmup: 1, maxMs: 60_000 };
    const options = { maxPoints: MAX_POINTS, numRuns: SAMPLES, seed: SEED, policyDir: teamDir };

    // Proven: every invariant walks the whole space and decides the points inside its forAll.
    let provenResults;
    const enumerate = await h.measure(() => {
      let n = 0;
      for (const _ of points(proven.space)) n++;
      if (n !== proven.space.size) throw new Error(`points() yielded ${n} of ${proven.space.size}`);
    }, once);
    const decideAll = await h.measure(() => {
      for (const p of points(proven.space)) decide(proven.graph, p.ctx, budgetStateFromPercents(proven.policy, p.budgets));
    }, once);
    // No warm-up run: the rows above already warmed `decide` and `points()`, and each run takes seconds.
    const provenRun = await h.measure(() => {
      provenResults = checkInvariants(proven.policy, proven.graph, options);
    }, { ...once, warmup: 0 });
    assertAllHold(provenResults, proven.policy, 'proven', 'budgets per team');
    const provenChecked = provenResults.reduce((n, r) => n + r.checked, 0);
    const provenCovered = provenResults.reduce((n, r) => n + r.covered, 0);

    // Sampled: fast-check draws SAMPLES points per invariant from the wide space.
    let wideResults;
    const wideRun = await h.measure(() => {
      wideResults = checkInvariants(wide.policy, wide.graph, { ...options, policyDir: wideDir });
    }, once);
    assertAllHold(wideResults, wide.policy, 'sampled', 'wide budgets');
    const wideChecked = wideResults.reduce((n, r) => n + r.checked, 0);
    const wideCovered = wideResults.reduce((n, r) => n + r.covered, 0);
    const drawn = randomPoints(wide.space, wideChecked, SEED);
    const decideDrawn = await h.measure(() => {
      for (const p of drawn) decide(wide.graph, p.ctx, budgetStateFromPercents(wide.policy, p.budgets));
    }, once);

    const provenCli = cli(teamDir, proven.policy, 'proven', 'budgets per team');
    const wideCli = cli(wideDir, wide.policy, 'sampled', 'wide budgets');
    const floor = await h.measure(() => void spawnSync(process.execPath, [join(root, 'bin/switchyard.js'), '--version']), { ...once, samples: 3 });

    const p = h.group(
      `invariants per point: ${nInv} invariants on a 50-team organisation`,
      `Organisation: ${proven.counts} (${proven.findings} static-analysis findings). ` +
        `Proven: budgets per team only, request space ${fmtInt(proven.space.size)} points (≤ ${fmtInt(MAX_POINTS)}: exhaustive); each invariant walks all of it, ` +
        `${fmtInt(provenChecked)} points checked, ${fmtInt(provenCovered)} inside a forAll and decided. ` +
        `Sampled: the same plus ${wide.policy.budgets.size - proven.policy.budgets.size} department and organisation budgets, space ${fmtInt(wide.space.size)} points (> ${fmtInt(MAX_POINTS)}): ` +
        `${fmtInt(SAMPLES)} fast-check samples per invariant (seed ${SEED}), ${fmtInt(wideChecked)} checked, ${fmtInt(wideCovered)} inside a forAll. ` +
        'One operation = one point; each sample is a whole run divided by its points. Baselines: the same points decided by the compiled `decide` alone ' +
        '(budget state from percents + decide), enumerated by `points()` for the proven rows and drawn uniformly at random (fixed seed) for the sampled ones.',
    );
    p.add('enumerate only: points() over the space (floor)', perPoint(enumerate, proven.space.size));
    p.add('baseline (proven): enumerate + decide every point', perPoint(decideAll, proven.space.size), { baseline: 'enumerate only: points() over the space (floor)' });
    p.add('checkInvariants, proven: per point checked', perPoint(provenRun, provenChecked), { baseline: 'baseline (proven): enumerate + decide every point' });
    p.add('checkInvariants, proven: per point decided (in a forAll)', perPoint(provenRun, provenCovered), { baseline: 'baseline (proven): enumerate + decide every point' });
    p.add('baseline (sampled): decide the same number of random points', perPoint(decideDrawn, wideChecked));
    p.add('checkInvariants, sampled: per point checked', perPoint(wideRun, wideChecked), { baseline: 'baseline (sampled): decide the same number of random points' });

    const covered = (results) => results.map((r) => `${r.name} ${fmtInt(r.covered)}`).join(', ');
    p.note += `\n\nIn a forAll, proven (of ${fmtInt(proven.space.size)} each): ${covered(provenResults)}. Sampled (of ${fmtInt(SAMPLES)} each): ${covered(wideResults)}.`;

    const w = h.group(
      'invariants, whole runs',
      `Throughput (median): decide alone ${rate(decideAll, proven.space.size)}; proven ${rate(provenRun, provenChecked)} checked (${rate(provenRun, provenCovered)} decided); ` +
        `sampled ${rate(wideRun, wideChecked)}. The CLI rows are one run each (spawn \`node bin/switchyard.js test <dir> --format json\`: start-up, load, static analysis, compile, ` +
        `${proven.policy.tests.size} Tests, ${nInv} invariants, JSON out).`,
    );
    w.add('baseline: decide every point of the space once', decideAll);
    w.add(`checkInvariants, proven (${nInv} × ${fmtInt(proven.space.size)} points)`, provenRun, { baseline: 'baseline: decide every point of the space once' });
    w.add(`checkInvariants, sampled (${nInv} × ${fmtInt(SAMPLES)} samples)`, wideRun, { baseline: 'baseline: decide every point of the space once' });
    w.add('switchyard test, proven (CLI, end to end, one run)', h.summarize([provenCli]));
    w.add('switchyard test, sampled (CLI, end to end, one run)', h.summarize([wideCli]));
    w.add('switchyard --version (CLI start-up floor)', floor);
  } finally {
    rmSync(teamDir, { recursive: true, force: true });
    rmSync(wideDir, { recursive: true, force: true });
  }
}
