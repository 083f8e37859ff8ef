// OpenAI `messages` → Anthropic `system` + `messages`. System and developer messages become the top-level
// system prompt (in order); tool results become `tool_result` blocks of a user turn; consecutive turns of one
// role are merged, as Anthropic wants roles to alternate. Every key of every message and part has a mapping or
// is refused.
import { asList, asObject, asString, failed, keys, onlyKeys } from './fields.js';
import {
  parseArguments,
  parseDataUrl,
  shown,
  unsupported,
  type AnthropicBlock,
  type AnthropicDocumentBlock,
  type AnthropicMessage,
  type AnthropicTextBlock,
  type JsonObject,
  type Translated,
  type Unsupported,
} from './types.js';
import { ANTHROPIC_IMAGE_TYPES, PDF } from './vocabulary.js';

const TARGET = 'anthropic';

const MESSAGE_KEYS = {
  system: keys('role', 'content'),
  developer: keys('role', 'content'),
  user: keys('role', 'content'),
  // `annotations` comes back in OpenAI answers, so clients often resend it with the assistant message.
  assistant: keys('role', 'content', 'tool_calls', 'refusal', 'annotations'),
  tool: keys('role', 'content', 'tool_call_id'),
} as const;

type Role = keyof typeof MESSAGE_KEYS;

const isRole = (v: unknown): v is Role => typeof v === 'string' && Object.hasOwn(MESSAGE_KEYS, v);

interface Turn {
  readonly role: 'user' | 'assistant';
  readonly blocks: AnthropicBlock[];
}

export interface AnthropicConversation {
  readonly system: AnthropicTextBlock[];
  readonly messages: AnthropicMessage[];
}

/** One `{type: "text"}` part (or, in assistant content, a `{type: "refusal"}` one); null for empty text. */
function textPart(part: JsonObject, at: string, refusals: boolean): AnthropicTextBlock | null | Unsupported {
  const field = part.type === 'text' ? 'text' : refusals && part.type === 'refusal' ? 'refusal' : undefined;
  if (field === undefined) return unsupported(`${at}.type`, `${TARGET} cannot take a \`${shown(part.type)}\` part here`);
  const extra = onlyKeys(part, keys('type', field), at, TARGET);
  if (extra !== undefined) return extra;
  const text = asString(part[field], `${at}.${field}`);
  if (failed(text)) return text;
  return text === '' ? null : { type: 'text', text };
}

/** Text content (`system`, `tool` and assistant messages): a string or text parts; empty text is left out. */
function textBlocks(content: unknown, path: string, refusals: boolean): AnthropicTextBlock[] | Unsupported {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const parts = asList(content, path);
  if (failed(parts)) return parts;
  const out: AnthropicTextBlock[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = asObject(parts[i], `${path}[${i}]`);
    if (failed(part)) return part;
    const block = textPart(part, `${path}[${i}]`, refusals);
    if (failed(block)) return block;
    if (block !== null) out.push(block);
  }
  return out;
}

