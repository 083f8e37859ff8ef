// Where the proxy meets the translators: a candidate whose provider speaks the other protocol gets the client's
// request translated for it (or is skipped when the request asks for something that protocol cannot express),
// and its answer, error or stream is translated back before anything else — telemetry, relay, settlement —
// sees it, so everything downstream reads the client's protocol. The provider's own usage report rides along
// for settlement.
import { StringDecoder } from 'node:string_decoder';
import { SseReader, streamTranslator, translateAnswer, translateRequest, type ResponseMode, type StreamTranslator } from '../translate/index.js';
import type { ApiRequest, Protocol } from './protocol.js';
import { MAX_PENDING_EVENT_CHARS } from './sse.js';
import type { AttemptResult } from './upstream.js';

/** A request ready for a provider of the other protocol: the body to send and what its answer's translation needs. */
export interface Crossing {
  readonly body: string;
  readonly mode: ResponseMode;
}

export type CrossingResult = { readonly ok: true; readonly crossing: Crossing } | { readonly ok: false; readonly note: string; readonly field: string };

/** Prefix of the attempt note of a candidate skipped because its protocol cannot express the request. */
export const UNSUPPORTED_NOTE = 'unsupported: ';

export function crossingFor(request: ApiRequest, upstreamModel: string, maxOutputTokens: number): CrossingResult {
  const r = translateRequest(request.protocol, request.body, { model: upstreamModel, maxOutputTokens });
  if (!r.ok) return { ok: false, field: r.field, note: `${UNSUPPORTED_NOTE}${r.field} (${r.reason})` };
  return { ok: true, crossing: { body: JSON.stringify(r.value.body), mode: r.value.mode } };
}

/** Reads a provider stream through a translator: each upstream chunk becomes the client-protocol text it completes. */
class TranslatedStream implements AsyncIterator<Buffer> {
  private readonly decoder = new StringDecoder('utf8');
  private readonly reader = new SseReader();
  private ended = false;

  constructor(
    private readonly upstream: AsyncIterator<Buffer>,
    private readonly translator: StreamTranslator,
  ) {}

  translate(chunk: Buffer): Buffer {
    let out = '';
    for (const e of this.reader.push(this.decoder.write(chunk))) out += this.translator.push(e);
    // The relay bounds what a response may hold; an unfinished event held here would escape that bound.
    if (this.reader.pendingChars > MAX_PENDING_EVENT_CHARS) throw new Error(`a provider event grew past ${MAX_PENDING_EVENT_CHARS} characters without its end`);
    return Buffer.from(out);
  }

  async next(): Promise<IteratorResult<Buffer>> {
    while (!this.ended) {
      const n = await this.upstream.next();
      if (n.done !== true) {
        let out: Buffer;
        try {
          out = this.translate(n.value);
        } catch (err) {
          this.ended = true;
          await this.upstream.return?.();
          throw err;
        }
        // Events with nothing to say to this client (pings, thinking) are read on without a write.
        if (out.length > 0) return { done: false, value: out };
        continue;
      }
      this.ended = true;
      let out = '';
      for (const e of this.reader.push(this.decoder.end())) out += this.translator.push(e);
      const last = this.reader.flush();
      if (last !== null) out += this.translator.push(last);
      if (out !== '') return { done: false, value: Buffer.from(out) };
    }
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<Buffer>> {
    this.ended = true;
    await this.upstream.return?.();
    return { done: true, value: undefined };
  }
}

/**
 * An attempt's result in the client's protocol. A success that is not a message of the provider's protocol
 * cannot be translated and counts as a failed attempt (nothing has reached the client yet). `created` is the
 * Unix time in seconds stamped on OpenAI-shaped answers.
 */
export function translateResult(r: AttemptResult, provider: Protocol, mode: ResponseMode, created: number): AttemptResult {
  switch (r.kind) {
    case 'answer': {
      const t = translateAnswer(provider, r.status, r.body.toString('utf8'), mode, created);
      if (!t.ok) return { kind: 'failed', failure: 'status', status: r.status, note: `answered ${r.status} with a body that is not a message of the \`${provider}\` protocol` };
      // The body is JSON now, whatever the provider sent (an HTML error page becomes an error object).
      // Object.assign, not spreads: a spread copy gaining a property (`providerUsage`, a `content-type` the provider
      // did not send) costs a fresh hidden class each time (test/support/hidden-class.ts).
      const headers = Object.assign({}, r.headers, { 'content-type': 'application/json' });
      return Object.assign({}, r, { headers, body: Buffer.from(t.value.body), providerUsage: { usage: t.value.usage } });
    }
    case 'stream': {
      const translator = streamTranslator(provider, mode, created);
      const rest = new TranslatedStream(r.rest, translator);
      return Object.assign({}, r, { first: rest.translate(r.first), rest, providerUsage: translator });
    }
    case 'failed':
    case 'aborted':
      return r;
    default: {
      const unknown: never = r;
      throw new Error(`unknown attempt result ${JSON.stringify(unknown)}`);
    }
  }
}
