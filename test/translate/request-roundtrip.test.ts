// Property: an OpenAI request translated to Anthropic and back keeps its meaning — the system prompt, every turn
// (text, images, files, tool calls with their arguments, tool results), the tools and tool choice, and the
// limits and sampling settings. What changes is only form: system messages gather at the top, consecutive turns
// of one role merge, a plain string and a single text part are the same content.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anthropicRequestToOpenAI, openaiRequestToAnthropic } from '../../src/translate/index.js';

const DEFAULT_MAX = 777;

const text = fc.string({ minLength: 1, maxLength: 12 });
const textPart = text.map((t) => ({ type: 'text', text: t }));
const content = fc.oneof(text, fc.array(textPart, { minLength: 1, maxLength: 3 }));
const image = fc.oneof(
  fc.constantFrom('png', 'jpeg', 'gif', 'webp').map((t) => ({ type: 'image_url', image_url: { url: `data:image/${t};base64,AAAA${t}` } })),
  fc.webUrl({ validSchemes: ['https'] }).map((url) => ({ type: 'image_url', image_url: { url, detail: 'auto' } })),
);
const file = fc.record({ data: fc.base64String({ minLength: 4, maxLength: 12 }), name: text }).map(({ data, name }) => ({ type: 'file', file: { file_data: `data:application/pdf;base64,${data}`, filename: name } }));
const userContent = fc.oneof(text, fc.array(fc.oneof({ weight: 3, arbitrary: textPart }, image, file), { minLength: 1, maxLength: 4 }));
const args = fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(fc.integer(), fc.string(), fc.boolean()), { maxKeys: 3 });
const id = fc.stringMatching(/^call_[a-z0-9]{1,6}$/);
const toolName = fc.constantFrom('get_weather', 'lookup', 'search');
const toolCall = fc.record({ id, name: toolName, args }).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));

const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content }),
  fc.record({ role: fc.constant('user'), content: userContent }),
  fc.oneof(
    fc.record({ role: fc.constant('assistant'), content }),
    fc.record({ role: fc.constant('assistant'), content: fc.option(content, { nil: null }), tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 3 }) }),
  ),
  fc.record({ role: fc.constant('tool'), tool_call_id: id, content }),
);

const tool = fc
  .record(
    { name: toolName, description: text, parameters: fc.constant({ type: 'object', properties: { city: { type: 'string' } } }) },
    { requiredKeys: ['name'] },
  )
  .map((f) => ({ type: 'function', function: f }));

const request = fc
  .record(
    {
      messages: fc.array(message, { minLength: 1, maxLength: 8 }),
      tools: fc.array(tool, { minLength: 1, maxLength: 3 }),
      toolChoice: fc.constantFrom('auto', 'none', 'required', 'named'),
      parallel_tool_calls: fc.boolean(),
      max_tokens: fc.integer({ min: 1, max: 100_000 }),
      max_completion_tokens: fc.integer({ min: 1, max: 100_000 }),
      temperature: fc.double({ min: 0, max: 1, noNaN: true }),
      top_p: fc.double({ min: 0, max: 1, noNaN: true }),
      stop: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 })),
      user: text,
      stream: fc.boolean(),
    },
    { requiredKeys: ['messages'] },
  )
  .map(({ toolChoice, ...r }) => {
    const out: Record<string, unknown> = { model: 'auto', ...r };
    if (r.tools !== undefined && toolChoice !== undefined) {
      out.tool_choice = toolChoice === 'named' ? { type: 'function', function: { name: r.tools[0]!.function.name } } : toolChoice;
    }
    if (r.tools === undefined) delete out.parallel_tool_calls;
    return out;
  });

// ---- the meaning of an OpenAI request, independent of form ----

type Obj = Record<string, unknown>;
const texts = (c: unknown): string[] => (typeof c === 'string' ? [c] : Array.isArray(c) ? c.map((p: Obj) => String(p.text)) : []);

