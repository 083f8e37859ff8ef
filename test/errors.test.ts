// The code registry (src/errors.ts) and docs/errors.md must list exactly the same codes, with the same
// severity (diagnostics) and the same status and type (request errors).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS, REQUEST_ERRORS } from '../src/errors.js';

const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'errors.md'), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/errors.md has no "## ${title}" section`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

const rows = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m.slice(1));

describe('error registry and docs/errors.md', () => {
  const documented = rows(section('Policy diagnostics'), /^\| `([a-z0-9_]+)` \| (error|warning) \|/gm);
  const requests = rows(section('Request errors'), /^\| `([a-z0-9_]+)` \| (\d{3}) \| `([a-z_]+)` \|/gm);

  it('documents every policy diagnostic code with its severity, and no other', () => {
    const registry = Object.entries(DIAGNOSTICS).map(([code, spec]) => [code, spec.severity]);
    expect(documented.map(([c]) => c)).toHaveLength(new Set(documented.map(([c]) => c)).size);
    expect(new Map(documented.map(([c, s]) => [c, s]))).toEqual(new Map(registry.map(([c, s]) => [c, s])));
  });

  it('documents every request error code with its status and type, and no other', () => {
    const registry = Object.entries(REQUEST_ERRORS).map(([code, spec]) => [code, String(spec.status), spec.type]);
    expect(requests.map(([c]) => c)).toHaveLength(new Set(requests.map(([c]) => c)).size);
    expect(new Map(requests.map(([c, s, t]) => [c, `${s} ${t}`]))).toEqual(new Map(registry.map(([c, s, t]) => [c, `${s} ${t}`])));
  });

  it('never uses one code in both registries', () => {
    const shared = Object.keys(DIAGNOSTICS).filter((code) => Object.hasOwn(REQUEST_ERRORS, code));
    expect(shared).toEqual([]);
  });

  it('keeps codes snake_case and summaries one lowercase line', () => {
    for (const [code, spec] of [...Object.entries(DIAGNOSTICS), ...Object.entries(REQUEST_ERRORS)]) {
      expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(spec.summary).toMatch(/^[a-z`]/);
      expect(spec.summary).not.toContain('\n');
    }
  });
});
