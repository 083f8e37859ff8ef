// `GET /metrics`: the Prometheus text format, open by default (as exporters usually are: keep the port off the
// public network) or behind the admin key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateAdmin } from '../proxy/auth.js';
import { errorBody, statusOf } from '../proxy/errors.js';
import type { ProxyMetrics } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './registry.js';

/** Who may read `/metrics`: anyone who reaches the port, or holders of the admin key. */
export type MetricsAccess = 'open' | 'admin';

export function registerMetricsEndpoint(app: FastifyInstance, metrics: ProxyMetrics, access: MetricsAccess, adminHash: Buffer | undefined): void {
  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const denied = authenticateAdmin(adminHash, req.headers);
    return denied === undefined ? undefined : reply.code(statusOf(denied.code)).send(errorBody('openai', denied));
  };
  app.get('/metrics', access === 'admin' ? { onRequest: guard } : {}, async (_req, reply) => {
    const text = await metrics.registry.render();
    return reply.type(PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(text);
  });
}
