// Hot reload under load (issue 9): policy swaps while clients keep requesting and SSE streams stay open across
// the swaps. 30% of the swaps are invalid — broken YAML, schema errors, a file written in parts whose first part
// alone is a valid and more permissive policy but whose whole is invalid, a rewrite abandoned half-way — and the
// valid ones are edits, atomic renames, multi-file changes and in-place writes in parts (again with a more
// permissive valid first part). Not one request or stream fails, only the valid versions are ever activated or
// served, and each is live soon after its write (bounded by 1 s at full scale, measured at CI scale). The proxy
// is `switchyard serve` in its own process, as deployed; what it activates and rejects is read from its log.
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { edit, ENGINEERING_KEY, filesOf, scratchPolicy, simulatorEnv, versionOf, type ScratchPolicy } from '../proxy/reload-support.js';
import { atScale, ms, report, SCALE } from './scale.js';
import { killHard, maxOf, percentile, startServe, until, type ServeProcess } from './support.js';

const SWAPS = atScale(20, 100);
const STREAMS = atScale(10, 50);
const CLIENTS = 4;
/** Bounds on the load loops, far above what the swaps take. */
const MAX_REQUESTS = 500_000;
/** Longer than any gap between the parts of one write: below the store's debounce, as a writer's pauses are. */
const MAX_PART_GAP_MS = 120;

let proc: ServeProcess | undefined;
let sim: Simulator | undefined;
let scratch: ScratchPolicy | undefined;
afterEach(async () => {
  if (proc !== undefined) await killHard(proc);
  await sim?.close();
  scratch?.remove();
  proc = undefined;
  sim = undefined;
  scratch = undefined;
});

/** The store's events in the JSON log: `policy_reloaded` (with the version) and `policy_rejected`. */
interface StoreEvents {
  readonly activated: string[];
  rejected: number;
}

function storeEvents(): { events: StoreEvents; onLogLine: (line: string) => void } {
  const events: StoreEvents = { activated: [], rejected: 0 };
  const onLogLine = (line: string): void => {
    if (!line.includes('"event":"policy_')) return;
    const entry = JSON.parse(line) as { event?: unknown; version?: unknown };
    if (entry.event === 'policy_reloaded') events.activated.push(String(entry.version));
    if (entry.event === 'policy_rejected') events.rejected += 1;
  };
  return { events, onLogLine };
}

async function servingVersion(url: string): Promise<string> {
  const res = await fetch(`${url}/readyz`);
  return ((await res.json()) as { policyVersion: string }).policyVersion;
}

type Name = 'routes.yaml' | 'guardrails.yaml' | 'teams.yaml';
type Files = Record<Name, string>;
const VALID = ['edit', 'atomic-rename', 'multi-file', 'parts-permissive-head'] as const;
const INVALID = ['yaml-syntax', 'schema-error', 'permissive-head-of-invalid', 'abandoned-rewrite'] as const;

const DESCRIPTION = 'description: Coding assistants call tools, so every target must support them.';
/** Where guardrails.yaml can be cut so that what is left is valid but lacks its last rule (the EU residency). */
const beforeLastDocument = (text: string): number => text.lastIndexOf('\n---\n') + 1;

interface Answer {
  readonly ok: boolean;
  readonly version: string | null;
}

async function chatOnce(url: string, stream: boolean): Promise<Answer> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ENGINEERING_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', stream, ...(stream ? {} : { max_tokens: 4 }), messages: [{ role: 'user', content: 'Which version answers?' }] }),
  });
  const text = await res.text();
  const whole = stream ? text.endsWith('data: [DONE]\n\n') && !text.includes('"error"') : true;
  return { ok: res.status === 200 && whole, version: res.headers.get('x-switchyard-policy-version') };
}

