// Protocol translation on the request path: a typical 2 KB request translated OpenAI → Anthropic and back
// (translate + serialise, what the proxy does for a candidate of the other protocol), a non-streaming answer,
// and stream events one by one. The in-run baseline is a plain JSON.parse + JSON.stringify of the same body;
// the proxy's same-protocol path (the body re-serialised with the upstream model) is measured alongside.
import {
  AnthropicToOpenAIStream,
  OpenAIToAnthropicStream,
  PLAIN,
  SseReader,
  translateAnswer,
  translateRequest,
} from '../dist/translate/index.js';

const TARGET = { model: 'claude-sonnet-upstream', maxOutputTokens: 8192 };

/** About 2 KB: a system prompt, a few turns with a tool call and its result, one tool, sampling settings. */
const OPENAI_REQUEST = {
  model: 'auto',
  messages: [
    { role: 'system', content: 'You are a support assistant for an online bookshop. Answer in two sentences at most, cite the order number when there is one, and never promise refunds: hand those to a human. '.repeat(2) },
    { role: 'user', content: 'Hello, my order 48213 has not arrived yet. It was supposed to be delivered last Tuesday. Can you check where it is?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_8fQ2', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"48213","fields":["status","carrier","eta"]}' } }] },
    { role: 'tool', tool_call_id: 'call_8fQ2', content: '{"status":"in_transit","carrier":"DHL","eta":"2026-11-24","last_scan":"Leipzig hub, 2026-11-20 18:02"}' },
    { role: 'assistant', content: 'Your order 48213 is in transit with DHL; it was last scanned at the Leipzig hub and should arrive on November 24.' },
    { role: 'user', content: 'That is late. Could you tell me whether I can still cancel it, and if so how long the refund would take to reach my card? I paid with a Visa debit card and I would rather not wait for the parcel to come back if that takes weeks; my bank says refunds from your shop usually take a few days, but last time it took almost two weeks.' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'lookup_order',
        description: 'Look an order up by its number and return the requested fields.',
        parameters: { type: 'object', properties: { order_id: { type: 'string' }, fields: { type: 'array', items: { type: 'string', enum: ['status', 'carrier', 'eta', 'items', 'total'] } } }, required: ['order_id'] },
      },
    },
  ],
  tool_choice: 'auto',
  temperature: 0.3,
  max_tokens: 400,
  stream: true,
  stream_options: { include_usage: true },
  user: 'customer-2291',
};

const OPENAI_RAW = JSON.stringify(OPENAI_REQUEST);

const TEXT_EVENT = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" refund"}}\n\n';
const TOOL_EVENT = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"order_id\\": \\"482"}}\n\n';
const OPENAI_CHUNK = 'data: {"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1763700000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_50cad350e4","choices":[{"index":0,"delta":{"content":" refund"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n';

const ANTHROPIC_ANSWER = JSON.stringify({
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-upstream',
  content: [{ type: 'text', text: 'You can still cancel order 48213 while it is in transit: reply "cancel" and a colleague will stop the parcel. Refunds reach most cards within five to seven business days after the parcel returns to us.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 512, output_tokens: 48 },
});

function must(r) {
  if (!r.ok) throw new Error(`translation refused: ${r.field} (${r.reason})`);
  return r.value;
}

export default async function run(h) {
  const anthropicRequest = must(translateRequest('openai', OPENAI_REQUEST, TARGET)).body;
  const anthropicRaw = JSON.stringify(anthropicRequest);
  const group = h.group(
    'Translation (per request)',
    `A ${OPENAI_RAW.length}-byte OpenAI request (system prompt, tool call and result, one tool) and its ${anthropicRaw.length}-byte Anthropic translation. ` +
      'Each row is one call (batch 1); translate rows include serialising the result, as the proxy sends it. Target: p99 ≤ 50 µs.',
  );
  const opts = { samples: 20_000, batch: 1, warmup: 5_000, maxMs: 4_000 };
  group.add('baseline: JSON.parse + JSON.stringify of the 2 KB body', await h.measure(() => JSON.stringify(JSON.parse(OPENAI_RAW)), opts));
  group.add('same protocol: body re-serialised with the upstream model', await h.measure(() => JSON.stringify({ ...OPENAI_REQUEST, model: TARGET.model }), opts), { baseline: 'baseline: JSON.parse + JSON.stringify of the 2 KB body' });
  group.add('openai → anthropic request', await h.measure(() => JSON.stringify(must(translateRequest('openai', OPENAI_REQUEST, TARGET)).body), opts), {
    baseline: 'baseline: JSON.parse + JSON.stringify of the 2 KB body',
    target: 'p99 ≤ 50 µs',
  });
  group.add('anthropic → openai request', await h.measure(() => JSON.stringify(must(translateRequest('anthropic', anthropicRequest, { model: 'gpt-4o', maxOutputTokens: 8192 })).body), opts), {
    baseline: 'baseline: JSON.parse + JSON.stringify of the 2 KB body',
    target: 'p99 ≤ 50 µs',
  });
  group.add('anthropic → openai answer (parse, translate, serialise)', await h.measure(() => must(translateAnswer('anthropic', 200, ANTHROPIC_ANSWER, PLAIN, 1_763_700_000)).body, opts), {
    baseline: 'baseline: JSON.parse + JSON.stringify of the 2 KB body',
  });

  const events = h.group(
    'Translation (per streamed event)',
    'One SSE event through the reader and the stream state machine, as the proxy feeds them (text in, text out). ' +
      'Each sample is one event timed singly (batch 1, so p99 is per event; the timer adds ~0.1 µs); baseline: JSON.parse + JSON.stringify of the same event data. Target: ≤ 5 µs per event.',
  );
  const eventOpts = { samples: 50_000, batch: 1, warmup: 20_000, maxMs: 4_000 };
  const textData = TEXT_EVENT.slice(TEXT_EVENT.indexOf('data: ') + 6, -2);
  events.add('baseline: JSON.parse + JSON.stringify of one event', await h.measure(() => JSON.stringify(JSON.parse(textData)), eventOpts));

  const toOpenAI = new AnthropicToOpenAIStream(PLAIN, 1_763_700_000);
  const readerA = new SseReader();
  toOpenAI.push({ event: 'message_start', data: '{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":10,"output_tokens":1}}}' });
  toOpenAI.push({ event: 'content_block_start', data: '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}' });
  toOpenAI.push({ event: 'content_block_start', data: '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"lookup_order","input":{}}}' });
  const viaA = (raw) => {
    let out = '';
    for (const e of readerA.push(raw)) out += toOpenAI.push(e);
    return out;
  };
  events.add('anthropic text_delta → openai chunk', await h.measure(() => viaA(TEXT_EVENT), eventOpts), { baseline: 'baseline: JSON.parse + JSON.stringify of one event', target: '≤ 5 µs' });
  events.add('anthropic input_json_delta → openai tool-call chunk', await h.measure(() => viaA(TOOL_EVENT), eventOpts), { baseline: 'baseline: JSON.parse + JSON.stringify of one event', target: '≤ 5 µs' });

  const toAnthropic = new OpenAIToAnthropicStream();
  const readerO = new SseReader();
  const viaO = (raw) => {
    let out = '';
    for (const e of readerO.push(raw)) out += toAnthropic.push(e);
    return out;
  };
  viaO(OPENAI_CHUNK);
  events.add('openai content chunk → anthropic text_delta', await h.measure(() => viaO(OPENAI_CHUNK), eventOpts), { baseline: 'baseline: JSON.parse + JSON.stringify of one event', target: '≤ 5 µs' });
}