function imageBlock(part: JsonObject, at: string): AnthropicBlock | Unsupported {
  const extra = onlyKeys(part, keys('type', 'image_url'), at, TARGET);
  if (extra !== undefined) return extra;
  const image = asObject(part.image_url, `${at}.image_url`);
  if (failed(image)) return image;
  const inner = onlyKeys(image, keys('url', 'detail'), `${at}.image_url`, TARGET);
  if (inner !== undefined) return inner;
  // `auto` is OpenAI's default; `low`/`high` change cost and fidelity, which Anthropic has no control for.
  if (image.detail !== undefined && image.detail !== null && image.detail !== 'auto')
    return unsupported(`${at}.image_url.detail`, `${TARGET} has no image detail setting (got \`${shown(image.detail)}\`)`);
  const url = asString(image.url, `${at}.image_url.url`);
  if (failed(url)) return url;
  const data = parseDataUrl(url);
  if (data !== undefined) {
    if (!ANTHROPIC_IMAGE_TYPES.has(data.mediaType)) return unsupported(`${at}.image_url.url`, `${TARGET} takes jpeg, png, gif and webp images, not \`${data.mediaType}\``);
    return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  return unsupported(`${at}.image_url.url`, 'an image must be a base64 `data:` URL or an http(s) URL');
}

function fileBlock(part: JsonObject, at: string): AnthropicBlock | Unsupported {
  const extra = onlyKeys(part, keys('type', 'file'), at, TARGET);
  if (extra !== undefined) return extra;
  const file = asObject(part.file, `${at}.file`);
  if (failed(file)) return file;
  // A `file_id` names a file uploaded to OpenAI, which another provider cannot read.
  const inner = onlyKeys(file, keys('file_data', 'filename'), `${at}.file`, TARGET);
  if (inner !== undefined) return inner;
  const raw = asString(file.file_data, `${at}.file.file_data`);
  if (failed(raw)) return raw;
  const data = parseDataUrl(raw);
  if (data === undefined || data.mediaType !== PDF) return unsupported(`${at}.file.file_data`, `${TARGET} takes files as base64 PDF documents only`);
  const block: AnthropicDocumentBlock = { type: 'document', source: { type: 'base64', media_type: PDF, data: data.data } };
  if (typeof file.filename === 'string') block.title = file.filename;
  return block;
}

function userBlocks(content: unknown, path: string): AnthropicBlock[] | Unsupported {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const parts = asList(content, path);
  if (failed(parts)) return parts;
  const out: AnthropicBlock[] = [];
  for (let i = 0; i < parts.length; i++) {
    const at = `${path}[${i}]`;
    const part = asObject(parts[i], at);
    if (failed(part)) return part;
    let block: AnthropicBlock | null | Unsupported;
    switch (part.type) {
      case 'text':
        block = textPart(part, at, false);
        break;
      case 'image_url':
        block = imageBlock(part, at);
        break;
      case 'file':
        block = fileBlock(part, at);
        break;
      default:
        return unsupported(`${at}.type`, `${TARGET} cannot take a \`${shown(part.type)}\` part`);
    }
    if (failed(block)) return block;
    if (block !== null) out.push(block);
  }
  return out;
}

function toolUses(calls: unknown, path: string): AnthropicBlock[] | Unsupported {
  const list = asList(calls, path);
  if (failed(list)) return list;
  const out: AnthropicBlock[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `${path}[${i}]`;
    const call = asObject(list[i], at);
    if (failed(call)) return call;
    if (call.type !== 'function') return unsupported(`${at}.type`, `${TARGET} tools are functions, not \`${shown(call.type)}\``);
    const extra = onlyKeys(call, keys('id', 'type', 'function'), at, TARGET);
    if (extra !== undefined) return extra;
    const fn = asObject(call.function, `${at}.function`);
    if (failed(fn)) return fn;
    const id = asString(call.id, `${at}.id`);
    if (failed(id)) return id;
    const name = asString(fn.name, `${at}.function.name`);
    if (failed(name)) return name;
    const args = asString(fn.arguments, `${at}.function.arguments`);
    if (failed(args)) return args;
    const input = parseArguments(args);
    if (input === undefined) return unsupported(`${at}.function.arguments`, `${TARGET} takes tool input as a JSON object`);
    out.push({ type: 'tool_use', id, name, input });
  }
  return out;
}

/** One OpenAI message as system text or a turn. */
function convert(m: JsonObject, role: Role, at: string): { system: AnthropicTextBlock[] } | Turn | Unsupported {
  const extra = onlyKeys(m, MESSAGE_KEYS[role], at, TARGET);
  if (extra !== undefined) return extra;
  switch (role) {
    case 'system':
    case 'developer': {
      const system = textBlocks(m.content, `${at}.content`, false);
      return failed(system) ? system : { system };
    }
    case 'user': {
      const blocks = userBlocks(m.content, `${at}.content`);
      return failed(blocks) ? blocks : { role: 'user', blocks };
    }
    case 'assistant': {
      if (Array.isArray(m.annotations) && m.annotations.length > 0) return unsupported(`${at}.annotations`, `${TARGET} takes no annotations (citations) on a turn`);
      const blocks: AnthropicBlock[] = [];
      if (m.content !== undefined && m.content !== null) {
        const text = textBlocks(m.content, `${at}.content`, true);
        if (failed(text)) return text;
        blocks.push(...text);
      }
      if (typeof m.refusal === 'string' && m.refusal !== '') blocks.push({ type: 'text', text: m.refusal });
      if (m.tool_calls !== undefined && m.tool_calls !== null) {
        const uses = toolUses(m.tool_calls, `${at}.tool_calls`);
        if (failed(uses)) return uses;
        blocks.push(...uses);
      }
      return { role: 'assistant', blocks };
    }
    case 'tool': {
      const id = asString(m.tool_call_id, `${at}.tool_call_id`);
      if (failed(id)) return id;
      const content: string | AnthropicTextBlock[] | Unsupported = typeof m.content === 'string' ? m.content : textBlocks(m.content, `${at}.content`, false);
      if (failed(content)) return content;
      return { role: 'user', blocks: [{ type: 'tool_result', tool_use_id: id, content }] };
    }
    default: {
      const unknown: never = role;
      throw new Error(`unknown role ${String(unknown)}`);
    }
  }
}

/** A turn's content: a lone text block is sent as a plain string, as clients usually write it. */
function contentOf(blocks: AnthropicBlock[]): string | AnthropicBlock[] {
  const only = blocks.length === 1 ? blocks[0] : undefined;
  return only !== undefined && only.type === 'text' ? only.text : blocks;
}

export function conversationToAnthropic(raw: unknown): Translated<AnthropicConversation> {
  const list = asList(raw, 'messages');
  if (failed(list)) return list;
  const system: AnthropicTextBlock[] = [];
  const turns: Turn[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `messages[${i}]`;
    const m = asObject(list[i], at);
    if (failed(m)) return m;
    if (!isRole(m.role)) return unsupported(`${at}.role`, `${TARGET} has no \`${shown(m.role)}\` role`);
    const converted = convert(m, m.role, at);
    if (failed(converted)) return converted;
    if ('system' in converted) {
      system.push(...converted.system);
      continue;
    }
    // Empty turns carry nothing and would break the alternation Anthropic checks.
    if (converted.blocks.length === 0) continue;
    const last = turns.at(-1);
    if (last !== undefined && last.role === converted.role) last.blocks.push(...converted.blocks);
    else turns.push({ role: converted.role, blocks: converted.blocks });
  }
  return { ok: true, value: { system, messages: turns.map((t) => ({ role: t.role, content: contentOf(t.blocks) })) } };
}
