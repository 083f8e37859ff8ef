// Feature extraction + classification on the request path (issue 10): the proxy has parsed the body already
// (so what is classified here is JSON.parse of the generated body, flat strings as a proxy sees them),
// computes the features once (counts, code density, one-pass keyword hits) and `decide` classifies from them.
// Bodies of 2 KB (chat, code, Anthropic, and 1,800 characters of Greek), 100 KB and 1 MB against the example policy's Classifier (37
// keywords), each next to JSON.parse of the same body in the same run; then decide() with the features
// (classification in the context step) against decide() of a context whose task is declared.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifierFor } from '../dist/classify/index.js';
import { compile, decide } from '../dist/engine/index.js';
import { loadPolicy } from '../dist/policy/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROSE = ['the', 'patient', 'portal', 'shows', 'my', 'last', 'appointment', 'but', 'not', 'the', 'invoice', 'from', 'March', 'and', 'I', 'would', 'like', 'to', 'know', 'why', 'it', 'is', 'missing'];
const GREEK = ['ο', 'ασθενής', 'βλέπει', 'το', 'τιμολόγιο', 'του', 'Μαρτίου', 'αλλά', 'όχι', 'την', 'τελευταία', 'επίσκεψη', 'και', 'θέλει', 'να', 'μάθει', 'γιατί'];
const CODE = ['async function load(ids) {', '  const users = [];', '  for (const id of ids) users.push(await db.find(id));', '  return users;', '}'];

/** Greek prose of exactly `n` characters: every letter beyond ASCII, no keyword of the policy among them. */
function greek(n) {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${GREEK[(i * 7) % GREEK.length]}${i % 17 === 16 ? '.\n' : ' '}`;
  return s.slice(0, n);
}

/** Prose (or code lines) of exactly `n` characters, deterministic. */
function text(n, code = false) {
  let s = '';
  for (let i = 0; s.length < n; i++) s += code ? `${CODE[i % CODE.length]}\n` : `${PROSE[(i * 7) % PROSE.length]}${i % 17 === 16 ? '.\n' : ' '}`;
  return s.slice(0, n);
}

function openaiBody(lastUser) {
  return {
    model: 'auto',
    max_tokens: 800,
    messages: [
      { role: 'system', content: 'You are the Meridian Health assistant. Answer briefly and cite the policy when you can.' },
      { role: 'user', content: 'I have a question about my account.' },
      { role: 'assistant', content: 'Of course. What would you like to know?' },
      { role: 'user', content: lastUser },
    ],
  };
}

function anthropicBody(lastUser) {
  return { model: 'auto', max_tokens: 800, system: 'You are the Meridian Health assistant.', messages: [{ role: 'user', content: [{ type: 'text', text: lastUser }] }] };
}

const CASES = [
  { name: 'chat 2 KB', protocol: 'openai', body: openaiBody(`${text(1700)} How do I get the invoice?`), target: '≤ 20 µs p99' },
  { name: 'code 2 KB', protocol: 'openai', body: openaiBody(`Why is this slow?\n\`\`\`js\n${text(1650, true)}\`\`\``), target: '≤ 20 µs p99' },
  { name: 'anthropic 2 KB', protocol: 'anthropic', body: anthropicBody(`Please summarize: ${text(1900)}`), target: '≤ 20 µs p99' },
  { name: 'greek 2 K chars', protocol: 'openai', body: openaiBody(greek(1800)), target: '≤ 20 µs p99' },
  { name: 'chat 100 KB', protocol: 'openai', body: openaiBody(text(100 * 1024)) },
  { name: 'chat 1 MB', protocol: 'openai', body: openaiBody(text(1024 * 1024)), target: '≤ 1 ms p99' },
  { name: 'code 1 MB', protocol: 'openai', body: openaiBody(text(1024 * 1024, true)), target: '≤ 1 ms p99' },
];

export default async function (h) {
  const loaded = await loadPolicy(join(root, 'policies'), { cwd: root, env: {} });
  if (!loaded.ok) throw new Error('policies/ does not load');
  const { classifier, extract } = classifierFor(loaded.policy);
  if (classifier === undefined) throw new Error('the example policy has no Classifier');
  const group = h.group(
    'Classification: features + Classifier per request',
    'Each row times single calls (no batching). Baseline: JSON.parse of the same body, which the proxy does anyway. ' +
      '"extract + classify" is what a request adds: the features of the parsed body and the first matching rule.',
  );
  const perKb = [];
  for (const c of CASES) {
    const json = JSON.stringify(c.body);
    // What the proxy classifies: a parsed body, whose strings are flat (the generated ones are concatenations).
    const body = JSON.parse(json);
    const big = json.length > 50_000;
    const opts = big ? { samples: 300, batch: 1, warmup: 20, maxMs: 8000 } : { samples: 20_000, batch: 1, warmup: 2000, maxMs: 4000 };
    const kb = `${(json.length / 1024).toFixed(json.length < 10_240 ? 1 : 0)} KiB`;
    group.add(`${c.name}: JSON.parse (${kb})`, await h.measure(() => JSON.parse(json), opts));
    const stats = group.add(`${c.name}: extract + classify`, await h.measure(() => classifier.match(extract(body, c.protocol), {}), opts), {
      baseline: `${c.name}: JSON.parse (${kb})`,
      target: c.target,
    });
    if (c.name.startsWith('chat')) perKb.push(`${c.name}: ${h.fmtNs(stats.medianNs / (json.length / 1024))}/KiB`);
  }

  const graph = compile(loaded.policy);
  const features = extract(CASES[0].body, 'openai');
  const classified = { team: 'engineering', model: 'auto', promptTokens: features.promptTokens, features };
  const declared = { team: 'engineering', model: 'auto', promptTokens: features.promptTokens, task: 'chat', complexity: 'low' };
  const d = h.group('decide() with features', `Cached request class; the features of "chat 2 KB". Median cost per KiB of body (extract + classify): ${perKb.join(', ')}.`);
  d.add('decide, task and complexity declared', await h.measure(() => decide(graph, declared), { samples: 3000, batch: 200 }));
  d.add('decide, classified from features', await h.measure(() => decide(graph, classified), { samples: 3000, batch: 200 }), { baseline: 'decide, task and complexity declared' });
}
