// The reload test: 100 policy swaps under steady load, a third of them invalid — among them files
// written in two parts whose first part alone is a valid, more permissive policy — and not one request fails
// and not one version that was never meant to serve is activated.
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, edit, filesOf, startReloadingProxy, versionOf, waitFor, type ReloadingProxy, type Served } from './reload-support.js';

const SWAPS = 100;
const CLIENTS = 4;
const MAX_REQUESTS = 200_000; // a bound on the load loop, far above what the swaps take
const DEBOUNCE_MS = 40;
const SETTLE_MS = 20;

let running: ReloadingProxy | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

type Files = Record<'routes.yaml' | 'guardrails.yaml' | 'teams.yaml', string>;
type ValidKind = 'edit' | 'atomic-rename' | 'two-part';
type InvalidKind = 'unknown-field' | 'yaml-syntax' | 'dangling-reference' | 'valid-head-of-invalid-file';
const VALID_KINDS: readonly ValidKind[] = ['edit', 'atomic-rename', 'two-part'];
const INVALID_KINDS: readonly InvalidKind[] = ['unknown-field', 'yaml-syntax', 'dangling-reference', 'valid-head-of-invalid-file'];

const ROUTE_DESCRIPTION = 'description: Coding assistants call tools, so every target must support them.';
/** Where guardrails.yaml can be cut: after its first document, which drops the residency and training rules. */
const firstDocumentEnd = (text: string): number => text.indexOf('\n---\n') + 1;