function userParts(c: unknown): unknown[] {
  if (typeof c === 'string') return [{ text: c }];
  return (c as Obj[]).map((p) => {
    if (p.type === 'text') return { text: p.text };
    if (p.type === 'image_url') return { image: (p.image_url as Obj).url };
    const f = p.file as Obj;
    return { file: f.file_data, name: f.filename };
  });
}

type Turn = { role: 'user'; parts: unknown[] } | { role: 'assistant'; texts: string[]; calls: unknown[] } | { role: 'tool'; id: unknown; texts: string[] };

function meaning(r: Obj): Obj {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const m of r.messages as Obj[]) {
    const last = turns.at(-1);
    if (m.role === 'system' || m.role === 'developer') system.push(...texts(m.content));
    else if (m.role === 'user') {
      if (last?.role === 'user') last.parts.push(...userParts(m.content));
      else turns.push({ role: 'user', parts: userParts(m.content) });
    } else if (m.role === 'assistant') {
      const calls = ((m.tool_calls ?? []) as Obj[]).map((c) => {
        const fn = c.function as Obj;
        return { id: c.id, name: fn.name, args: JSON.parse(String(fn.arguments)) as unknown };
      });
      if (last?.role === 'assistant') {
        last.texts.push(...texts(m.content));
        last.calls.push(...calls);
      } else turns.push({ role: 'assistant', texts: texts(m.content), calls });
    } else turns.push({ role: 'tool', id: m.tool_call_id, texts: texts(m.content) });
  }
  const tools = r.tools as Obj[] | undefined;
  const choice = tools === undefined ? undefined : (r.tool_choice ?? 'auto');
  return {
    system,
    turns,
    tools: tools?.map((t) => {
      const f = t.function as Obj;
      return { name: f.name, description: f.description, parameters: f.parameters ?? { type: 'object', properties: {} } };
    }),
    choice,
    // Without tools, or when none may be called, there is nothing to call in parallel.
    parallel: choice === undefined || choice === 'none' ? undefined : r.parallel_tool_calls === false ? false : undefined,
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? DEFAULT_MAX,
    temperature: r.temperature,
    top_p: r.top_p,
    stop: typeof r.stop === 'string' ? [r.stop] : r.stop,
    user: r.user,
    stream: r.stream === true,
  };
}

describe('OpenAI request → Anthropic → OpenAI', () => {
  it('keeps messages, tools and limits', () => {
    fc.assert(
      fc.property(request, (r) => {
        const there = openaiRequestToAnthropic(r, { model: 'claude-up', maxOutputTokens: DEFAULT_MAX });
        if (!there.ok) throw new Error(`unsupported: ${there.field} (${there.reason})`);
        const back = anthropicRequestToOpenAI(JSON.parse(JSON.stringify(there.value.body)) as Obj, { model: 'gpt-up' });
        if (!back.ok) throw new Error(`unsupported on the way back: ${back.field} (${back.reason})`);
        expect(back.value.body.model).toBe('gpt-up');
        expect(meaning(back.value.body as unknown as Obj)).toEqual(meaning(r));
        // A stream asks for the usage an Anthropic stream would always have reported.
        if (r.stream === true) expect(back.value.body.stream_options).toEqual({ include_usage: true });
      }),
      { numRuns: 500 },
    );
  });

  it('alternates roles on the Anthropic side and sends no empty turn or text block', () => {
    fc.assert(
      fc.property(request, (r) => {
        const there = openaiRequestToAnthropic(r, { model: 'claude-up', maxOutputTokens: DEFAULT_MAX });
        if (!there.ok) throw new Error(there.reason);
        const messages = there.value.body.messages;
        for (let i = 1; i < messages.length; i++) expect(messages[i]!.role).not.toBe(messages[i - 1]!.role);
        for (const m of messages) {
          if (typeof m.content === 'string') {
            expect(m.content).not.toBe('');
            continue;
          }
          expect(m.content.length).toBeGreaterThan(0);
          for (const b of m.content) if (b.type === 'text') expect(b.text).not.toBe('');
        }
      }),
      { numRuns: 200 },
    );
  });
});
