// Credentials never live in policy: a string anywhere (key or value) that looks like an API key, a token or
// a URL with a password is an error, located at that key or value.
import type { Diagnostic } from '../errors.js';
import { keyLiteralIn } from './credential-shapes.js';
import { diagnostic, quote } from './diagnostic.js';
import { joinPointer } from './pointer.js';
import type { SourceDocument } from './source-document.js';

export function findKeyLiterals(source: SourceDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (text: string, pointer: string, target: 'key' | 'value'): void => {
    const hit = keyLiteralIn(text);
    if (hit === undefined) return;
    out.push(
      diagnostic(
        source.locate(pointer, target),
        pointer,
        'key_literal',
        `${quote(hit.shown)} looks like ${hit.what}; credentials never go in policy files — name an environment variable in a Provider's \`credentials.env\``,
      ),
    );
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
