// The client's JSON text forwarded with only its model replaced: whatever the text, the provider must read the
// same document as the parsed body with the upstream model would serialise to.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanRawBody, withModel, withModelAndUsage } from '../../src/proxy/raw-body.js';
import { jsonValue as value, nasty, pads, spaced } from '../support/json-text.js';

const body = fc
  .tuple(fc.dictionary(fc.string().filter((k) => k !== 'model' && k !== '__proto__'), value, { maxKeys: 5 }), nasty, fc.nat(6))
  .map(([rest, model, at]) => {
    // `model` somewhere among the other keys, not always first.
    const entries = Object.entries(rest);
    entries.splice(Math.min(at, entries.length), 0, ['model', model]);
    return Object.fromEntries(entries) as Record<string, unknown>;
  });

describe('withModel', () => {
  it('reads as the parsed body with the upstream model, its keys in the same order, however the text is spaced', () => {
    fc.assert(
      fc.property(body, nasty, pads, (parsed, upstream, pad) => {
        const text = spaced(parsed, pad);
        const raw = scanRawBody(text);
        expect(raw).toBeDefined();
        const sent = withModel(raw!, upstream);
        const expected = Object.assign({}, JSON.parse(text) as object, { model: upstream });
        expect(JSON.parse(sent)).toEqual(expected);
        expect(Object.keys(JSON.parse(sent) as object)).toEqual(Object.keys(expected));
        // Nothing but the model's value changed.
        expect(sent.slice(0, raw!.modelStart)).toBe(text.slice(0, raw!.modelStart));
        expect(sent.slice(raw!.modelStart + JSON.stringify(upstream).length)).toBe(text.slice(raw!.modelEnd));
      }),
      { numRuns: 400 },
    );
  });

  it('asks an OpenAI stream for usage with a member of its own when the client sent no stream_options', () => {
    fc.assert(
      fc.property(body, nasty, (parsed, upstream) => {
        const raw = scanRawBody(JSON.stringify(parsed))!;
        expect(raw.streamOptions).toBe(false);
        const sent = JSON.parse(withModelAndUsage(raw, upstream)) as Record<string, unknown>;
        expect(sent).toEqual({ ...(JSON.parse(JSON.stringify(parsed)) as object), model: upstream, stream_options: { include_usage: true } });
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same text back when it already names the upstream model', () => {
    const text = '{"model":"up","messages":[]}';
    expect(withModel(scanRawBody(text)!, 'up')).toBe(text);
  });
});

describe('scanRawBody', () => {
  it('finds the top-level model, not one nested or inside a string, and an escaped spelling of the key', () => {
    const text = '{"messages":[{"model":"nested","content":"\\"model\\":\\"s\\"\\\\"}],"meta":{"model":1},"mod\\u0065l":"top"}';
    const raw = scanRawBody(text)!;
    expect(text.slice(raw.modelStart, raw.modelEnd)).toBe('"top"');
    expect(JSON.parse(withModel(raw, 'up'))).toEqual({ ...(JSON.parse(text) as object), model: 'up' });
  });

  it('notices a top-level stream_options, in any spelling', () => {
    expect(scanRawBody('{"model":"m","stream_options":{"include_usage":false}}')?.streamOptions).toBe(true);
    expect(scanRawBody('{"model":"m","stream\\u005foptions":null}')?.streamOptions).toBe(true);
    expect(scanRawBody('{"model":"m","x":{"stream_options":1}}')?.streamOptions).toBe(false);
  });

  it('declines what it cannot forward as text: no object, no model, or more than one', () => {
    for (const text of ['[]', '"model"', '{}', '{"messages":[]}', '{"x":{"model":"m"}}', '{"model":"a","model":"b"}', '{"model":"a","mod\\u0065l":"b"}']) {
      expect(scanRawBody(text)).toBeUndefined();
    }
  });
});
