// The control API under `/_sim/`: program faults, read what was seen, change the config, all without a restart.
import type { ServerResponse } from 'node:http';
import { validateConfigPatch } from './config.js';
import { sendJson } from './respond.js';
import type { SimulatorState } from './state.js';

function reply(res: ServerResponse, status: number, value: unknown): void {
  sendJson(res, status, JSON.stringify(value), {});
}

function fail(res: ServerResponse, status: number, message: string): void {
  reply(res, status, { error: { message } });
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: raw === '' ? {} : JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function handleControl(state: SimulatorState, method: string, path: string, raw: string, res: ServerResponse): void {
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /_sim/stats':
      return reply(res, 200, state.stats.snapshot());
    case 'GET /_sim/faults':
      return reply(res, 200, { pending: state.queue.list() });
    case 'DELETE /_sim/faults':
      return reply(res, 200, { cleared: state.queue.clear() });
    case 'POST /_sim/reset':
      state.reset();
      return reply(res, 200, { reset: true });
    case 'GET /_sim/config':
      return reply(res, 200, state.config);
    default:
      break;
  }
  if (route === 'POST /_sim/faults' || route === 'PUT /_sim/config' || route === 'PATCH /_sim/config') {
    const body = parseJson(raw);
    if (!body.ok) return fail(res, 400, 'the request body is not valid json');
    if (route === 'POST /_sim/faults') {
      // A bare list is accepted as the fault queue, for short curl commands.
      const value = body.value;
      const faults = Array.isArray(value) ? value : isRecord(value) ? value.faults : undefined;
      const match = isRecord(value) ? value.match : undefined;
      const pushed = state.queue.push(faults, match);
      return pushed.ok ? reply(res, 200, { queued: pushed.value }) : fail(res, 400, pushed.error);
    }
    const patch = validateConfigPatch(body.value);
    return patch.ok ? reply(res, 200, state.configure(patch.value)) : fail(res, 400, patch.error);
  }
  return fail(res, 404, `unknown control endpoint \`${route}\``);
}
