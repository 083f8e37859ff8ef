// Shared by the reload tests: a scratch copy of policies/, the version a file set would have, a logger that
// records what the store did, and polling with a deadline (a condition, never a fixed sleep).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadPolicyFromSources } from '../../src/policy/index.js';
import type { StoreLogger } from '../../src/proxy/policy-store.js';

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