describe('hot reload under load with open streams', () => {
  it(`swaps the policy ${SWAPS} times (30% invalid) under load with ${STREAMS} open streams, failing nothing`, { timeout: 600_000 }, async () => {
    const policy = (scratch = scratchPolicy());
    // Streams of 200 events 10 ms apart stay open across several swaps; plain requests ask for 4 tokens.
    const upstream = (sim = await startSimulator({ tokens: 200, tokenIntervalMs: 10 }));
    const env = simulatorEnv(upstream.url);
    const { events, onLogLine } = storeEvents();
    proc = await startServe([policy.dir, '--port', '0', '--ledger', 'sqlite::memory:'], { cwd: policy.dir, env: { ...env, LOG_LEVEL: 'info' }, onLogLine });
    const url = proc.url;
    const dir = policy.dir;
    const original: Files = { 'routes.yaml': policy.read('routes.yaml'), 'guardrails.yaml': policy.read('guardrails.yaml'), 'teams.yaml': policy.read('teams.yaml') };
    let good: Files = { ...original };
    const versionOfFiles = (files: Partial<Files>): string | undefined => versionOf(filesOf(dir, files), env);
    const valid = new Set<string>([await servingVersion(url)]);
    const neverMeant = new Set<string>();

    let done = false;
    const answers: Answer[] = [];
    const streams: Answer[] = [];
    const transport: string[] = [];
    const loop = async (stream: boolean): Promise<void> => {
      while (!done && answers.length + streams.length < MAX_REQUESTS) {
        try {
          (stream ? streams : answers).push(await chatOnce(url, stream));
        } catch (error) {
          transport.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const load = [...Array.from({ length: CLIENTS }, () => loop(false)), ...Array.from({ length: STREAMS }, () => loop(true))];
    await until('the streams to be open', () => upstream.stats().inFlight >= STREAMS, 10_000);

    const write = (name: Name, text: string): void => writeFileSync(join(dir, name), text);
    const restoreExcept = (except: Name | undefined): void => {
      for (const name of Object.keys(good) as Name[]) if (name !== except) write(name, good[name]);
    };
    /** Writes a file in place in parts, pausing between them as a slow writer does. */
    const writeInParts = async (name: Name, text: string, cuts: readonly number[]): Promise<void> => {
      const fd = openSync(join(dir, name), 'w');
      try {
        let at = 0;
        for (const cut of [...cuts, text.length]) {
          writeSync(fd, text.slice(at, cut));
          at = cut;
          if (cut < text.length) await sleep(Math.floor(Math.random() * MAX_PART_GAP_MS));
        }
      } finally {
        closeSync(fd);
      }
    };

    const liveAfter: number[] = [];
    for (let i = 0; i < SWAPS; i++) {
      if (![2, 5, 8].includes(i % 10)) {
        const kind = VALID[i % VALID.length]!;
        const routes = edit(original['routes.yaml'], DESCRIPTION, `description: Coding assistants (revision ${i}).`);
        const guardrails = `${original['guardrails.yaml']}# revision ${i}\n`;
        const next: Files =
          kind === 'multi-file' ? { ...good, 'routes.yaml': routes, 'guardrails.yaml': guardrails } : kind === 'parts-permissive-head' ? { ...good, 'guardrails.yaml': guardrails } : { ...good, 'routes.yaml': routes };
        const expected = versionOfFiles(next);
        expect(expected, `swap ${i} (${kind}) should be valid`).toBeDefined();
        valid.add(expected!);
        good = next;
        if (kind === 'edit' || kind === 'multi-file') {
          restoreExcept(undefined);
        } else if (kind === 'atomic-rename') {
          restoreExcept('routes.yaml');
          writeFileSync(join(dir, '.routes.yaml.tmp'), next['routes.yaml']);
          renameSync(join(dir, '.routes.yaml.tmp'), join(dir, 'routes.yaml'));
        } else {
          const cut = beforeLastDocument(next['guardrails.yaml']);
          const head = versionOfFiles({ ...next, 'guardrails.yaml': next['guardrails.yaml'].slice(0, cut) });
          expect(head, 'the first part alone is a valid policy').toBeDefined();
          neverMeant.add(head!);
          restoreExcept('guardrails.yaml');
          await writeInParts('guardrails.yaml', next['guardrails.yaml'], [cut]);
        }
        const written = performance.now();
        await until(`swap ${i} (${kind}) to be live`, async () => (await servingVersion(url)) === expected, 5_000, 2);
        liveAfter.push(performance.now() - written);
      } else {
        const kind = INVALID[Math.floor(i / 3) % INVALID.length]!;
        const serving = await servingVersion(url);
        const rejectedBefore = events.rejected;
        if (kind === 'yaml-syntax') {
          restoreExcept('teams.yaml');
          const broken = `${good['teams.yaml']}\n  bogus: [\n`;
          expect(versionOfFiles({ ...good, 'teams.yaml': broken })).toBeUndefined();
          write('teams.yaml', broken);
        } else if (kind === 'schema-error') {
          restoreExcept('routes.yaml');
          const broken = edit(good['routes.yaml'], 'priority: 500', 'prority: 500');
          expect(versionOfFiles({ ...good, 'routes.yaml': broken })).toBeUndefined();
          write('routes.yaml', broken);
        } else if (kind === 'permissive-head-of-invalid') {
          restoreExcept('guardrails.yaml');
          // A typo in the last document (the EU residency rule); the documents before it are fine.
          const cut = beforeLastDocument(good['guardrails.yaml']);
          const broken = good['guardrails.yaml'].slice(0, cut) + edit(good['guardrails.yaml'].slice(cut), '  enforcement: enforce', '  enforcement: enfroce');
          expect(versionOfFiles({ ...good, 'guardrails.yaml': broken })).toBeUndefined();
          const head = versionOfFiles({ ...good, 'guardrails.yaml': broken.slice(0, cut) });
          expect(head, 'the first part alone is a valid policy').toBeDefined();
          neverMeant.add(head!);
          await writeInParts('guardrails.yaml', broken, [cut]);
        } else {
          // A rewrite that stops half-way, in the middle of a route: several parts, then nothing more.
          restoreExcept('routes.yaml');
          const text = good['routes.yaml'];
          const stop = text.indexOf('  priority: 120');
          const abandoned = text.slice(0, stop);
          expect(versionOfFiles({ ...good, 'routes.yaml': abandoned })).toBeUndefined();
          await writeInParts('routes.yaml', abandoned, [Math.floor(stop / 3), Math.floor((2 * stop) / 3)]);
        }
        await until(`swap ${i} (${kind}) to be rejected`, () => events.rejected > rejectedBefore, 5_000, 2);
        expect(await servingVersion(url)).toBe(serving);
      }
    }
    done = true;
    await Promise.all(load);

    const validCount = liveAfter.length;
    expect(transport).toEqual([]);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(streams.filter((a) => !a.ok)).toEqual([]);
    expect(streams.length).toBeGreaterThanOrEqual(STREAMS);
    const served = new Set([...answers, ...streams].map((a) => a.version ?? '(none)'));
    expect([...served].filter((v) => !valid.has(v))).toEqual([]);
    expect(events.activated).toHaveLength(validCount);
    expect(events.activated.filter((v) => !valid.has(v) || neverMeant.has(v))).toEqual([]);
    expect(events.rejected).toBe(SWAPS - validCount);

    report('hot reload', {
      swaps: SWAPS,
      invalid: SWAPS - validCount,
      streams: STREAMS,
      requests: answers.length,
      streamsCompleted: streams.length,
      liveAfterP50: ms(percentile(liveAfter, 50)),
      liveAfterMax: ms(maxOf(liveAfter)),
    });
    if (SCALE === 'full') expect(maxOf(liveAfter)).toBeLessThanOrEqual(1_000);
  });
});
