// A small organisation, a hand-written traffic file over it, and known edits whose effect the tests state
// from first principles (prices below, routes and rules read off the YAML), not from the implementation.
import { loadPolicyFromSources } from '../../src/policy/index.js';
import { compile, type DecisionGraph } from '../../src/engine/index.js';

/** USD per million tokens, as declared in POLICY. */
export const PRICES = {
  'big-us': { input: 2, output: 8 },
  'small-us': { input: 0.5, output: 1.5 },
  'small-eu': { input: 0.25, output: 1 },
} as const;
export type ModelName = keyof typeof PRICES;

export const POLICY = `
apiVersion: switchyard.dev/v1
kind: Organization
metadata: { name: acme }
spec:
  dataClasses: [public, internal, pii-eu]
  tasks: [chat, code]
  defaults: { dataClass: internal, task: chat }
---
apiVersion: switchyard.dev/v1
kind: Provider
metadata: { name: us }
spec:
  api: openai
  baseUrl: http://127.0.0.1:1/v1
  credentials: { env: US_KEY }
  regions: [us-east-1]
  dataPolicy: { zeroDataRetention: false, trainsOnData: false, retentionDays: 30 }
---
apiVersion: switchyard.dev/v1
kind: Provider
metadata: { name: eu }
spec:
  api: openai
  baseUrl: http://127.0.0.1:2/v1
  credentials: { env: EU_KEY }
  regions: [eu-west-1]
  dataPolicy: { zeroDataRetention: true, trainsOnData: false, retentionDays: 0 }
---
apiVersion: switchyard.dev/v1
kind: Model
metadata: { name: big-us }
spec: { provider: us, upstreamModel: big-1, pricing: { inputPerMTok: 2, outputPerMTok: 8 }, contextWindow: 100000, maxOutputTokens: 4096, tier: large }
---
apiVersion: switchyard.dev/v1
kind: Model
metadata: { name: small-us }
spec: { provider: us, upstreamModel: small-1, pricing: { inputPerMTok: 0.5, outputPerMTok: 1.5 }, contextWindow: 100000, maxOutputTokens: 4096, tier: small }
---
apiVersion: switchyard.dev/v1
kind: Model
metadata: { name: small-eu }
spec: { provider: eu, upstreamModel: small-2, pricing: { inputPerMTok: 0.25, outputPerMTok: 1 }, contextWindow: 100000, maxOutputTokens: 4096, tier: small }
---
apiVersion: switchyard.dev/v1
kind: Team
metadata: { name: support }
spec: { dataClasses: { allowed: [public, internal, pii-eu], default: internal } }
---
apiVersion: switchyard.dev/v1
kind: Team
metadata: { name: eng }
spec: { dataClasses: { allowed: [public, internal], default: internal } }
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: default }
spec: { priority: 0, targets: [{ model: small-us }, { model: big-us }] }
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: code }
spec:
  priority: 100
  match: { tasks: [code] }
  targets: [{ model: big-us }, { model: small-us }]
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: support-chat }
spec:
  priority: 60
  match: { teams: [support], tasks: [chat] }
  targets: [{ model: small-us }, { model: small-eu }]
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: eng-all }
spec:
  priority: 50
  match: { teams: [eng] }
  targets: [{ model: small-eu }]
---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: support-chat-is-cheap }
spec:
  forAll: { teams: [support], tasks: [chat] }
  assert: { maxPricePerMTok: 3 }
`;

const residency = `---
apiVersion: switchyard.dev/v1
kind: Residency
metadata: { name: pii-eu-in-eu }
spec:
  match: { dataClasses: [pii-eu] }
  allowRegions: ["eu-*"]
`;

