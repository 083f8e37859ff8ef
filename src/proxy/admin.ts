// Admin endpoints, behind the admin key (its SHA-256 in SWITCHYARD_ADMIN_KEY_SHA256):
// GET /admin/policy (what is serving, the last reload error, provider credentials and circuits) and
// POST /admin/decide (a request context in, the Decision out, on the spend the ledger holds now; nothing is
// forwarded) and GET /admin/spend (the spend report of `switchyard spend`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { spendReport } from '../budget/spend.js';
import { decide, type RequestContext } from '../engine/index.js';
import { authenticateAdmin } from './auth.js';
import type { ProxyCore } from './core.js';
import { errorBody, proxyError, statusOf, type ProxyError } from './errors.js';
import { providersLackingCredentials } from './runtime.js';
import { safeUrl } from '../telemetry/redact.js';

function refuse(reply: FastifyReply, e: ProxyError): FastifyReply {
  return reply.code(statusOf(e.code)).send(errorBody('openai', e));
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A request context from a JSON body, or the reason it is not one. `decide` checks the vocabulary. */
export function contextFromBody(body: unknown): { ok: true; ctx: RequestContext } | { ok: false; message: string } {
  if (!isObject(body)) return { ok: false, message: 'the body must be a request context: a JSON object with `team` and `model`' };
  for (const field of ['team', 'model'] as const) {
    if (typeof body[field] !== 'string') return { ok: false, message: `\`${field}\` must be a string` };
  }
  for (const field of ['dataClass', 'task', 'complexity', 'keyId', 'stickyKey', 'requestId'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string') return { ok: false, message: `\`${field}\` must be a string` };
  }
  return { ok: true, ctx: body as RequestContext };
}

export function registerAdmin(app: FastifyInstance, core: ProxyCore, env: Readonly<Record<string, string | undefined>>): void {
  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const denied = authenticateAdmin(core.adminHash, req.headers);
    // Returning the reply after sending ends the request here.
    return denied === undefined ? undefined : refuse(reply, denied);
  };

  app.get('/admin/policy', { onRequest: guard }, async () => {
    const s = core.store.current();
    const lastError = core.store.lastError;
    const missing = new Set(providersLackingCredentials(s.policy, env).map((m) => m.provider));
    return {
      version: s.version,
      hash: s.policy.version.hash,
      commit: s.policy.version.commit ?? null,
      dir: s.dir,
      loadedAt: s.loadedAt.toISOString(),
      lastError:
        lastError === undefined
          ? null
          : { at: lastError.at.toISOString(), message: lastError.message, diagnostics: lastError.diagnostics },
      providers: [...s.policy.providers.values()].map((p) => ({
        name: p.name,
        api: p.spec.api,
        // Interpolated from the environment: it may carry a token in its userinfo or query.
        baseUrl: safeUrl(p.spec.baseUrl),
        credential: { env: p.spec.credentials.env, set: !missing.has(p.name) },
      })),
      circuits: core.breakers.states(),
    };
  });

  app.post('/admin/decide', { onRequest: guard }, async (req, reply) => {
    const parsed = contextFromBody(req.body);
    if (!parsed.ok) return refuse(reply, proxyError('invalid_request', parsed.message));
    const snapshot = core.store.current();
    const runtime = core.budgetRuntime;
    const spent = runtime === undefined ? core.budgets : await runtime.stateFor(snapshot.policy, parsed.ctx.team, parsed.ctx.keyId);
    return decide(snapshot.graph, parsed.ctx, spent);
  });

  app.get('/admin/spend', { onRequest: guard }, async (_req, reply) => {
    const runtime = core.budgetRuntime;
    if (runtime === undefined) return refuse(reply, proxyError('not_found', 'this proxy runs without a ledger, so it has no spend to report'));
    return spendReport(core.store.current().policy, runtime.ledger, runtime.clock());
  });
}
