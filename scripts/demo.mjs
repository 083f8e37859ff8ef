// `npm run demo`: the upstream simulator plus the proxy on the example policies/, with every provider's base URL
// pointed at the simulator (through the `${VAR:-default}` base URLs of policies/providers.yaml), then one request
// with a demo key, its answer and headers, and curl commands to try more. Runs until Ctrl-C; `--once` stops after
// the request (exit 0 when it succeeded). `--port N` picks the proxy's port (default 8080; 0 for any free one).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'switchyard.js');
const policies = join(root, 'policies');
// README "Demo keys": plaintext of hashes in policies/teams.yaml.
const ENGINEERING_KEY = 'sy-demo-engineering-0001';
const CLINICAL_KEY = 'sy-demo-clinical-0001';
const SUPPORT_KEY = 'sy-demo-support-0001';

const { values: flags } = parseArgs({ options: { once: { type: 'boolean', default: false }, port: { type: 'string', default: '8080' } } });
if (!/^\d+$/.test(flags.port)) fail(`\`--port\` needs a number, got \`${flags.port}\``);

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}

/**
 * The environment that sends every provider to the simulator: each Provider's `baseUrl` variable (OpenAI-style
 * APIs at `<sim>/v1`, Anthropic at `<sim>`) and a throwaway credential in its `credentials.env` variable.
 */
function simulatorEnv(simUrl) {
  const env = {};
  const text = readFileSync(join(policies, 'providers.yaml'), 'utf8');
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJS();
    if (value?.kind !== 'Provider') continue;
    const variable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/.exec(value.spec.baseUrl)?.[1];
    if (variable === undefined) fail(`provider \`${value.metadata.name}\` has no \`\${VAR}\` base URL to point at the simulator`);
    env[variable] = value.spec.api === 'anthropic' ? simUrl : `${simUrl}/v1`;
    env[value.spec.credentials.env] = `sk-sim-${value.metadata.name}`;
  }
  return env;
}

const children = [];
let stopping = false;

/** The proxy logs JSON lines; show each as its message and the fields a person reads. */
const SHOWN_FIELDS = ['team', 'route', 'model', 'provider', 'status', 'outcome', 'attempts', 'latencyMs', 'version'];
function readable(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return [line];
  }
  if (typeof entry?.msg !== 'string') return [line];
  if (entry.msg.startsWith('Server listening at') || entry.msg === 'listening') return []; // the banner says it
  const fields = SHOWN_FIELDS.filter((k) => entry[k] !== undefined && entry[k] !== null).map((k) => `${k}=${entry[k]}`);
  const details = Array.isArray(entry.diagnostics) ? entry.diagnostics.map((d) => `  ${d}`) : [];
  return [[entry.msg, ...fields].join(' '), ...details];
}

/** Start `switchyard <args>`, echo its output with a prefix, resolve with the address it says it listens on. */
function start(label, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let seen = '';
    let url;
    const echo = (data) => {
      const text = String(data);
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        for (const shown of readable(line)) process.stdout.write(`${label} │ ${shown}\n`);
      }
      seen += text;
      url ??= /listening on (http:\/\/\S+)/.exec(seen)?.[1];
      if (url !== undefined) resolve(url.replace('localhost', '127.0.0.1'));
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.once('exit', (code) => {
      if (url === undefined) reject(new Error(`${label.trim()} exited with code ${code} before listening`));
      else if (!stopping) {
        process.stderr.write(`demo: ${label.trim()} stopped unexpectedly (exit code ${code})\n`);
        shutdown(1);
      }
    });
  });
}

async function stopAll() {
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
    ),
  );
}

const shellQuote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

function curl(url, path, headers, body) {
  const lines = [`curl -sS -i ${url}${path}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
  lines.push(`  -d ${shellQuote(JSON.stringify(body))}`);
  return lines.join(' \\\n');
}

async function main() {
  // A fresh admin key per run: only its hash goes to the proxy, as in a real deployment.
  const adminKey = `sy-demo-admin-${randomBytes(12).toString('hex')}`;
  const sim = await start('simulator', ['simulate-upstream', '--port', '0'], {});
  // Spend of a demo session lives in memory: nothing is left behind in the working directory.
  const proxy = await start('proxy    ', ['serve', policies, '--port', flags.port, '--ledger', 'sqlite::memory:'], {
    ...simulatorEnv(sim),
    SWITCHYARD_ADMIN_KEY_SHA256: createHash('sha256').update(adminKey).digest('hex'),
  });

  const request = { model: 'auto', messages: [{ role: 'user', content: 'Say hello to the demo.' }] };
  const headers = { authorization: `Bearer ${ENGINEERING_KEY}`, 'content-type': 'application/json' };
  process.stdout.write(`\nPOST ${proxy}/v1/chat/completions as team engineering (key ${ENGINEERING_KEY}), model \`auto\`\n\n`);
  const res = await fetch(`${proxy}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(request) });
  const text = await res.text();
  process.stdout.write(`HTTP ${res.status}\n`);
  for (const [name, value] of res.headers) if (name.startsWith('x-switchyard-')) process.stdout.write(`${name}: ${value}\n`);
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show it as it came
  }
  process.stdout.write(`\n${shown}\n`);

  process.stdout.write(
    [
      '',
      `The proxy is at ${proxy}; every provider in policies/ is answered by the simulator at ${sim}.`,
      'Try it (the x-switchyard-* response headers say which route, model and provider decided each request):',
      '',
      curl(proxy, '/v1/chat/completions', headers, { ...request, messages: [{ role: 'user', content: 'Hello from curl' }] }),
      '',
      '# the clinical team sends PHI by default: the Anthropic API, to a BAA-covered zero-retention provider',
      curl(proxy, '/v1/messages', { 'x-api-key': CLINICAL_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, { model: 'auto', max_tokens: 64, messages: [{ role: 'user', content: 'Summarise the chart.' }] }),
      '',
      '# support may not declare PHI: refused with data_class_not_allowed',
      curl(proxy, '/v1/chat/completions', { authorization: `Bearer ${SUPPORT_KEY}`, 'x-switchyard-data-class': 'phi', 'content-type': 'application/json' }, request),
      '',
      '# what is serving, and the last reload error if an edit was invalid (admin key of this run only)',
      `curl -sS ${proxy}/admin/policy -H ${shellQuote(`authorization: Bearer ${adminKey}`)}`,
      '',
      flags.once ? '' : 'Edit a file in policies/ and the proxy reloads it. Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return res.status === 200;
}

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  void stopAll().then(() => process.exit(code));
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

main().then(
  (ok) => {
    if (flags.once) shutdown(ok ? 0 : 1);
  },
  (error) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    shutdown(1);
  },
);
