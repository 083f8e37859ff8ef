// Anthropic `system` + `messages` → OpenAI `messages`. The system prompt becomes a leading system message;
// `tool_result` blocks become `tool` messages (placed where they stood, ahead of the turn's other content);
// `tool_use` blocks become assistant `tool_calls`. `cache_control` marks are caching hints and are not carried:
// OpenAI caches prompt prefixes by itself. Every other key of every block has a mapping or is refused.
import { asList, asObject, asString, failed, keys, onlyKeys } from './fields.js';
import {
  shown,
  unsupported,
  type JsonObject,
  type OpenAIFilePart,
  type OpenAIMessage,
  type OpenAITextPart,
  type OpenAIToolCall,
  type OpenAIUserPart,
  type Translated,
  type Unsupported,
} from './types.js';
import { PDF } from './vocabulary.js';

const TARGET = 'openai';

/** Citations ask the model to cite its sources; an empty list asks nothing. */
const noCitations = (b: JsonObject, at: string): Unsupported | undefined =>
  b.citations === undefined || b.citations === null || (Array.isArray(b.citations) && b.citations.length === 0)
    ? undefined
    : unsupported(`${at}.citations`, `${TARGET} has no citations`);

function textPart(b: JsonObject, at: string): OpenAITextPart | Unsupported {
  const extra = onlyKeys(b, keys('type', 'text', 'cache_control', 'citations'), at, TARGET) ?? noCitations(b, at);
  if (extra !== undefined) return extra;
  const text = asString(b.text, `${at}.text`);
  return failed(text) ? text : { type: 'text', text };
}

function imagePart(b: JsonObject, at: string): OpenAIUserPart | Unsupported {
  const extra = onlyKeys(b, keys('type', 'source', 'cache_control'), at, TARGET);
  if (extra !== undefined) return extra;
  const source = asObject(b.source, `${at}.source`);
  if (failed(source)) return source;
  if (source.type === 'base64') {
    const media = asString(source.media_type, `${at}.source.media_type`);
    if (failed(media)) return media;
    const data = asString(source.data, `${at}.source.data`);
    if (failed(data)) return data;
    return { type: 'image_url', image_url: { url: `data:${media};base64,${data}` } };
  }
  if (source.type === 'url') {
    const url = asString(source.url, `${at}.source.url`);
    return failed(url) ? url : { type: 'image_url', image_url: { url } };
  }
  return unsupported(`${at}.source.type`, `${TARGET} cannot read an image from a \`${shown(source.type)}\` source`);
}

function documentPart(b: JsonObject, at: string): OpenAIUserPart | Unsupported {
  const extra = onlyKeys(b, keys('type', 'source', 'title', 'cache_control'), at, TARGET);
  if (extra !== undefined) return extra;
  const source = asObject(b.source, `${at}.source`);
  if (failed(source)) return source;
  if (source.type !== 'base64' || source.media_type !== PDF) return unsupported(`${at}.source`, `${TARGET} takes documents as base64 PDF files only`);
  const data = asString(source.data, `${at}.source.data`);
  if (failed(data)) return data;
  const part: OpenAIFilePart = { type: 'file', file: { file_data: `data:${PDF};base64,${data}` } };
  if (typeof b.title === 'string') part.file.filename = b.title;
  return part;
}

function toolMessage(b: JsonObject, at: string): OpenAIMessage | Unsupported {
  const extra = onlyKeys(b, keys('type', 'tool_use_id', 'content', 'is_error', 'cache_control'), at, TARGET);
  if (extra !== undefined) return extra;
  // OpenAI tool messages have no error flag; the model would read a failure as a result.
  if (b.is_error === true) return unsupported(`${at}.is_error`, `${TARGET} tool results cannot be marked as errors`);
  const id = asString(b.tool_use_id, `${at}.tool_use_id`);
  if (failed(id)) return id;
  if (b.content === undefined || b.content === null || typeof b.content === 'string') return { role: 'tool', tool_call_id: id, content: b.content ?? '' };
  const blocks = asList(b.content, `${at}.content`);
  if (failed(blocks)) return blocks;
  const parts: OpenAITextPart[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const inner = asObject(blocks[i], `${at}.content[${i}]`);
    if (failed(inner)) return inner;
    if (inner.type !== 'text') return unsupported(`${at}.content[${i}].type`, `${TARGET} tool results hold text only, not \`${shown(inner.type)}\``);
    const part = textPart(inner, `${at}.content[${i}]`);
    if (failed(part)) return part;
    parts.push(part);
  }
  return { role: 'tool', tool_call_id: id, content: parts };
}

