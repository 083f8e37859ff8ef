// Shared helpers of the translation tests: fixture loading, feeding a stream through a translator in pieces,
// and reading SSE text back as parsed events.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SseReader, streamTranslator, type ResponseMode, type TokenUsage, type WireProtocol } from '../../src/translate/index.js';

export const CREATED = 1_700_000_000;

export const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as T;

export const fixtureText = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

export interface ParsedEvent {
  readonly event: string;
  readonly data: unknown;
}

/** SSE text as events, each data parsed as JSON (`[DONE]` kept as the string). */
export function parseSse(text: string): ParsedEvent[] {
  const reader = new SseReader();
  const events = reader.push(text);
  const last = reader.flush();
  if (last !== null) events.push(last);
  return events.map((e) => ({ event: e.event, data: e.data === '[DONE]' ? '[DONE]' : (JSON.parse(e.data) as unknown) }));
}

export interface StreamRun {
  readonly text: string;
  readonly usage: TokenUsage | undefined;
  readonly done: boolean;
}

/** Feeds `input` (in `provider`'s protocol) to a translator cut into pieces at `cuts` (character offsets). */
export function translateStream(provider: WireProtocol, input: string, mode: ResponseMode, cuts: readonly number[] = []): StreamRun {
  const translator = streamTranslator(provider, mode, CREATED);
  const reader = new SseReader();
  let text = '';
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b).concat(input.length)) {
    for (const e of reader.push(input.slice(from, cut))) text += translator.push(e);
    from = cut;
  }
  const last = reader.flush();
  if (last !== null) text += translator.push(last);
  return { text, usage: translator.usage, done: translator.done };
}
