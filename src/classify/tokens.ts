// The prompt-token estimate the proxy decides on: ceil(characters / 4) of the message text. Deterministic and
// cheap (no tokenizer, no serialisation); the budget issue settles on the provider's real usage afterwards.
// Both wire shapes are read the same way: a `content` that is a string, or a list of parts whose `text`
// (or, for Anthropic tool results, nested `content`) is counted; `system` likewise.

const CHARS_PER_TOKEN = 4;

function textLength(content: unknown, depth: number): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content) || depth > 2) return 0;
  let n = 0;
  for (const part of content) {
    if (typeof part === 'string') {
      n += part.length;
    } else if (part !== null && typeof part === 'object') {
      const p = part as { text?: unknown; content?: unknown };
      if (typeof p.text === 'string') n += p.text.length;
      else if (p.content !== undefined) n += textLength(p.content, depth + 1);
    }
  }
  return n;
}

/** Estimated prompt tokens of a chat request body (OpenAI `messages`, Anthropic `system` + `messages`). */
export function estimatePromptTokens(body: { readonly messages?: unknown; readonly system?: unknown }): number {
  let chars = textLength(body.system, 0);
  const messages = body.messages;
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (m !== null && typeof m === 'object') chars += textLength((m as { content?: unknown }).content, 0);
    }
  }
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
