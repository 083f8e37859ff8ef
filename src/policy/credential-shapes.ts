// What a credential looks like: API keys, tokens, private keys and URLs with a password. Used to refuse
// them in policy files and to keep them out of every message (CI logs are not secret).

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

export interface KeyLiteral {
  /** What it looks like, e.g. `an AWS access key id`. */
  readonly what: string;
  /** The matched text: never print it. */
  readonly match: string;
  /** A redacted form that is safe to print. */
  readonly shown: string;
}

/** The credential a string looks like, or undefined. */
export function keyLiteralIn(text: string): KeyLiteral | undefined {
  for (const shape of SHAPES) {
    const m = shape.pattern.exec(text);
    if (m !== null && (shape.accept === undefined || shape.accept(m))) return { what: shape.what, match: m[0], shown: redact(shape, m) };
  }
  return undefined;
}

/** `text` with every credential-looking part replaced by its redacted form. */
export function redactKeyLiterals(text: string): string {
  let out = text;
  for (let i = 0; i < 8; i++) {
    const hit = keyLiteralIn(out);
    if (hit === undefined || hit.match === hit.shown) return out;
    out = out.replace(hit.match, hit.shown);
  }
  return out;
}
