// Prompt and completion content for the audit log, only for an Organization with `logging.content: true`
// (zero data retention is the default), with its `logging.redact` globs applied to every string. The prompt is
// the client's messages (and Anthropic `system`); the completion is the answer's text, from a whole answer or
// from the stream events the client received (teed up to a cap, never delaying them).
import type { PolicySet } from '../policy/model.js';
import type { Protocol } from '../proxy/protocol.js';
import { contentRedactor } from './redact.js';

/** Longest string kept in content; longer ones (pasted files, base64 images) are cut with a note. */
const MAX_STRING = 32 * 1024;
/** Most stream bytes teed for the completion text. */
export const MAX_STREAM_CAPTURE = 1024 * 1024;

export interface ContentPolicy {
  readonly redact: (text: string) => string;
}

const policies = new WeakMap<PolicySet, ContentPolicy | null>();

/** The policy's content logging, or null when it is off (compiled once per policy version). */
export function contentPolicyOf(policy: PolicySet): ContentPolicy | null {
  let p = policies.get(policy);
  if (p === undefined) {
    const logging = policy.organization.spec.logging;
    p = logging?.content === true ? { redact: contentRedactor(logging.redact ?? []) } : null;
    policies.set(policy, p);
  }
  return p;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function clean(v: unknown, redact: (text: string) => string): unknown {
  if (typeof v === 'string') {
    if (/^data:[^,]{0,100};base64,/.test(v)) return `[data url, ${v.length} characters]`;
    const cut = v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}… [${v.length - MAX_STRING} more characters]` : v;
    return redact(cut);
  }
  if (Array.isArray(v)) return v.map((x) => clean(x, redact));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = clean(x, redact);
    return out;
  }
  return v;
}

/** The prompt as the client sent it: `messages`, and `system` where the protocol has it. */
export function promptContent(body: Readonly<Record<string, unknown>>, p: ContentPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body.system !== undefined) out.system = clean(body.system, p.redact);
  out.messages = clean(body.messages, p.redact);
  return out;
}

/** Answer text of a whole answer: message content and tool-call arguments (OpenAI), text and tool input (Anthropic). */
export function answerText(protocol: Protocol, body: Buffer): string {
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString('utf8'));
  } catch {
    return '';
  }
  if (!isObject(answer)) return '';
  const parts: string[] = [];
  if (protocol === 'openai') {
    for (const choice of Array.isArray(answer.choices) ? answer.choices : []) {
      const message = isObject(choice) ? choice.message : undefined;
      if (!isObject(message)) continue;
      if (typeof message.content === 'string') parts.push(message.content);
      for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        if (isObject(call) && isObject(call.function) && typeof call.function.arguments === 'string') parts.push(call.function.arguments);
      }
    }
  } else {
    for (const block of Array.isArray(answer.content) ? answer.content : []) {
      if (!isObject(block)) continue;
      if (typeof block.text === 'string') parts.push(block.text);
      else if (block.input !== undefined) parts.push(JSON.stringify(block.input));
    }
  }
  return parts.join('');
}

/** Answer text of server-sent events: OpenAI `delta.content`/tool arguments, Anthropic `text_delta`/`input_json_delta`. */
export function streamText(protocol: Protocol, events: string): string {
  const parts: string[] = [];
  for (const line of events.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') continue;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      continue;
    }
    if (!isObject(event)) continue;
    if (protocol === 'openai') {
      for (const choice of Array.isArray(event.choices) ? event.choices : []) {
        const delta = isObject(choice) ? choice.delta : undefined;
        if (!isObject(delta)) continue;
        if (typeof delta.content === 'string') parts.push(delta.content);
        for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
          if (isObject(call) && isObject(call.function) && typeof call.function.arguments === 'string') parts.push(call.function.arguments);
        }
      }
    } else if (event.type === 'content_block_delta' && isObject(event.delta)) {
      const d = event.delta;
      if (typeof d.text === 'string') parts.push(d.text);
      else if (typeof d.partial_json === 'string') parts.push(d.partial_json);
    }
  }
  return parts.join('');
}

/** Stream bytes as they pass, up to `MAX_STREAM_CAPTURE`: the iterator the relay reads, unchanged in timing. */
export class StreamTee {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  add(chunk: Buffer): void {
    if (this.size >= MAX_STREAM_CAPTURE) {
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  wrap(rest: AsyncIterator<Buffer>): AsyncIterator<Buffer> {
    return {
      next: async () => {
        const r = await rest.next();
        if (r.done !== true) this.add(r.value);
        return r;
      },
      return: async (value?: unknown) => (rest.return === undefined ? { done: true, value: undefined } : rest.return(value)),
      throw: async (err?: unknown) => {
        if (rest.throw === undefined) throw err;
        return rest.throw(err);
      },
    };
  }

  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}
