// POST /v1/chat/completions and POST /v1/messages: authenticate, build the context, decide, forward with
// failover, relay the answer or the stream, settle. The snapshot is read once: a request finishes on the
// policy version it started with, whatever reloads happen meanwhile.
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { retryAfterOfRule } from '../budget/budget-plan.js';
import type { RequestBudget } from '../budget/request-budget.js';
import { decide } from '../engine/index.js';
import { authenticate } from './auth.js';
import { admitHook, finishBudget, refusalError } from './budget-hooks.js';
import { Cancel } from './cancel.js';
import { buildContext, withStickyHeader } from './context.js';
import type { ProxyCore } from './core.js';
import { errorBody, proxyError, statusOf, type ProxyError } from './errors.js';
import { forward, sentCount } from './failover.js';
import { answerTextChars, parseApiRequest, usageOf, type Protocol } from './protocol.js';
import { emptyDraft, settler, type SettleHook, type SettleOutcome } from './settle.js';
import { relayStream } from './sse.js';
import { describeError, type UpstreamHeaders } from './upstream.js';

/** Provider response headers a client may see; everything else (cookies, hop-by-hop, org ids) stays behind. */
const RELAYED = new Set(['content-type', 'retry-after', 'x-request-id', 'request-id', 'openai-processing-ms']);
const relayed = (name: string): boolean => RELAYED.has(name) || name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-');

