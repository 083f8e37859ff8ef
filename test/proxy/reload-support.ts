// Shared by the reload tests: a scratch copy of policies/, the version a file set would have, a logger that
// records what the store did, polling with a deadline (a condition, never a fixed sleep), and the real proxy
// on the hot-reloading store with every provider at the upstream simulator.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import type { PolicyStore } from '../../src/proxy/policy-snapshot.js';
import { openPolicyStore, type PolicyStoreOptions, type StoreLogger } from '../../src/proxy/policy-store.js';
import { buildServer } from '../../src/proxy/server.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { sha } from './fixture.js';

export const POLICIES = join(import.meta.dirname, '..', '..', 'policies');

export interface ScratchPolicy {
  readonly dir: string;
  read(name: string): string;
  remove(): void;
}

/** A copy of policies/ outside any git checkout, so versions are plain content hashes. */
export function scratchPolicy(): ScratchPolicy {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
  cpSync(POLICIES, dir, { recursive: true });
  return {
    dir,
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The files of dir with some replaced: what the directory would hold. */
export function filesOf(dir: string, replace: Readonly<Record<string, string>> = {}): { path: string; text: string }[] {
  const names = new Set([...readdirSync(dir).filter((n) => !n.startsWith('.') && /\.ya?ml$/.test(n)), ...Object.keys(replace)]);
  return [...names].map((name) => ({ path: name, text: replace[name] ?? readFileSync(join(dir, name), 'utf8') }));
}

/** The version id the loader gives these files, or undefined when they are not a valid policy. */
export function versionOf(files: readonly { path: string; text: string }[], env: Record<string, string> = {}): string | undefined {
  const loaded = loadPolicyFromSources(files, { env });
  return loaded.ok ? loaded.policy.version.id : undefined;
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export function recordingLogger(): StoreLogger & { entries: LogEntry[]; events(name: string): LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    events: (name) => entries.filter((e) => e.fields['event'] === name),
    info: (fields, message) => void entries.push({ level: 'info', fields, message }),
    warn: (fields, message) => void entries.push({ level: 'warn', fields, message }),
    error: (fields, message) => void entries.push({ level: 'error', fields, message }),
  };
}

/** Poll until `check` holds; fails with `what` after timeoutMs. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Replace `from` with `to` once, failing loudly when the fixture no longer contains `from`. */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

export const ENGINEERING_KEY = 'sy-demo-engineering-0001'; // README "Demo keys"
export const ADMIN_KEY = 'sy-test-admin-key-reload';

/** Every provider of policies/ at the simulator (OpenAI-style APIs under /v1), with throwaway credentials. */
export function simulatorEnv(simUrl: string): Record<string, string> {
  const openai = `${simUrl}/v1`;
  return {
    OPENAI_BASE_URL: openai,
    AZURE_OPENAI_EU_BASE_URL: openai,
    MISTRAL_BASE_URL: openai,
    VLLM_EU_BASE_URL: openai,
    GEMINI_BASE_URL: openai,
    ANTHROPIC_BASE_URL: simUrl,
    OPENAI_API_KEY: 'pk-openai',
    AZURE_OPENAI_EU_API_KEY: 'pk-azure',
    MISTRAL_API_KEY: 'pk-mistral',
    VLLM_EU_API_KEY: 'pk-vllm',
    GEMINI_API_KEY: 'pk-gemini',
    ANTHROPIC_API_KEY: 'pk-anthropic',
  };
}

export interface ReloadingProxy {
  readonly scratch: ScratchPolicy;
  readonly sim: Simulator;
  readonly store: PolicyStore;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly env: Record<string, string>;
  readonly logger: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

/** The proxy on a scratch copy of policies/, watched, with every provider at one simulator. */
export async function startReloadingProxy(options: Partial<PolicyStoreOptions> = {}): Promise<ReloadingProxy> {
  const scratch = scratchPolicy();
  const sim = await startSimulator({ tokens: 4 });
  const env = simulatorEnv(sim.url);
  const logger = recordingLogger();
  const opened = await openPolicyStore(scratch.dir, { watch: true, env, logger, ...options });
  if (!opened.ok) throw new Error(`policies/ did not load: ${opened.diagnostics.map((d) => d.message).join('; ')}`);
  const store = opened.store;
  const app = buildServer(store, { logger: pino({ level: 'silent' }), env, adminKeySha256: sha(ADMIN_KEY) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    scratch,
    sim,
    store,
    app,
    url: `http://127.0.0.1:${address.port}`,
    env,
    logger,
    async close() {
      await app.close();
      await store.close();
      await sim.close();
      scratch.remove();
    },
  };
}

export interface Served {
  readonly status: number;
  readonly version: string | null;
  readonly model: string | null;
}

/** One chat completion as the engineering team asking for `auto`: the `default` route. */
export async function ask(url: string): Promise<Served> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ENGINEERING_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Which version answers?' }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, version: res.headers.get('x-switchyard-policy-version'), model: res.headers.get('x-switchyard-model') };
}
