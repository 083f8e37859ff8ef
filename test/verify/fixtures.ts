// A small organisation whose invariants hold, and edits that break one only in a corner of the request space.
export const BASE = `
apiVersion: switchyard.dev/v1
kind: Organization
metadata: { name: acme }
spec:
  dataClasses: [public, phi]
  tasks: [chat, code, summarize]
  defaults: { dataClass: public, task: chat }
---
apiVersion: switchyard.dev/v1
kind: Provider
metadata: { name: baa }
spec:
  api: openai
  baseUrl: http://127.0.0.1:1/v1
  credentials: { env: BAA_KEY }
  regions: [us-east-1]
  dataPolicy: { zeroDataRetention: true, trainsOnData: false, retentionDays: 0 }
  certifications: [hipaa-baa, soc2]
---
apiVersion: switchyard.dev/v1
kind: Provider
metadata: { name: cheap }
spec:
  api: openai
  baseUrl: http://127.0.0.1:2/v1
  credentials: { env: CHEAP_KEY }
  regions: [us-east-1]
  dataPolicy: { zeroDataRetention: false, trainsOnData: false, retentionDays: 30 }
---
apiVersion: switchyard.dev/v1
kind: Model
metadata: { name: safe }
spec: { provider: baa, upstreamModel: safe-1, pricing: { inputPerMTok: 3, outputPerMTok: 15 }, contextWindow: 200000, maxOutputTokens: 8192, tier: large }
---
apiVersion: switchyard.dev/v1
kind: Model
metadata: { name: cheapo }
spec: { provider: cheap, upstreamModel: cheapo-1, pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 }, contextWindow: 128000, maxOutputTokens: 4096, tier: small }
---
apiVersion: switchyard.dev/v1
kind: Team
metadata: { name: alpha }
spec: { dataClasses: { allowed: [public, phi], default: public } }
---
apiVersion: switchyard.dev/v1
kind: Team
metadata: { name: gamma }
spec: { dataClasses: { allowed: [public, phi], default: public } }
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: default }
spec: { priority: 0, targets: [{ model: cheapo }] }
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: phi }
spec: { priority: 100, match: { dataClasses: [phi] }, targets: [{ model: safe }] }
---
apiVersion: switchyard.dev/v1
kind: Budget
metadata: { name: monthly }
spec:
  per: team
  window: month
  limitUsd: 100
  thresholds: [{ atPercent: 50, action: alert }, { atPercent: 90, action: deny }]
---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: phi-only-baa }
spec:
  forAll: { dataClasses: [phi] }
  assert: { certifications: [hipaa-baa] }
---
apiVersion: switchyard.dev/v1
kind: Invariant
metadata: { name: cheap-is-small }
spec:
  forAll: { dataClasses: [public] }
  assert: { maxTier: small }
---
apiVersion: switchyard.dev/v1
kind: Test
metadata: { name: phi-goes-to-safe }
spec:
  request: { team: alpha, dataClass: phi, model: auto }
  expect: { model: safe, provider: baa, route: phi, fallbacks: [] }
---
apiVersion: switchyard.dev/v1
kind: Test
metadata: { name: budget-denies }
spec:
  request: { team: alpha, model: auto }
  budgets: { monthly: 95 }
  expect: { deny: budget_exhausted }
`;

const route = (name: string, match: string, model: string): string => `
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: ${name} }
spec: { priority: 200, match: ${match}, targets: [{ model: ${model} }] }
`;

/** Each breaks `phi-only-baa` in exactly one corner. */
export const PLANTED = {
  promptBoundary: route('big-phi', '{ dataClasses: [phi], promptTokens: { gt: 8000 } }', 'cheapo'),
  oneTask: route('phi-summaries', '{ dataClasses: [phi], tasks: [summarize] }', 'cheapo'),
  oneTeam: route('gamma-phi', '{ teams: [gamma], dataClasses: [phi] }', 'cheapo'),
} as const;

/** Breaks `cheap-is-small` for one requested model only. */
export const PLANTED_MODEL = `
---
apiVersion: switchyard.dev/v1
kind: Route
metadata: { name: asks-for-safe }
spec: { priority: 50, match: { models: [safe], dataClasses: [public] }, targets: [{ model: safe }] }
`;
