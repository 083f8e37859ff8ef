// Finding and reading the policy files under a directory: every *.yaml / *.yml, recursively, skipping
// hidden entries (`.git`). Unsafe inputs are diagnostics, not exceptions: symlinks that leave the root,
// files over 1 MiB, bytes that are not UTF-8, unreadable entries.
import { isUtf8 } from 'node:buffer';
import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { diagnostic, quote } from './diagnostic.js';

export const MAX_FILE_BYTES = 1024 * 1024;
const READ_CONCURRENCY = 32;

export interface PolicyFile {
  /** What diagnostics print. */
  readonly path: string;
  /** Relative to the policy root, `/`-separated: what the version hash covers. */
  readonly hashPath: string;
  readonly bytes: Uint8Array;
  /** Decoded text without a byte-order mark. */
  readonly text: string;
}

export interface ReadResult {
  readonly files: PolicyFile[];
  readonly diagnostics: Diagnostic[];
  /** The root as diagnostics print it. */
  readonly root: string;
}

/** `path` relative to `cwd` with `/` separators when inside it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  const inside = !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : path).split(sep).join('/');
}

export const isPolicyFileName = (name: string): boolean => name.endsWith('.yaml') || name.endsWith('.yml');

const atStart = (file: string) => ({ file, line: 1, col: 1 });

/** Decode bytes as UTF-8 text (without BOM), or report where the first invalid byte is. */
export function decodePolicyText(file: string, bytes: Uint8Array): { ok: true; text: string } | { ok: false; diagnostic: Diagnostic } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('utf8');
  if (!isUtf8(buffer)) {
    const before = text.slice(0, Math.max(0, text.indexOf('\uFFFD')));
    const lines = before.split('\n');
    const at = { file, line: lines.length, col: (lines[lines.length - 1] ?? '').length + 1 };
    return { ok: false, diagnostic: diagnostic(at, '', 'file_encoding', 'the file is not valid UTF-8; save it as UTF-8') };
  }
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

interface Candidate {
  readonly abs: string;
  readonly rel: string;
  readonly stats: Stats;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const identity = (s: Stats): string => `${s.dev}:${s.ino}`;

export async function readPolicyFiles(dir: string, cwd: string): Promise<ReadResult> {
  const rootAbs = resolve(cwd, dir);
  const root = displayPath(rootAbs, cwd);
  const diagnostics: Diagnostic[] = [];
  const show = (abs: string) => displayPath(abs, cwd);
  let rootReal: string;
  try {
    const stats = await stat(rootAbs);
    if (!stats.isDirectory()) {
      return { files: [], root, diagnostics: [diagnostic(atStart(root), '', 'file_unreadable', `policy path ${quote(root)} is not a directory`)] };
    }
    rootReal = await realpath(rootAbs);
  } catch {
    return { files: [], root, diagnostics: [diagnostic(atStart(root), '', 'file_unreadable', `cannot read policy directory ${quote(root)}`)] };
  }
  const inside = (real: string) => real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
  const candidates: Candidate[] = [];
  const visitedDirs = new Set<string>();

  const visit = async (absDir: string, relDir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(absDir, { withFileTypes: true });
    } catch {
      diagnostics.push(diagnostic(atStart(show(absDir)), '', 'file_unreadable', `cannot read directory ${quote(show(absDir))}`));
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const abs = join(absDir, entry.name);
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      let stats: Stats;
      try {
        stats = await stat(abs); // follows symlinks
        if (entry.isSymbolicLink() && !inside(await realpath(abs))) {
          if (stats.isDirectory() || isPolicyFileName(entry.name)) {
            diagnostics.push(diagnostic(atStart(show(abs)), '', 'symlink_outside_root', `symbolic link ${quote(show(abs))} leads outside the policy directory ${quote(root)}`));
          }
          continue;
        }
      } catch {
        if (isPolicyFileName(entry.name)) diagnostics.push(diagnostic(atStart(show(abs)), '', 'file_unreadable', `cannot read ${quote(show(abs))} (a broken link or no permission)`));
        continue;
      }
      if (stats.isDirectory()) {
        if (visitedDirs.has(identity(stats))) continue; // a link back into a directory already walked
        visitedDirs.add(identity(stats));
        await visit(abs, rel);
      } else if (stats.isFile() && isPolicyFileName(entry.name)) {
        candidates.push({ abs, rel, stats });
      }
    }
  };
  try {
    visitedDirs.add(identity(await stat(rootReal)));
  } catch {
    // the root was just read; a race here surfaces as a readdir diagnostic below
  }
  await visit(rootAbs, '');

  candidates.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  // A file reachable by two paths (through an internal link) is read once, under its first path.
  const seenFiles = new Set<string>();
  const unique: Candidate[] = [];
  for (const c of candidates) {
    if (seenFiles.has(identity(c.stats))) continue;
    seenFiles.add(identity(c.stats));
    unique.push(c);
  }
  type Outcome = { ok: true; file: PolicyFile } | { ok: false; diagnostic: Diagnostic };
  const tooLarge = (path: string, size: number): Outcome => ({
    ok: false,
    diagnostic: diagnostic(atStart(path), '', 'file_too_large', `file is ${size} bytes; policy files are at most ${MAX_FILE_BYTES} bytes (1 MiB)`),
  });
  const read = await mapLimit(unique, READ_CONCURRENCY, async (c): Promise<Outcome> => {
    const path = show(c.abs);
    if (c.stats.size > MAX_FILE_BYTES) return tooLarge(path, c.stats.size);
    let bytes: Buffer;
    try {
      bytes = await readFile(c.abs);
    } catch {
      return { ok: false, diagnostic: diagnostic(atStart(path), '', 'file_unreadable', `cannot read ${quote(path)}`) };
    }
    if (bytes.byteLength > MAX_FILE_BYTES) return tooLarge(path, bytes.byteLength); // grew since stat
    const decoded = decodePolicyText(path, bytes);
    return decoded.ok ? { ok: true, file: { path, hashPath: c.rel, bytes, text: decoded.text } } : decoded;
  });
  const files: PolicyFile[] = [];
  for (const r of read) {
    if (r.ok) files.push(r.file);
    else diagnostics.push(r.diagnostic);
  }
  return { files, diagnostics, root };
}