/** Known edits of POLICY. */
export const EDITS = {
  /** The code route tries small-us first. */
  reorderedTargets: POLICY.replace('targets: [{ model: big-us }, { model: small-us }]', 'targets: [{ model: small-us }, { model: big-us }]'),
  /** pii-eu data may only go to EU regions. */
  newResidency: POLICY + residency,
  /** eng-all now outranks the code route. */
  raisedPriority: POLICY.replace('priority: 50', 'priority: 150'),
  /** support-chat tries big-us first: support-chat-is-cheap no longer holds. */
  expensiveSupport: POLICY.replace('targets: [{ model: small-us }, { model: small-eu }]', 'targets: [{ model: big-us }, { model: small-us }, { model: small-eu }]'),
} as const;

export interface TrafficCase {
  readonly json: string;
  readonly team: string;
  /** Tokens the cost is computed from: usage, else promptTokens / maxTokens, else 0. */
  readonly input: number;
  readonly output: number;
}

/**
 * Ten records over twelve hours (per day = total ÷ 0.5). Where each goes under POLICY, read off the routes:
 *  1–3, 6: task code → code: big-us   4–5: support chat → support-chat: small-us
 *  7–9: eng chat → eng-all: small-eu  10: unknown team → invalid_request
 */
export const TRAFFIC: readonly TrafficCase[] = [
  { team: 'eng', input: 1000, output: 500, json: '{"team":"eng","task":"code","model":"auto","promptTokens":900,"time":"2025-01-01T00:00:00Z","usage":{"inputTokens":1000,"outputTokens":500}}' },
  { team: 'eng', input: 2000, output: 1000, json: '{"time":"2025-01-01T01:00:00Z","requestId":"r2","context":{"team":"eng","dataClass":"public","task":"code","model":"auto","promptTokens":2000},"usage":{"inputTokens":2000,"outputTokens":1000},"outcome":"route","route":"code","model":"big-us"}' },
  { team: 'support', input: 500, output: 100, json: '{"team":"support","task":"code","model":"auto","promptTokens":500,"time":"2025-01-01T02:00:00Z","usage":{"inputTokens":500,"outputTokens":100}}' },
  { team: 'support', input: 300, output: 200, json: '{"team":"support","task":"chat","model":"auto","promptTokens":300,"time":"2025-01-01T03:00:00Z","usage":{"inputTokens":300,"outputTokens":200}}' },
  { team: 'support', input: 400, output: 300, json: '{"time":"2025-01-01T04:00:00Z","context":{"team":"support","dataClass":"pii-eu","task":"chat","model":"auto","promptTokens":400},"usage":{"inputTokens":400,"outputTokens":300}}' },
  { team: 'support', input: 600, output: 100, json: '{"team":"support","dataClass":"pii-eu","task":"code","model":"auto","promptTokens":600,"time":"2025-01-01T05:00:00Z","usage":{"inputTokens":600,"outputTokens":100}}' },
  { team: 'eng', input: 700, output: 50, json: '{"team":"eng","model":"auto","promptTokens":700,"time":"2025-01-01T06:00:00Z","usage":{"inputTokens":700,"outputTokens":50}}' },
  { team: 'eng', input: 100, output: 1000, json: '{"team":"eng","model":"auto","promptTokens":100,"maxTokens":1000,"time":"2025-01-01T07:00:00Z"}' },
  { team: 'eng', input: 50, output: 0, json: '{"team":"eng","model":"auto","promptTokens":50,"time":"2025-01-01T08:00:00Z"}' },
  { team: 'ghost', input: 10, output: 10, json: '{"team":"ghost","model":"auto","promptTokens":10,"time":"2025-01-01T12:00:00Z","usage":{"inputTokens":10,"outputTokens":10}}' },
];

export const TRAFFIC_TEXT = `${TRAFFIC.map((t) => t.json).join('\n')}\n`;

/** The cost of record `i` (0-based) at `model`'s prices, computed from PRICES. */
export function costAt(i: number, model: ModelName): number {
  const t = TRAFFIC[i];
  if (t === undefined) throw new Error(`no record ${i}`);
  return (t.input * PRICES[model].input + t.output * PRICES[model].output) / 1e6;
}

export function graphOf(text: string, path = 'policies/policy.yaml'): DecisionGraph {
  const loaded = loadPolicyFromSources([{ path, text }]);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return compile(loaded.policy);
}
