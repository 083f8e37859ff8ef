// JSON pointers (RFC 6901): how a diagnostic names a node inside its document, e.g. `/spec/targets/0/model`.

export const escapeSegment = (segment: string | number): string =>
  typeof segment === 'number' ? String(segment) : segment.replace(/~/g, '~0').replace(/\//g, '~1');

export const joinPointer = (pointer: string, segment: string | number): string => `${pointer}/${escapeSegment(segment)}`;

export function pointerOf(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) out = joinPointer(out, s);
  return out;
}

export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * How a message names the node at a pointer: the last field with any list indices after it, e.g.
 * `/spec/targets/0` → `targets[0]`, `/spec/targets/0/weight` → `weight`.
 */
export function fieldName(pointer: string): string {
  const segments = splitPointer(pointer);
  let suffix = '';
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i] ?? '';
    if (/^\d+$/.test(s)) {
      suffix = `[${s}]${suffix}`;
      continue;
    }
    return `${s}${suffix}`;
  }
  return suffix === '' ? 'document' : `document${suffix}`;
}

/**
 * A place inside a document of a kind, for messages: `/spec` → `Route`, `/spec/targets/0` →
 * `Route \`targets[0]\``, `/metadata` → `Route \`metadata\``, `` → `Route document`.
 */
export function placeName(kind: string, pointer: string): string {
  const segments = splitPointer(pointer);
  if (segments.length === 0) return `${kind} document`;
  const rest = segments[0] === 'spec' ? segments.slice(1) : segments;
  if (rest.length === 0) return kind;
  const path = rest.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return `${kind} \`${path}\``;
}
