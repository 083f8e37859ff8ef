// Building diagnostics: the severity always comes from the registry, so a code cannot drift from its entry.
import { DIAGNOSTICS, type Diagnostic, type DiagnosticCode } from '../errors.js';
import { redactKeyLiterals } from './credential-shapes.js';
import type { SourceLocation } from './model.js';

export function diagnostic(at: SourceLocation, pointer: string, code: DiagnosticCode, message: string): Diagnostic {
  return { file: at.file, line: at.line, col: at.col, pointer, severity: DIAGNOSTICS[code].severity, code, message };
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean => diagnostics.some((d) => d.severity === 'error');

/** Quote user input for a message: backticks, one line, bounded length, credentials redacted. */
export function quote(value: unknown): string {
  const text = redactKeyLiterals(typeof value === 'string' ? value : String(value));
  const oneLine = text.replace(/[\r\n\t]+/g, ' ').replace(/`/g, "'");
  return `\`${oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine}\``;
}

/** `a`, `b` and `c` — for listing allowed values. */
export function quoteList(values: readonly unknown[]): string {
  return values.map(quote).join(', ');
}