/** The answer's head: the provider headers a client may see, then ours (which win over a provider's of the same name). */
export function answerHead(upstream: UpstreamHeaders, ours: Readonly<Record<string, string>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value !== undefined && relayed(name)) out[name] = value;
  }
  for (const name in ours) out[name] = ours[name]!;
  return out;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function handleApi(core: ProxyCore, protocol: Protocol, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const started = performance.now();
  const snapshot = core.store.current();
  const rt = core.runtimes.of(snapshot);
  const requestId = String(req.id);
  const ours: Record<string, string> = {
    'x-switchyard-request-id': requestId,
    'x-switchyard-policy-version': snapshot.version,
  };
  const draft = emptyDraft();
  const tel = core.telemetry.begin(snapshot, protocol, req.headers);
  let budget: RequestBudget | null = null;
  // Budgets settle at the same exactly-once point as the usage hook, before it; then spans, metrics and audit.
  const hook: SettleHook = (record) => {
    if (budget !== null) finishBudget(budget, record);
    tel.settled(record);
    core.onSettle?.(record);
  };
  const settle = settler({ requestId, protocol, policyVersion: snapshot.version, started }, draft, hook, core.requestLog);

  const refuse = (e: ProxyError, outcome: SettleOutcome): void => {
    const status = statusOf(e.code);
    if (e.retryAfter !== undefined) void reply.header('retry-after', String(e.retryAfter));
    void reply.code(status).headers(ours).send(errorBody(protocol, e));
    settle(outcome, status, undefined, e.code);
  };

  const auth = authenticate(rt.keys, req.headers, protocol === 'anthropic', Date.now());
  if (!auth.ok) return refuse(auth.error, 'rejected');
  draft.team = auth.key.team;
  draft.keyId = auth.key.keyId;
  const parsed = parseApiRequest(protocol, req.body, req.jsonText);
  if (!parsed.ok) return refuse(proxyError('invalid_request', parsed.message), 'rejected');
  const request = parsed.value;
  draft.requestedModel = request.model;
  draft.stream = request.stream;

  if (core.budgetRuntime !== undefined) budget = core.budgetRuntime.begin(snapshot.policy, auth.key.team, auth.key.keyId, requestId);
  if (budget !== null && budget.hasTeamLimits) {
    const limited = await budget.takeTeamLimits(request.promptTokens, request.maxTokens);
    if (limited !== null) return refuse(refusalError(limited), limited.code === 'ledger_unavailable' ? 'failed' : 'denied');
  }
  let spent = core.budgets;
  if (budget !== null && budget.hasBudgets) {
    // Read in-process (the embedded ledger), the state is there at once: no turn is given up for it.
    const read = budget.state();
    spent = read instanceof Promise ? await read : read;
  }
  let ctx = buildContext(snapshot.policy, auth.key, request, req.headers, requestId);
  let decision = decide(snapshot.graph, ctx, spent);
  const stickyHeader = decision.route === undefined ? undefined : rt.stickyHeaders.get(decision.route);
  if (stickyHeader !== undefined) {
    ctx = withStickyHeader(ctx, req.headers, stickyHeader);
    decision = decide(snapshot.graph, ctx, spent);
  }
  draft.context = ctx;
  draft.route = decision.route;
  tel.decided(decision, request.body);
  if (decision.route !== undefined) ours['x-switchyard-route'] = decision.route;
  ours['x-switchyard-attempts'] = '0';
  if (decision.outcome === 'deny' || decision.route === undefined) {
    const d = decision.deny ?? { code: 'no_route', message: 'no route decided the request' };
    const e = proxyError(d.code, d.message, d.rule);
    if (d.code === 'budget_exhausted') return refuse({ ...e, retryAfter: retryAfterOfRule(snapshot.policy, d.rule, budget?.now ?? Date.now()) }, 'denied');
    return refuse(e, 'denied');
  }
  draft.candidates = decision.candidates;

  const controller = new Cancel();
  const raw = reply.raw;
  // `on`, not `once`: a response emits `close` once, and `once` wraps every listener in another closure.
  raw.on('close', () => {
    if (!raw.writableFinished) controller.abort();
  });
  // The budget reads above wait on the ledger: a client may have left meanwhile, before anyone listened.
  if (budget !== null && (raw.destroyed || req.raw.socket.destroyed)) controller.abort();
  const out = await forward(core.forward, {
    request,
    route: decision.route,
    candidates: decision.candidates,
    runtime: rt,
    // INVARIANT: the runtime has the failover settings of every route of its snapshot.
    failover: rt.failover.get(decision.route)!,
    clientHeaders: req.headers,
    signal: controller,
    admit: budget === null || !budget.hasBudgets ? undefined : admitHook(budget, snapshot.policy, ctx.promptTokens ?? 0, ctx.maxTokens),
    observe: tel.observe,
  });
  draft.attempts = out.attempts;
  ours['x-switchyard-attempts'] = String(sentCount(out.attempts));
  const lastTried = out.attempts.findLast((a) => a.result !== 'skipped');
  draft.model = lastTried?.model;
  draft.provider = lastTried?.provider;

  switch (out.kind) {
    case 'aborted':
      reply.hijack();
      if (!raw.destroyed) raw.destroy();
      return settle('aborted', 499, undefined, undefined);
    case 'error':
      // No candidate admitted by budgets or rate limits is the policy saying no, not a provider failing.
      return refuse(out.error, out.error.code === 'budget_exhausted' || out.error.code === 'rate_limited' ? 'denied' : 'failed');
    case 'answer': {
      const status = out.result.status;
      // A provider's error may quote the credential it was sent; the client never sees ours.
      const body = status < 400 ? out.result.body : tel.scrubSecrets(out.result.body);
      ours['x-switchyard-model'] = out.candidate.model;
      ours['x-switchyard-provider'] = out.candidate.provider;
      const answer = status < 300 ? parseJson(body) : undefined;
      // A translated answer carries the provider's own usage report; its body may show zeros the provider never sent.
      const reported = out.result.providerUsage;
      const usage = reported !== undefined ? reported.usage : answer === undefined ? undefined : usageOf(protocol, answer);
      // Written directly: the answer is complete and its headers are ours to choose, so fastify's send
      // pipeline (hooks, serialisation, header checks) would only add cost.
      reply.hijack();
      ours['content-length'] = String(body.length);
      const head = answerHead(out.result.headers, ours);
      if (core.lifecycle.draining) head.connection = 'close';
      raw.writeHead(status, head);
      const outcome = status < 300 ? 'completed' : 'upstream_status';
      const outputChars = answerTextChars(protocol, answer);
      // Spend is committed before the answer's first byte leaves (the SQLite ledger's group commit, at the end of
      // this turn): a client holding a complete answer has been charged for it even if the process is killed right after.
      const committing = budget?.finish(out.candidate.model, { outcome, sent: true, usage, outputChars, promptTokens: ctx.promptTokens ?? 0 });
      if (committing !== undefined) await committing;
      raw.end(body);
      return settle(outcome, status, usage, undefined, outputChars);
    }
    case 'stream': {
      const { status, first, rest } = out.result;
      ours['x-switchyard-model'] = out.candidate.model;
      ours['x-switchyard-provider'] = out.candidate.provider;
      reply.hijack();
      ours['cache-control'] = 'no-cache';
      const head = answerHead(out.result.headers, ours);
      if (core.lifecycle.draining) head.connection = 'close';
      raw.writeHead(status, head);
      // INVARIANT: the candidate's provider is in this snapshot (forward() used it).
      const upstream = rt.upstreams.get(out.candidate.provider)!;
      const relayed = await relayStream({
        protocol,
        first,
        rest,
        out: raw,
        stripUsageChunk: protocol === 'openai' && !request.clientWantsUsage,
        provider: out.candidate.provider,
        signal: controller,
        describe: (err) => describeError(err, upstream).note,
        providerUsage: out.result.providerUsage,
      });
      // Started before the server began closing: end the kept-alive connection so the drain can finish.
      if (core.lifecycle.draining) raw.socket?.end();
      const finalStatus = relayed.outcome === 'aborted' ? 499 : status;
      return settle(relayed.outcome, finalStatus, relayed.usage, relayed.outcome === 'cut' ? 'upstream_error' : undefined, relayed.outputChars);
    }
    default: {
      const unknown: never = out;
      throw new Error(`unknown forward outcome ${JSON.stringify(unknown)}`);
    }
  }
}
