// The language conformance corpus, in the spirit of OPA's YAML test cases: each case under cases/ is a small
// complete policy (the files under base/, with some replaced, added or removed) broken in exactly one way,
// and the diagnostics it must produce — code and exact line:col. Cases with `want: []` must load cleanly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_CODES } from '../../src/analyze/index.js';
import { DIAGNOSTICS } from '../../src/errors.js';
import { loadPolicyFromSources } from '../../src/policy/index.js';

interface Want {
  code: string;
  file: string;
  line: number;
  col: number;
  /** A fragment the message must contain (e.g. the did-you-mean). */
  message?: string;
}

interface Case {
  note: string;
  files?: Record<string, string>;
  remove?: string[];
  env?: Record<string, string>;
  want: Want[];
}

const here = import.meta.dirname;
const readDir = (dir: string) =>
  readdirSync(join(here, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

const base: Record<string, string> = Object.fromEntries(readDir('base').map((f) => [f, readFileSync(join(here, 'base', f), 'utf8')]));
const cases = readDir('cases').map((f) => [f, parse(readFileSync(join(here, 'cases', f), 'utf8')) as Case] as const);

function sources(c: Case): { path: string; text: string }[] {
  const files: Record<string, string> = { ...base, ...c.files };
  for (const name of c.remove ?? []) delete files[name];
  return Object.entries(files).map(([path, text]) => ({ path, text }));
}

describe('conformance corpus', () => {
  it('has a case for every policy diagnostic code that can arise from in-memory files', () => {
    // Codes that need a real directory (links, sizes on disk, unreadable files) are covered in test/policy/read-files.test.ts.
    const diskOnly = new Set(['symlink_outside_root', 'file_unreadable', 'no_policy_files', 'file_encoding', 'file_too_large']);
    // The analyze stage runs after the load this corpus exercises; test/analyze/ covers each of its codes at line:col.
    const analysis = new Set<string>(ANALYSIS_CODES);
    const covered = new Set(cases.flatMap(([, c]) => c.want.map((w) => w.code)));
    const missing = Object.keys(DIAGNOSTICS).filter((code) => !diskOnly.has(code) && !analysis.has(code) && !covered.has(code));
    expect(missing).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(35);
  });

  it('base policy is valid on its own', () => {
    const result = loadPolicyFromSources(sources({ note: 'base', want: [] }), { env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });

  for (const [file, c] of cases) {
    it(`${file}: ${c.note}`, () => {
      expect(Array.isArray(c.want), 'case needs a `want` list').toBe(true);
      const result = loadPolicyFromSources(sources(c), { env: c.env ?? {} });
      const got = result.diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, col: d.col }));
      expect(got).toEqual(c.want.map(({ code, file: f, line, col }) => ({ code, file: f, line, col })));
      c.want.forEach((w, i) => {
        if (w.message !== undefined) expect(result.diagnostics[i]?.message).toContain(w.message);
      });
      const wantsError = c.want.some((w) => DIAGNOSTICS[w.code as keyof typeof DIAGNOSTICS]?.severity === 'error');
      expect(result.ok).toBe(!wantsError);
    });
  }
});
