// Presenting diagnostics: the three output forms every policy command shares, their order, and `--format`.
import type { Diagnostic } from './errors.js';

export const DIAGNOSTIC_FORMATS = ['text', 'json', 'github'] as const;
export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

export type FormatResult<F extends string> = { ok: true; format: F } | { ok: false; message: string };

/**
 * Parse a `--format` value against the formats a command supports; no value means the first one.
 * Commands with other formats (markdown, …) pass their own list.
 */
export function parseFormat<F extends string>(value: string | undefined, allowed: readonly F[]): FormatResult<F> {
  if (value === undefined) {
    const first = allowed[0];
    if (first === undefined) throw new Error('parseFormat needs at least one allowed format');
    return { ok: true, format: first };
  }
  const found = allowed.find((f) => f === value);
  if (found !== undefined) return { ok: true, format: found };
  return { ok: false, message: `unknown format \`${value}\`; use one of ${allowed.join(', ')}` };
}

/** Order of presentation: by file, line, column; ties keep a stable, deterministic order. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.col !== b.col) return a.col - b.col;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(compareDiagnostics);
}

export function countDiagnostics(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const d of diagnostics) if (d.severity === 'error') errors++;
  return { errors, warnings: diagnostics.length - errors };
}

// GitHub workflow commands (`::error file=…,title=…::message`): data escapes %, CR, LF; properties also `:`
// and `,` (the runner's own rules). Every command that prints annotations uses these two.
export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function formatOne(d: Diagnostic, format: 'text' | 'github'): string {
  switch (format) {
    case 'text':
      return `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`;
    case 'github':
      return `::${d.severity} file=${escapeProperty(d.file)},line=${d.line},col=${d.col},title=${escapeProperty(d.code)}::${escapeData(d.message)}`;
    default:
      return assertNever(format);
  }
}

/** Render diagnostics (in the given order) as text lines, GitHub annotations, or a JSON array; ends with a newline unless empty. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], format: DiagnosticFormat): string {
  switch (format) {
    case 'json': {
      const rows = diagnostics.map(({ file, line, col, pointer, severity, code, message }) => ({ file, line, col, pointer, severity, code, message }));
      return `${JSON.stringify(rows, null, 2)}\n`;
    }
    case 'text':
    case 'github':
      return diagnostics.map((d) => `${formatOne(d, format)}\n`).join('');
    default:
      return assertNever(format);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected format ${String(value)}`);
}
