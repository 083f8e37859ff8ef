// The policy version: a content hash over every file (its path relative to the policy root and its bytes)
// in path order, plus the git commit when there is one.
import { createHash } from 'node:crypto';
import type { PolicyVersion } from './model.js';

export interface HashedFile {
  /** Path relative to the policy root, `/`-separated. */
  readonly hashPath: string;
  readonly bytes: Uint8Array;
}

const NUL = new Uint8Array([0]);

export function contentHash(files: readonly HashedFile[]): string {
  const hash = createHash('sha256');
  const ordered = [...files].sort((a, b) => (a.hashPath < b.hashPath ? -1 : a.hashPath > b.hashPath ? 1 : 0));
  for (const file of ordered) {
    hash.update(file.hashPath, 'utf8');
    hash.update(NUL);
    hash.update(file.bytes);
    hash.update(NUL);
  }
  return hash.digest('hex').slice(0, 12);
}

export function policyVersion(hash: string, commit: string | undefined): PolicyVersion {
  return commit === undefined ? { hash, id: hash } : { hash, commit, id: `${commit.slice(0, 12)}+${hash}` };
}