describe('100 policy swaps under load', () => {
  it('fails no request and activates only the valid versions', { timeout: 120_000 }, async () => {
    running = await startReloadingProxy({ debounceMs: DEBOUNCE_MS, settleMs: SETTLE_MS });
    const { scratch, store, url, env, logger } = running;
    const dir = scratch.dir;
    const original: Files = { 'routes.yaml': scratch.read('routes.yaml'), 'guardrails.yaml': scratch.read('guardrails.yaml'), 'teams.yaml': scratch.read('teams.yaml') };
    let good: Files = { ...original };
    const version = (files: Partial<Files>): string | undefined => versionOf(filesOf(dir, files), env);
    const valid = new Set<string>([store.current().version]);
    const neverMeant = new Set<string>(); // valid on their own, but only ever seen half-written

    // Steady load: CLIENTS loops until the swaps end.
    let done = false;
    const served: Served[] = [];
    const errors: string[] = [];
    const client = async (): Promise<void> => {
      while (!done && served.length + errors.length < MAX_REQUESTS) {
        try {
          served.push(await ask(url));
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    /** Write a file in two parts, `gapMs` apart: long enough for the debounce to fire on the first part. */
    const writeInTwoParts = async (name: string, text: string, cut: number): Promise<void> => {
      const fd = openSync(join(dir, name), 'w');
      try {
        writeSync(fd, text.slice(0, cut));
        await sleep(DEBOUNCE_MS + 10);
        writeSync(fd, text.slice(cut));
      } finally {
        closeSync(fd);
      }
    };
    const restore = (except: keyof Files | undefined): void => {
      for (const name of Object.keys(good) as (keyof Files)[]) if (name !== except) writeFileSync(join(dir, name), good[name]);
    };

    for (let i = 0; i < SWAPS; i++) {
      if (i % 3 !== 2) {
        const kind = VALID_KINDS[i % VALID_KINDS.length] ?? 'edit';
        const next: Files =
          kind === 'two-part'
            ? { ...good, 'guardrails.yaml': `${original['guardrails.yaml']}# revision ${i}\n` }
            : { ...good, 'routes.yaml': edit(original['routes.yaml'], ROUTE_DESCRIPTION, `description: Coding assistants (revision ${i}).`) };
        const expected = version(next);
        expect(expected, `swap ${i} (${kind}) should be valid`).toBeDefined();
        if (expected === undefined) return;
        valid.add(expected);
        good = next;
        if (kind === 'edit') {
          restore(undefined);
        } else if (kind === 'atomic-rename') {
          restore('routes.yaml');
          writeFileSync(join(dir, '.routes.yaml.tmp'), next['routes.yaml']);
          renameSync(join(dir, '.routes.yaml.tmp'), join(dir, 'routes.yaml'));
        } else {
          const head = next['guardrails.yaml'].slice(0, firstDocumentEnd(next['guardrails.yaml']));
          const headVersion = version({ ...next, 'guardrails.yaml': head });
          expect(headVersion, 'the first part alone is a valid policy').toBeDefined();
          if (headVersion !== undefined) neverMeant.add(headVersion);
          restore('guardrails.yaml');
          await writeInTwoParts('guardrails.yaml', next['guardrails.yaml'], head.length);
        }
        await waitFor(`swap ${i} (${kind}) to activate`, () => store.current().version === expected, 3000);
      } else {
        const kind = INVALID_KINDS[Math.floor(i / 3) % INVALID_KINDS.length] ?? 'unknown-field';
        const serving = store.current().version;
        restore(kind === 'yaml-syntax' ? 'teams.yaml' : kind === 'valid-head-of-invalid-file' ? 'guardrails.yaml' : 'routes.yaml');
        if (kind === 'unknown-field') {
          const broken = edit(good['routes.yaml'], 'priority: 500', 'prority: 500');
          expect(version({ ...good, 'routes.yaml': broken })).toBeUndefined();
          writeFileSync(join(dir, 'routes.yaml'), broken);
        } else if (kind === 'yaml-syntax') {
          const broken = `${good['teams.yaml']}\n  bogus: [\n`;
          expect(version({ ...good, 'teams.yaml': broken })).toBeUndefined();
          writeFileSync(join(dir, 'teams.yaml'), broken);
        } else if (kind === 'dangling-reference') {
          const broken = edit(good['routes.yaml'], '    - model: gpt-4-1-mini', '    - model: gpt-4-1-mni');
          expect(version({ ...good, 'routes.yaml': broken })).toBeUndefined();
          writeFileSync(join(dir, 'routes.yaml'), broken);
        } else {
          // The whole file is invalid (a typo in its last document); its first document alone is valid.
          const broken = edit(good['guardrails.yaml'], '  allowRegions: ["eu-*"]\n  enforcement: enforce', '  allowRegions: ["eu-*"]\n  enforcement: enfroce');
          const head = broken.slice(0, firstDocumentEnd(broken));
          expect(version({ ...good, 'guardrails.yaml': broken })).toBeUndefined();
          const headVersion = version({ ...good, 'guardrails.yaml': head });
          expect(headVersion, 'the first part alone is a valid policy').toBeDefined();
          if (headVersion !== undefined) neverMeant.add(headVersion);
          await writeInTwoParts('guardrails.yaml', broken, head.length);
        }
        await waitFor(`swap ${i} (${kind}) to be rejected`, () => store.lastError !== undefined, 3000);
        expect(store.current().version).toBe(serving);
      }
    }
    done = true;
    await Promise.all(clients);
    const final = await ask(url);

    const validCount = SWAPS - Math.floor(SWAPS / 3);
    expect(valid.size).toBe(validCount + 1);
    expect(errors).toEqual([]);
    expect(served.filter((s) => s.status !== 200)).toEqual([]);
    expect(served.length).toBeGreaterThan(SWAPS);
    const servedVersions = new Set(served.map((s) => s.version ?? '(none)'));
    expect([...servedVersions].filter((v) => !valid.has(v))).toEqual([]);
    const activated = logger.events('policy_reloaded').map((e) => String(e.fields['version']));
    expect(activated).toHaveLength(validCount);
    expect(activated.filter((v) => !valid.has(v))).toEqual([]);
    expect(activated.filter((v) => neverMeant.has(v))).toEqual([]);
    expect(logger.events('policy_rejected')).toHaveLength(Math.floor(SWAPS / 3));
    expect(final).toMatchObject({ status: 200, version: store.current().version });
  });
});
