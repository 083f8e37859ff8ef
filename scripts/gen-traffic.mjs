#!/usr/bin/env node
// Generates a deterministic traffic sample for `dry-run` / `diff` from the teams, tasks, data classes and
// models of a policy directory: audit-style JSON Lines records with timestamps across one UTC day.
//
//   node scripts/gen-traffic.mjs [--policies policies] [--records 2000] [--seed 20250602] [--out examples/traffic/sample.jsonl]
//
// Profiles below describe how each team of the example organisation calls the proxy; a team without a
// profile gets an even mix of its allowed data classes and the organisation's tasks.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

const DAY = Date.UTC(2025, 5, 2); // 2025-06-02T00:00:00Z

/** Deterministic 32-bit PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rand, weighted) => {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [value, w] of weighted) if ((x -= w) < 0) return value;
  return weighted[weighted.length - 1][0];
};

/** Log-normal around `median` with spread `sigma`, clamped to [min, max]. */
function logNormal(rand, median, sigma, min, max) {
  const u = Math.max(rand(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  return Math.round(Math.min(max, Math.max(min, median * Math.exp(sigma * z))));
}

// Requests per hour of the day (UTC): the EU support desk from 07:00, US engineering from 13:00.
const HOURLY = [2, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 14, 16, 17, 16, 14, 11, 8, 6, 5, 4, 3];

const PROFILES = {
  support: {
    share: 50,
    tasks: [['chat', 70], ['summarize', 14], ['classify', 11], [undefined, 5]],
    dataClasses: [[undefined, 55], ['pii-eu', 35], ['public', 10]],
    models: [['auto', 84], ['fast', 11], ['smart', 5]],
    prompt: [900, 0.9],
    output: [260, 0.7],
    stream: 0.7,
    conversations: 300,
  },
  engineering: {
    share: 35,
    tasks: [['code', 58], [undefined, 18], ['summarize', 12], ['classify', 12]],
    dataClasses: [[undefined, 68], ['confidential', 22], ['public', 10]],
    models: [['auto', 58], ['smart', 14], ['fast', 14], ['gpt-4-1', 7], ['claude-sonnet', 7]],
    prompt: [3200, 1.1],
    output: [650, 0.8],
    stream: 0.5,
    longSummaries: 0.08,
  },
  clinical: {
    share: 15,
    tasks: [['summarize', 78], ['classify', 12], ['chat', 10]],
    dataClasses: [[undefined, 72], ['confidential', 18], ['internal', 10]],
    models: [['auto', 94], ['fast', 6]],
    prompt: [6000, 0.8],
    output: [500, 0.6],
    stream: 0.2,
  },
};

function readPolicy(dir) {
  const teams = [];
  let org;
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const value = doc.toJS();
      if (value?.kind === 'Team') teams.push({ name: value.metadata.name, keys: (value.spec.keys ?? []).map((k) => k.id), allowed: value.spec.dataClasses.allowed });
      if (value?.kind === 'Organization') org = value.spec;
    }
  }
  if (!org) throw new Error(`no Organization in ${dir}`);
  return { teams, tasks: org.tasks, dataClasses: org.dataClasses };
}

function profileOf(team, tasks) {
  return (
    PROFILES[team.name] ?? {
      share: 10,
      tasks: tasks.map((t) => [t, 1]),
      dataClasses: team.allowed.map((c) => [c, 1]),
      models: [['auto', 1]],
      prompt: [1500, 1],
      output: [400, 0.8],
      stream: 0.5,
    }
  );
}

/** The sample as JSON Lines strings, in time order. */
export function generateTraffic({ policyDir = 'policies', records = 2000, seed = 20250602 } = {}) {
  const rand = rng(seed);
  const { teams, tasks, dataClasses } = readPolicy(policyDir);
  const profiles = teams.map((t) => ({ team: t, profile: profileOf(t, tasks) }));
  const hours = HOURLY.map((w, h) => [h, w]);
  const out = [];
  for (let i = 0; i < records; i++) {
    const { team, profile: p } = pick(rand, profiles.map((x) => [x, x.profile.share]));
    const task = pick(rand, p.tasks.filter(([t]) => t === undefined || tasks.includes(t)));
    let dataClass = pick(rand, p.dataClasses.filter(([c]) => c === undefined || team.allowed.includes(c)));
    // About 1% of calls come from a misconfigured client declaring a class its team may not send.
    const forbidden = dataClasses.filter((c) => !team.allowed.includes(c));
    if (forbidden.length > 0 && rand() < 0.01) dataClass = forbidden[Math.floor(rand() * forbidden.length)];
    const model = pick(rand, p.models);
    const long = task === 'summarize' && p.longSummaries !== undefined && rand() < p.longSummaries;
    const promptTokens = long ? logNormal(rand, 180_000, 0.4, 100_001, 900_000) : logNormal(rand, p.prompt[0], p.prompt[1], 20, 90_000);
    const outputTokens = logNormal(rand, p.output[0], p.output[1], 1, 8000);
    const ctx = { team: team.name };
    if (dataClass !== undefined) ctx.dataClass = dataClass;
    if (task !== undefined) ctx.task = task;
    ctx.model = model;
    ctx.promptTokens = promptTokens;
    if (rand() < 0.4) ctx.maxTokens = [512, 1024, 2048, 4096][Math.floor(rand() * 4)];
    ctx.stream = rand() < p.stream;
    if (p.conversations !== undefined) ctx.stickyKey = `conv-${String(1 + Math.floor(rand() * p.conversations)).padStart(4, '0')}`;
    const time = DAY + pick(rand, hours) * 3_600_000 + Math.floor(rand() * 3_600_000);
    const keyId = team.keys[Math.floor(rand() * team.keys.length)] ?? '';
    // Requests that were denied or aborted before the provider answered carry no usage.
    const usage = rand() >= 0.02 ? { inputTokens: Math.max(1, Math.round(promptTokens * (0.95 + rand() * 0.1))), outputTokens } : undefined;
    out.push({ time, keyId, ctx, usage, order: i });
  }
  out.sort((a, b) => a.time - b.time || a.order - b.order);
  return out.map(({ time, keyId, ctx, usage }, i) => {
    const record = { time: new Date(time).toISOString(), requestId: `req-${String(i + 1).padStart(6, '0')}`, keyId, team: ctx.team, context: ctx };
    if (usage !== undefined) record.usage = usage;
    return JSON.stringify(record);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { values } = parseArgs({
    options: { policies: { type: 'string' }, records: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
  });
  const lines = generateTraffic({
    policyDir: values.policies ?? join(root, 'policies'),
    records: Number(values.records ?? 2000),
    seed: Number(values.seed ?? 20250602),
  });
  const out = values.out ?? join(root, 'examples/traffic/sample.jsonl');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length} records to ${out}`);
}
