// Credentials never live in policy: a string anywhere (key or value) that looks like an API key, a token or
// a URL with a password is an error. Messages show only a redacted prefix, since CI logs are not secret.
import type { Diagnostic } from '../errors.js';
import { diagnostic, quote } from './diagnostic.js';
import { joinPointer } from './pointer.js';
import type { SourceDocument } from './source-document.js';

interface KeyShape {
  readonly what: string;
  readonly pattern: RegExp;
  /** Extra test on the match, to tell random keys from ordinary words. */
  readonly accept?: (match: RegExpExecArray) => boolean;
}

const looksRandom = (s: string): boolean => /\d/.test(s) || /[A-Z]/.test(s);
const isVariable = (s: string): boolean => /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/.test(s);

const SHAPES: readonly KeyShape[] = [
  { what: 'an Anthropic API key', pattern: /(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{16,}/ },
  { what: 'an OpenAI-style API key', pattern: /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}/, accept: (m) => looksRandom(m[0].slice(3)) },
  { what: 'an AWS access key id', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/ },
  { what: 'a GitHub token', pattern: /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/ },
  { what: 'a Slack token', pattern: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: 'a Google API key', pattern: /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/ },
  { what: 'a Hugging Face token', pattern: /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}/ },
  { what: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  {
    what: 'a URL with a password',
    pattern: /[A-Za-z][A-Za-z0-9+.-]*:\/\/([^\s/:@]+):([^\s/@]+)@/,
    accept: (m) => !isVariable(m[2] ?? ''),
  },
  { what: 'a bearer token', pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/i, accept: (m) => /\d/.test(m[1] ?? '') },
];

function redact(shape: KeyShape, match: RegExpExecArray): string {
  if (shape.what === 'a URL with a password') return match[0].replace(`:${match[2] ?? ''}@`, ':***@');
  return `${match[0].slice(0, Math.min(8, Math.floor(match[0].length / 3)))}...`;
}

/** The credential a string looks like, or undefined. */
export function keyLiteralIn(text: string): { what: string; shown: string } | undefined {
  for (const shape of SHAPES) {
    const m = shape.pattern.exec(text);
    if (m !== null && (shape.accept === undefined || shape.accept(m))) return { what: shape.what, shown: redact(shape, m) };
  }
  return undefined;
}

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
