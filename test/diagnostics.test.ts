// The three output forms of diagnostics, their order, and --format parsing.
import { describe, expect, it } from 'vitest';
import { compareDiagnostics, countDiagnostics, DIAGNOSTIC_FORMATS, formatDiagnostics, parseFormat, sortDiagnostics } from '../src/diagnostics.js';
import type { Diagnostic } from '../src/errors.js';

const error: Diagnostic = {
  file: 'policies/routes.yaml',
  line: 7,
  col: 3,
  pointer: '/spec/prority',
  severity: 'error',
  code: 'unknown_field',
  message: 'unknown field `prority` in Route — did you mean `priority`?',
};
const warning: Diagnostic = {
  file: 'policies/budgets.yaml',
  line: 12,
  col: 41,
  pointer: '/spec/thresholds/0/maxTier',
  severity: 'warning',
  code: 'max_tier_ignored',
  message: '`maxTier` has no effect on a `alert` threshold, 50% used: only `downgrade` uses it',
};

describe('formatDiagnostics', () => {
  it('text: path:line:col: severity code: message, one per line', () => {
    expect(formatDiagnostics([error, warning], 'text')).toBe(
      'policies/routes.yaml:7:3: error unknown_field: unknown field `prority` in Route — did you mean `priority`?\n' +
        'policies/budgets.yaml:12:41: warning max_tier_ignored: `maxTier` has no effect on a `alert` threshold, 50% used: only `downgrade` uses it\n',
    );
    expect(formatDiagnostics([], 'text')).toBe('');
  });

  it('github: workflow commands with escaped properties and data', () => {
    expect(formatDiagnostics([error, warning], 'github')).toBe(
      '::error file=policies/routes.yaml,line=7,col=3,title=unknown_field::unknown field `prority` in Route — did you mean `priority`?\n' +
        '::warning file=policies/budgets.yaml,line=12,col=41,title=max_tier_ignored::`maxTier` has no effect on a `alert` threshold, 50%25 used: only `downgrade` uses it\n',
    );
    const odd: Diagnostic = { ...error, file: 'a,b:c.yaml', message: 'two\nlines' };
    expect(formatDiagnostics([odd], 'github')).toBe('::error file=a%2Cb%3Ac.yaml,line=7,col=3,title=unknown_field::two%0Alines\n');
  });

  it('json: an array of {file, line, col, pointer, severity, code, message}', () => {
    const parsed: unknown = JSON.parse(formatDiagnostics([error], 'json'));
    expect(parsed).toEqual([
      { file: 'policies/routes.yaml', line: 7, col: 3, pointer: '/spec/prority', severity: 'error', code: 'unknown_field', message: error.message },
    ]);
    expect(JSON.parse(formatDiagnostics([], 'json'))).toEqual([]);
  });
});

describe('ordering and counting', () => {
  it('sorts by file, then line, then column', () => {
    const at = (file: string, line: number, col: number): Diagnostic => ({ ...error, file, line, col });
    const sorted = sortDiagnostics([at('b.yaml', 1, 1), at('a.yaml', 10, 2), at('a.yaml', 2, 9), at('a.yaml', 10, 1)]);
    expect(sorted.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual(['a.yaml:2:9', 'a.yaml:10:1', 'a.yaml:10:2', 'b.yaml:1:1']);
    expect(compareDiagnostics(error, error)).toBe(0);
  });

  it('counts errors and warnings', () => {
    expect(countDiagnostics([error, warning, error])).toEqual({ errors: 2, warnings: 1 });
  });
});

describe('parseFormat', () => {
  it('defaults to the first format and accepts only the listed ones', () => {
    expect(parseFormat(undefined, DIAGNOSTIC_FORMATS)).toEqual({ ok: true, format: 'text' });
    expect(parseFormat('github', DIAGNOSTIC_FORMATS)).toEqual({ ok: true, format: 'github' });
    expect(parseFormat('markdown', ['text', 'markdown'] as const)).toEqual({ ok: true, format: 'markdown' });
    expect(parseFormat('xml', DIAGNOSTIC_FORMATS)).toEqual({ ok: false, message: 'unknown format `xml`; use one of text, json, github' });
  });
});