function userMessages(content: unknown, at: string, out: OpenAIMessage[]): Unsupported | undefined {
  if (typeof content === 'string') return void out.push({ role: 'user', content });
  const blocks = asList(content, `${at}.content`);
  if (failed(blocks)) return blocks;
  let parts: OpenAIUserPart[] = [];
  const flush = (): void => {
    if (parts.length > 0) out.push({ role: 'user', content: parts });
    parts = [];
  };
  for (let i = 0; i < blocks.length; i++) {
    const bAt = `${at}.content[${i}]`;
    const b = asObject(blocks[i], bAt);
    if (failed(b)) return b;
    let part: OpenAIUserPart | Unsupported;
    switch (b.type) {
      case 'text':
        part = textPart(b, bAt);
        break;
      case 'image':
        part = imagePart(b, bAt);
        break;
      case 'document':
        part = documentPart(b, bAt);
        break;
      case 'tool_result': {
        const tool = toolMessage(b, bAt);
        if (failed(tool)) return tool;
        flush();
        out.push(tool);
        continue;
      }
      default:
        return unsupported(`${bAt}.type`, `${TARGET} cannot take a \`${shown(b.type)}\` block in a user turn`);
    }
    if (failed(part)) return part;
    parts.push(part);
  }
  flush();
  return undefined;
}

function assistantMessage(content: unknown, at: string): OpenAIMessage | Unsupported {
  if (typeof content === 'string') return { role: 'assistant', content };
  const blocks = asList(content, `${at}.content`);
  if (failed(blocks)) return blocks;
  const texts: OpenAITextPart[] = [];
  const calls: OpenAIToolCall[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const bAt = `${at}.content[${i}]`;
    const b = asObject(blocks[i], bAt);
    if (failed(b)) return b;
    if (b.type === 'text') {
      const part = textPart(b, bAt);
      if (failed(part)) return part;
      texts.push(part);
    } else if (b.type === 'tool_use') {
      const extra = onlyKeys(b, keys('type', 'id', 'name', 'input', 'cache_control'), bAt, TARGET);
      if (extra !== undefined) return extra;
      const id = asString(b.id, `${bAt}.id`);
      if (failed(id)) return id;
      const name = asString(b.name, `${bAt}.name`);
      if (failed(name)) return name;
      const input = asObject(b.input ?? {}, `${bAt}.input`);
      if (failed(input)) return input;
      calls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(input) } });
    } else {
      // Thinking blocks (and server tool blocks) have no place in an OpenAI conversation.
      return unsupported(`${bAt}.type`, `${TARGET} cannot take a \`${shown(b.type)}\` block in an assistant turn`);
    }
  }
  const message: OpenAIMessage = { role: 'assistant', content: texts.length === 0 ? null : texts.length === 1 ? texts[0]!.text : texts };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

function systemMessage(system: unknown): OpenAIMessage | null | Unsupported {
  if (system === undefined || system === null) return null;
  if (typeof system === 'string') return system === '' ? null : { role: 'system', content: system };
  const blocks = asList(system, 'system');
  if (failed(blocks)) return blocks;
  const parts: OpenAITextPart[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = asObject(blocks[i], `system[${i}]`);
    if (failed(b)) return b;
    if (b.type !== 'text') return unsupported(`system[${i}].type`, `${TARGET} system prompts hold text only`);
    const part = textPart(b, `system[${i}]`);
    if (failed(part)) return part;
    parts.push(part);
  }
  if (parts.length === 0) return null;
  return { role: 'system', content: parts.length === 1 ? parts[0]!.text : parts };
}

export function conversationToOpenAI(system: unknown, messages: unknown): Translated<OpenAIMessage[]> {
  const out: OpenAIMessage[] = [];
  const head = systemMessage(system);
  if (failed(head)) return head;
  if (head !== null) out.push(head);
  const list = asList(messages, 'messages');
  if (failed(list)) return list;
  for (let i = 0; i < list.length; i++) {
    const at = `messages[${i}]`;
    const m = asObject(list[i], at);
    if (failed(m)) return m;
    const extra = onlyKeys(m, keys('role', 'content'), at, TARGET);
    if (extra !== undefined) return extra;
    if (m.role === 'user') {
      const refused = userMessages(m.content, at, out);
      if (refused !== undefined) return refused;
    } else if (m.role === 'assistant') {
      const message = assistantMessage(m.content, at);
      if (failed(message)) return message;
      out.push(message);
    } else {
      return unsupported(`${at}.role`, `${TARGET} has no \`${shown(m.role)}\` role here`);
    }
  }
  return { ok: true, value: out };
}
