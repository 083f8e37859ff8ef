// Credentials never live in policy: a string anywhere (key, value or comment) that looks like an API key, a
// token or a URL with a password is an error, located at that key, value or comment.
import type { CST } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { keyLiteralIn, type KeyLiteral } from './credential-shapes.js';
import { diagnostic, quote } from './diagnostic.js';
import type { SourceLocation } from './model.js';
import { joinPointer } from './pointer.js';
import type { SourceDocument } from './source-document.js';

const message = (hit: KeyLiteral, where = ''): string =>
  `${quote(hit.shown)}${where} looks like ${hit.what}; credentials never go in policy files — name an environment variable in a Provider's \`credentials.env\``;

export function findKeyLiterals(source: SourceDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (text: string, pointer: string, target: 'key' | 'value'): void => {
    const hit = keyLiteralIn(text);
    if (hit === undefined) return;
    // A key in a value is pointed at the line it is on, so the third line of a `description: |` block is found there.
    const at = target === 'value' ? source.locatePart(pointer, hit.match) : source.locate(pointer, target);
    out.push(diagnostic(at, pointer, 'key_literal', message(hit)));
  };
  const walk = (value: unknown, pointer: string): void => {
    if (typeof value === 'string') {
      check(value, pointer, 'value');
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, joinPointer(pointer, i)));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const childPointer = joinPointer(pointer, key);
        check(key, childPointer, 'key');
        walk(child, childPointer);
      }
    }
  };
  walk(source.value, '');
  return out;
}

/**
 * Key literals in the comments of a file's syntax tree, at each comment's `#`. Comments are not part of any
 * value, but they are committed with the file all the same. Walks the tree without recursion (its depth has
 * been bounded already, but the walk need not rely on it).
 */
export function findCommentKeyLiterals(tokens: readonly CST.Token[], at: (offset: number) => SourceLocation): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: unknown[] = [...tokens];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...(node as unknown[]));
    } else if (typeof node === 'object' && node !== null) {
      const token = node as { type?: unknown; source?: unknown; offset?: unknown };
      if (token.type === 'comment' && typeof token.source === 'string' && typeof token.offset === 'number') {
        const hit = keyLiteralIn(token.source);
        if (hit !== undefined) out.push(diagnostic(at(token.offset), '', 'key_literal', message(hit, ' in a comment')));
        continue;
      }
      for (const value of Object.values(node)) if (typeof value === 'object' && value !== null) stack.push(value);
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
