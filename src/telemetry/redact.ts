// Secret hygiene in one place: what the proxy writes anywhere a person or another system can read it — the
// server log, the audit log, span attributes, metrics, admin answers — goes through these. Client keys are never
// recorded (only their ids), provider keys only ever sit in outbound headers, and URLs lose their userinfo,
// query and fragment, where tokens travel.
import { compileGlob, type GlobMatcher } from '../engine/glob.js';
import { redactKeyLiterals } from '../policy/credential-shapes.js';

export const REDACTED = '[redacted]';

/** Request and response headers that carry credentials or session state. */
export const SECRET_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
]);

const SECRET_HEADER_SET = new Set(SECRET_HEADERS);

/** pino `redact` paths: wherever a log line carries headers (a request, a response, a bare header object). */
export const LOG_REDACT_PATHS: readonly string[] = Object.freeze(
  ['req.headers', 'res.headers', 'headers', 'request.headers', 'upstream.headers'].flatMap((at) => SECRET_HEADERS.map((h) => `${at}["${h}"]`)),
);

/** A copy of `headers` with credential headers replaced by `[redacted]`. */
export function redactHeaders<V>(headers: Readonly<Record<string, V>>): Record<string, V | string> {
  const out: Record<string, V | string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER_SET.has(name.toLowerCase()) ? REDACTED : value;
  return out;
}

/**
 * A URL fit to log: no userinfo, no query string, no fragment. Something that does not parse as a URL is cut at
 * its first `?` or `#`, and a `user:password@` part is dropped all the same.
 */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '' && u.search === '' && u.hash === '' && !url.includes('?') && !url.includes('#')) return url;
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return url.replace(/[?#].*$/s, '').replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1');
  }
}

/** A URL with its userinfo masked, the rest kept (`redis://***@cache:6379/1`): for messages that must say which server. */
export const maskUserinfo = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');

/**
 * Replaces known secret values (the provider keys the proxy holds) and anything shaped like a credential in
 * free text — error notes, messages — before it is recorded. Values shorter than 8 characters are not secrets
 * worth the false hits.
 */
export class SecretScrubber {
  private readonly secrets: readonly string[];

  constructor(secrets: Iterable<string | undefined>) {
    const unique = new Set<string>();
    for (const s of secrets) if (s !== undefined && s.length >= 8) unique.add(s);
    // Longest first, so a key that contains another is replaced whole.
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    return redactKeyLiterals(this.scrubKnown(text));
  }

  /** Only the known secrets: for bodies relayed to a client, which must otherwise stay as the provider sent them. */
  scrubKnown(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** `scrubKnown` on bytes; the same buffer when it holds no secret (the usual case costs a search per secret). */
  scrubBuffer(body: Buffer): Buffer {
    if (!this.secrets.some((s) => body.includes(s))) return body;
    return Buffer.from(this.scrubKnown(body.toString('utf8')), 'utf8');
  }
}

/** The values of the environment variables that hold provider keys (the policy names them). */
export function providerSecrets(credentialEnvs: Iterable<string>, env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const name of credentialEnvs) {
    const v = env[name];
    if (v !== undefined && v !== '') out.push(v);
  }
  return out;
}

/** Punctuation that may wrap a word in prose without being part of it (`"alice@example.com",`). */
const WRAPPING = /^([("'`[{<]*)(.*?)([)"'`\]}>.,;:!?]*)$/s;

/**
 * The Organization's `logging.redact` globs applied to logged content: each whitespace-separated word (without
 * the punctuation around it) that a glob matches whole is replaced by `[REDACTED]`. Globs match words, not
 * spans of prose: `sk-*` hides a key, `*@*.com` an address, `???-??-????` a social security number. Linear in
 * the text; no user regular expressions.
 */
export function contentRedactor(globs: readonly string[]): (text: string) => string {
  if (globs.length === 0) return (text) => text;
  const matchers: GlobMatcher[] = globs.map(compileGlob);
  const hit = (word: string): boolean => word !== '' && matchers.some((m) => m(word));
  return (text) =>
    text.replace(/\S+/g, (word) => {
      // The word without its wrapping first, so `sk-*` keeps the comma of `sk-abc,`.
      const m = WRAPPING.exec(word);
      const core = m?.[2] ?? word;
      if (core !== word && hit(core)) return `${m?.[1] ?? ''}[REDACTED]${m?.[3] ?? ''}`;
      return hit(word) ? '[REDACTED]' : word;
    });
}
