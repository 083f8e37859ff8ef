// A policy directory as it was at a git ref, read with `git` itself (no shell, no checkout, no working-tree
// change): `ls-tree` lists the files under the directory's path at the ref, one `cat-file --batch` reads them.
import { execFile } from 'node:child_process';
import { isPolicyFileName } from './read-files.js';

export interface GitPolicyFiles {
  /** Each file as `<ref>:<path from the repository root>` (what `git show` accepts), with its text. */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  /** The commit the ref names. */
  readonly commit: string;
  /** The directory's path inside the repository, `/`-separated, '' for the root. */
  readonly prefix: string;
}

export type GitReadFailure = 'not-a-repository' | 'unknown-ref' | 'no-such-path' | 'git-failed';

export type GitRead = { ok: true; value: GitPolicyFiles } | { ok: false; reason: GitReadFailure; message: string };

const MAX_OUTPUT = 512 * 1024 * 1024;

interface Run {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function git(args: readonly string[], cwd: string, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('git', [...args], { cwd, encoding: 'buffer', maxBuffer: MAX_OUTPUT, timeout: 60_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr: stderr.toString('utf8').trim() });
    });
    // INVARIANT: stdin is always closed, or git waits for input forever.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

const firstLine = (s: string): string => s.split('\n')[0] ?? '';

/** Blobs listed by `git ls-tree -r -z`: `<mode> <type> <object>\t<path>\0`. */
function parseTree(out: Buffer): { mode: string; type: string; object: string; path: string }[] {
  const entries = [];
  for (const raw of out.toString('utf8').split('\0')) {
    if (raw === '') continue;
    const tab = raw.indexOf('\t');
    const [mode = '', type = '', object = ''] = raw.slice(0, tab).split(' ');
    entries.push({ mode, type, object, path: raw.slice(tab + 1) });
  }
  return entries;
}

/** Contents of `git cat-file --batch` for the given objects, in order. */
function parseBatch(out: Buffer, count: number): Buffer[] | undefined {
  const blobs: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) return undefined;
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    const size = Number(header[2]);
    if (header[1] !== 'blob' || !Number.isSafeInteger(size)) return undefined;
    blobs.push(out.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return blobs;
}

/** True when a path below the directory has a hidden component (`.git`, `.github`): the loader skips those too. */
const hidden = (relative: string): boolean => relative.split('/').some((part) => part.startsWith('.'));

/**
 * The policy files (`*.yaml`, `*.yml`, recursively, hidden entries skipped) of directory `dir` as they were at
 * `ref` in the repository that contains `dir`. Symbolic links and submodules are not followed.
 */
export async function readPolicyAtRef(dir: string, ref: string): Promise<GitRead> {
  if (ref === '' || ref.startsWith('-') || /[\s\0]/.test(ref)) return { ok: false, reason: 'unknown-ref', message: `\`${ref}\` is not a git ref` };
  const where = await git(['rev-parse', '--show-toplevel', '--show-prefix'], dir);
  if (where.code !== 0) return { ok: false, reason: 'not-a-repository', message: `\`${dir}\` is not inside a git repository` };
  const [top = '', rawPrefix = ''] = where.stdout.toString('utf8').split('\n');
  const prefix = rawPrefix.replace(/\/$/, '');
  const commitRun = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], dir);
  const commit = commitRun.stdout.toString('utf8').trim();
  if (commitRun.code !== 0 || commit === '') return { ok: false, reason: 'unknown-ref', message: `\`${ref}\` names no commit in the repository at \`${top}\`` };
  const tree = await git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(prefix === '' ? [] : [`${prefix}/`])], top);
  if (tree.code !== 0) return { ok: false, reason: 'git-failed', message: `git ls-tree failed: ${firstLine(tree.stderr)}` };
  const entries = parseTree(tree.stdout);
  if (entries.length === 0) return { ok: false, reason: 'no-such-path', message: `\`${prefix === '' ? '.' : prefix}\` does not exist at \`${ref}\`` };
  const wanted = entries.filter((e) => {
    const relative = prefix === '' ? e.path : e.path.slice(prefix.length + 1);
    // 100644 / 100755 are files; 120000 (symbolic links) and 160000 (submodules) are left out.
    return e.type === 'blob' && e.mode.startsWith('100') && isPolicyFileName(e.path) && !hidden(relative);
  });
  if (wanted.length === 0) return { ok: true, value: { files: [], commit, prefix } };
  const batch = await git(['cat-file', '--batch'], top, wanted.map((e) => e.object).join('\n') + '\n');
  const blobs = batch.code === 0 ? parseBatch(batch.stdout, wanted.length) : undefined;
  if (blobs === undefined) return { ok: false, reason: 'git-failed', message: `git cat-file failed: ${firstLine(batch.stderr) || 'unexpected output'}` };
  const files = wanted.map((e, i) => ({ path: `${ref}:${e.path}`, text: (blobs[i] ?? Buffer.alloc(0)).toString('utf8') }));
  return { ok: true, value: { files, commit, prefix } };
}
