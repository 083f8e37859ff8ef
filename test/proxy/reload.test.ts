// Hot reload through the real proxy: a scratch copy of policies/ served by the hot-reloading store, every
// provider pointed at the upstream simulator, requests over HTTP on 127.0.0.1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, ask, edit, filesOf, startReloadingProxy, versionOf, waitFor, type ReloadingProxy } from './reload-support.js';

let running: ReloadingProxy | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function startProxy(): Promise<ReloadingProxy> {
  running = await startReloadingProxy();
  return running;
}

async function adminPolicy(url: string): Promise<{ version: string; lastError: { message: string; diagnostics: { file: string; code: string }[] } | null }> {
  const res = await fetch(`${url}/admin/policy`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { version: string; lastError: { message: string; diagnostics: { file: string; code: string }[] } | null };
}

// The `default` route (the one engineering's `auto` requests reach) and a variant that sends them elsewhere.
const DEFAULT_TARGETS = '  targets:\n    - model: gpt-4-1-mini\n    - model: claude-haiku\n  fallback:\n    onStatus: [429, 500, 502, 503, 504]';
const OTHER_TARGETS = '  targets:\n    - model: gpt-4o-mini\n  fallback:\n    onStatus: [429, 500, 502, 503, 504]';

describe('hot reload through the proxy', () => {
  it('serves an edited policy within a second, and new requests follow it', async () => {
    const { scratch, url, env } = await startProxy();
    const before = await ask(url);
    expect(before).toMatchObject({ status: 200, model: 'gpt-4-1-mini' });
    const routes = edit(scratch.read('routes.yaml'), DEFAULT_TARGETS, OTHER_TARGETS);
    const expected = versionOf(filesOf(scratch.dir, { 'routes.yaml': routes }), env);
    expect(expected).toBeDefined();
    writeFileSync(join(scratch.dir, 'routes.yaml'), routes);
    await waitFor('the proxy to answer from the edited policy', async () => (await ask(url)).version === expected, 1000);
    expect(await ask(url)).toEqual({ status: 200, version: expected, model: 'gpt-4o-mini' });
    expect((await adminPolicy(url)).version).toBe(expected);
  });

  it('keeps serving the last good version after an invalid edit and shows the error at /admin/policy', async () => {
    const { scratch, url, env } = await startProxy();
    const good = (await ask(url)).version;
    writeFileSync(join(scratch.dir, 'routes.yaml'), edit(scratch.read('routes.yaml'), '    - model: gpt-4-1-mini', '    - model: gpt-4-1-mni'));
    await waitFor('the error to show at /admin/policy', async () => (await adminPolicy(url)).lastError !== null);
    const admin = await adminPolicy(url);
    expect(admin.version).toBe(good);
    expect(admin.lastError?.diagnostics.some((d) => d.code === 'unknown_reference' && d.file.endsWith('routes.yaml'))).toBe(true);
    expect(admin.lastError?.message).toContain('`gpt-4-1-mni`');
    expect(await ask(url)).toEqual({ status: 200, version: good, model: 'gpt-4-1-mini' });
  });

  it('finishes a request in flight on the version it started with', async () => {
    const { scratch, sim, url, store, env } = await startProxy();
    const old = store.current().version;
    sim.queueFaults([{ firstByteDelayMs: 2000 }]);
    let finished = false;
    const inFlight = ask(url).finally(() => {
      finished = true;
    });
    await waitFor('the request to reach the simulator', () => sim.stats().inFlight === 1);
    const routes = edit(scratch.read('routes.yaml'), DEFAULT_TARGETS, OTHER_TARGETS);
    const expected = versionOf(filesOf(scratch.dir, { 'routes.yaml': routes }), env);
    writeFileSync(join(scratch.dir, 'routes.yaml'), routes);
    await waitFor('the edited policy to activate', () => store.current().version === expected);
    expect(finished).toBe(false); // the swap happened while the request was held upstream
    expect(await ask(url)).toEqual({ status: 200, version: expected, model: 'gpt-4o-mini' });
    expect(await inFlight).toEqual({ status: 200, version: old, model: 'gpt-4-1-mini' });
    expect(sim.stats().byModel).toEqual({ 'gpt-4.1-mini': 1, 'gpt-4o-mini': 1 });
  });
});
