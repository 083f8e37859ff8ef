// Request features from an OpenAI Chat Completions or Anthropic Messages body: what Classifier rules decide
// on, and what the audit log records instead of content. One pass over the messages reads roles, counts and
// content parts; only the system prompt and the last user message are scanned character by character (code
// density, keyword hits), each in one pass. Pure: the same body and keywords give the same features.
//
// Conventions, the same for both protocols so a request means the same whichever API it came through:
// - `messages` counts conversation messages (system and developer messages are the system prompt, not messages);
// - `turns` counts user messages, except Anthropic user messages that only carry `tool_result` blocks
//   (the OpenAI equivalent is a `tool` message);
// - the last user message is the last such turn; its text parts are joined by line breaks, and so are
//   system prompt parts (OpenAI `system`/`developer` messages, Anthropic `system`);
// - `images`: any image part (OpenAI `image_url`/`input_image`, Anthropic `image`, also inside tool results);
// - `jsonMode`: OpenAI `response_format` of type `json_object` or `json_schema`, Anthropic `output_format` of
//   type `json_schema`;
// - `maxTokens`: OpenAI `max_completion_tokens`, else `max_tokens`; Anthropic `max_tokens`; absent when unset.
import type { RequestFeatures } from '../policy/generated/request-context.js';
import { estimatePromptTokens } from './tokens.js';
import { codeDensity } from './code-density.js';
import { KeywordSet } from './keyword-scan.js';

export type BodyProtocol = 'openai' | 'anthropic';

/** The keywords whose hits are recorded: those of the system prompt and those of the last user message. */
export interface KeywordSets {
  readonly system: KeywordSet;
  readonly user: KeywordSet;
}

export const NO_KEYWORDS: KeywordSets = { system: new KeywordSet([]), user: new KeywordSet([]) };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const IMAGE_PARTS: ReadonlySet<string> = new Set(['image_url', 'input_image', 'image']);

/** The text of a content value: a string, or the `text` of its parts joined by line breaks. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out: string | undefined;
  for (const part of content) {
    const text = typeof part === 'string' ? part : isObject(part) && typeof part.text === 'string' ? part.text : undefined;
    if (text !== undefined) out = out === undefined ? text : `${out}\n${text}`;
  }
  return out ?? '';
}

function hasImage(content: unknown, depth = 0): boolean {
  if (!Array.isArray(content)) return false;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (typeof part.type === 'string' && IMAGE_PARTS.has(part.type)) return true;
    if (depth === 0 && part.type === 'tool_result' && hasImage(part.content, 1)) return true;
  }
  return false;
}

/** An Anthropic user message that only returns tool results: the model's loop, not the user speaking. */
function onlyToolResults(content: unknown): boolean {
  if (!Array.isArray(content) || content.length === 0) return false;
  for (const part of content) if (!isObject(part) || part.type !== 'tool_result') return false;
  return true;
}

const nonEmptyList = (v: unknown): boolean => Array.isArray(v) && v.length > 0;

function jsonModeOf(body: Obj, protocol: BodyProtocol): boolean {
  if (protocol === 'openai') {
    const f = body.response_format;
    return isObject(f) && (f.type === 'json_object' || f.type === 'json_schema');
  }
  const f = body.output_format;
  return isObject(f) && f.type === 'json_schema';
}

function maxTokensOf(body: Obj, protocol: BodyProtocol): number | undefined {
  for (const field of protocol === 'openai' ? ['max_completion_tokens', 'max_tokens'] : ['max_tokens']) {
    const v = body[field];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
  }
  return undefined;
}

/** Features of a chat request body; a body that is not an object, or has no message list, has no messages. */
export function extractFeatures(body: unknown, protocol: BodyProtocol, keywords: KeywordSets = NO_KEYWORDS): RequestFeatures {
  const b: Obj = isObject(body) ? body : {};
  const list = Array.isArray(b.messages) ? (b.messages as unknown[]) : [];
  let system: string | undefined = protocol === 'anthropic' && b.system !== undefined ? textOf(b.system) : undefined;
  let messages = 0;
  let turns = 0;
  let images = false;
  let lastUser: unknown;
  for (const m of list) {
    if (!isObject(m)) continue;
    const role = m.role;
    const content = m.content;
    if (protocol === 'openai' && (role === 'system' || role === 'developer')) {
      const text = textOf(content);
      system = system === undefined ? text : `${system}\n${text}`;
      continue;
    }
    messages++;
    if (!images && hasImage(content)) images = true;
    if (role === 'user' && !(protocol === 'anthropic' && onlyToolResults(content))) {
      turns++;
      lastUser = content;
    }
  }
  const userText = lastUser === undefined ? '' : textOf(lastUser);
  const features: RequestFeatures = {
    promptTokens: estimatePromptTokens(b),
    messages,
    turns,
    codeDensity: codeDensity(userText),
    tools: nonEmptyList(b.tools) || (protocol === 'openai' && nonEmptyList(b.functions)),
    images,
    jsonMode: jsonModeOf(b, protocol),
    systemKeywords: keywords.system.hits(system ?? ''),
    userKeywords: keywords.user.hits(userText),
  };
  const maxTokens = maxTokensOf(b, protocol);
  if (maxTokens !== undefined) features.maxTokens = maxTokens;
  return features;
}
