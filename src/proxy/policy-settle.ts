// Waiting until a policy directory has stopped changing before a reload reads it. A file caught half-written
// usually fails validation, but one cut right after a complete YAML document is valid — and may be more
// permissive than the whole file (a guardrail document not written yet). So a reload activates only content
// that two consecutive reads, `settleMs` apart, agree on.
import { setTimeout as sleep } from 'node:timers/promises';
import { readPolicyFiles } from '../policy/read-files.js';
import { contentHash } from '../policy/version.js';

export interface Fingerprint {
  /** The content hash the loader would compute (`PolicyVersion.hash`). */
  readonly hash: string;
  /** `hash`, plus the files that could not be read: two reads agree when their keys are equal. */
  readonly key: string;
  /** No file failed to read: the content is exactly what `hash` covers. */
  readonly clean: boolean;
}

export async function fingerprint(dir: string, cwd: string): Promise<Fingerprint> {
  const read = await readPolicyFiles(dir, cwd);
  const hash = contentHash(read.files);
  if (read.diagnostics.length === 0) return { hash, key: hash, clean: true };
  const problems = read.diagnostics.map((d) => `${d.file}:${d.code}`).sort().join(',');
  return { hash, key: `${hash}|${problems}`, clean: false };
}

export type SettleResult = { ok: true; fingerprint: Fingerprint } | { ok: false; reads: number };

/** Read until two consecutive reads agree; give up after `maxReads` reads of a directory that keeps changing. */
export async function settle(dir: string, cwd: string, settleMs: number, maxReads: number): Promise<SettleResult> {
  let previous = await fingerprint(dir, cwd);
  for (let reads = 1; reads < maxReads; reads++) {
    await sleep(settleMs);
    const next = await fingerprint(dir, cwd);
    if (next.key === previous.key) return { ok: true, fingerprint: next };
    previous = next;
  }
  return { ok: false, reads: maxReads };
}
