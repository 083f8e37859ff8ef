// Golden fixtures for every mapping, both directions: requests (and the fields each side cannot express),
// answers with their usage, error bodies with their status, and streams fed whole and in small pieces.
import { describe, expect, it } from 'vitest';
import {
  anthropicAnswerToOpenAI,
  anthropicRequestToOpenAI,
  openaiAnswerToAnthropic,
  openaiRequestToAnthropic,
  PLAIN,
  translateAnswer,
  type TranslationTarget,
  type WireProtocol,
} from '../../src/translate/index.js';
import { CREATED, fixture, fixtureText, parseSse, translateStream } from './support.js';

interface RequestFixture {
  target: TranslationTarget;
  cases: { name: string; input: Record<string, unknown>; expected: unknown; jsonTool?: string }[];
  unsupported: { field: string; patch: Record<string, unknown> }[];
}

const requestSuites = [
  { file: 'openai-request.json', translate: openaiRequestToAnthropic },
  { file: 'anthropic-request.json', translate: anthropicRequestToOpenAI },
] as const;

for (const suite of requestSuites) {
  const f = fixture<RequestFixture>(suite.file);
  describe(`requests: ${suite.file}`, () => {
    for (const c of f.cases) {
      it(c.name, () => {
        const r = suite.translate(c.input, f.target);
        if (!r.ok) throw new Error(`unsupported: ${r.field} (${r.reason})`);
        expect(r.value.body).toEqual(c.expected);
        expect(r.value.mode.jsonTool).toBe(c.jsonTool);
      });
    }
    const base = f.cases[0]!.input;
    for (const u of f.unsupported) {
      it(`refuses \`${u.field}\``, () => {
        const r = suite.translate({ ...base, ...u.patch }, f.target);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.field).toBe(u.field);
        // The reason is one lowercase line for the attempt note and the 400 message.
        expect(r.reason).toMatch(/^[a-z`]/);
        expect(r.reason).not.toContain('\n');
      });
    }
  });
}

interface AnswerCase {
  name: string;
  input: unknown;
  expected: unknown;
  usage: { inputTokens: number; outputTokens: number } | null;
  jsonTool?: string;
}

interface AnswerFixture {
  created: number;
  anthropicToOpenAI: AnswerCase[];
  openaiToAnthropic: AnswerCase[];
  errors: { name: string; provider: WireProtocol; status: number; input: unknown; expected: unknown }[];
}

describe('answers', () => {
  const f = fixture<AnswerFixture>('answers.json');
  for (const c of f.anthropicToOpenAI) {
    it(`anthropic → openai: ${c.name}`, () => {
      const r = anthropicAnswerToOpenAI(c.input, { jsonTool: c.jsonTool }, f.created);
      if (!r.ok) throw new Error(r.reason);
      expect(r.value.body).toEqual(c.expected);
      expect(r.value.usage).toEqual(c.usage ?? undefined);
    });
  }
  for (const c of f.openaiToAnthropic) {
    it(`openai → anthropic: ${c.name}`, () => {
      const r = openaiAnswerToAnthropic(c.input);
      if (!r.ok) throw new Error(r.reason);
      expect(r.value.body).toEqual(c.expected);
      expect(r.value.usage).toEqual(c.usage ?? undefined);
    });
  }
  for (const c of f.errors) {
    it(`error: ${c.name}`, () => {
      const raw = typeof c.input === 'string' ? c.input : JSON.stringify(c.input);
      const r = translateAnswer(c.provider, c.status, raw, PLAIN, f.created);
      if (!r.ok) throw new Error(r.reason);
      expect(JSON.parse(r.value.body)).toEqual(c.expected);
      expect(r.value.usage).toBeUndefined();
    });
  }

  it('refuses a success that is not a message of the provider protocol', () => {
    for (const provider of ['openai', 'anthropic'] as const) {
      for (const raw of ['<html>ok</html>', '{"object":"list"}', '[]']) {
        const r = translateAnswer(provider, 200, raw, PLAIN, CREATED);
        expect(r.ok, `${provider} ${raw}`).toBe(false);
      }
    }
  });
});

interface StreamFixture {
  name: string;
  provider: WireProtocol;
  file: string;
  jsonTool?: string;
  usage: { inputTokens: number; outputTokens: number };
}

describe('streams', () => {
  for (const s of fixture<StreamFixture[]>('streams.json')) {
    const input = fixtureText(`streams/${s.file}.in.sse`);
    const expected = parseSse(fixtureText(`streams/${s.file}.out.sse`));
    const mode = { jsonTool: s.jsonTool };
    it(s.name, () => {
      const run = translateStream(s.provider, input, mode);
      expect(parseSse(run.text)).toEqual(expected);
      expect(run.usage).toEqual(s.usage);
      expect(run.done).toBe(true);
    });
    it(`${s.name}, fed in pieces of 1 to 13 characters and with CRLF line ends`, () => {
      const cuts: number[] = [];
      for (let at = 1, step = 1; at < input.length; at += step, step = (step % 13) + 1) cuts.push(at);
      expect(parseSse(translateStream(s.provider, input, mode, cuts).text)).toEqual(expected);
      const crlf = input.replace(/\n/g, '\r\n');
      expect(parseSse(translateStream(s.provider, crlf, mode, [1, 2, crlf.indexOf('\r\n') + 1, crlf.length - 1]).text)).toEqual(expected);
    });
  }

  it('ends nothing when the provider stream stops before its final event', () => {
    for (const s of fixture<StreamFixture[]>('streams.json')) {
      const input = fixtureText(`streams/${s.file}.in.sse`);
      const marker = s.provider === 'openai' ? 'data: [DONE]' : 'event: message_stop';
      const run = translateStream(s.provider, input.slice(0, input.indexOf(marker)), { jsonTool: s.jsonTool });
      expect(run.done, s.name).toBe(false);
      const events = parseSse(run.text);
      if (s.provider === 'openai') expect(events.some((e) => e.event === 'message_stop')).toBe(false);
      else expect(events.some((e) => e.data === '[DONE]')).toBe(false);
    }
  });

  it('sends nothing after the final event, whatever follows it', () => {
    for (const s of fixture<StreamFixture[]>('streams.json')) {
      const input = fixtureText(`streams/${s.file}.in.sse`);
      const expected = parseSse(fixtureText(`streams/${s.file}.out.sse`));
      expect(parseSse(translateStream(s.provider, input + input, { jsonTool: s.jsonTool }).text), s.name).toEqual(expected);
    }
  });

  it('translates a provider error event into the client protocol', () => {
    const anthropic = translateStream('anthropic', 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n', PLAIN);
    expect(parseSse(anthropic.text)).toEqual([{ event: '', data: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } } }]);
    const openai = translateStream('openai', 'data: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}\n\n', PLAIN);
    expect(parseSse(openai.text)).toEqual([{ event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'The server had an error' } } }]);
  });
});
