// What the `serve` CLI tests share: the budget fixture's policies in a scratch working directory, the two
// simulators as providers (started before the file's tests, closed after), and a CliIO that collects stderr.
import { afterAll, beforeAll } from 'vitest';
import type { CliIO } from '../../src/cli/command.js';
import { budgetSources } from '../proxy/budget-fixture.js';
import { CREDENTIALS, closeSims, startSims, type Sims } from '../proxy/fixture.js';
import { scratch } from '../support/cli.js';

export interface ServeScratch {
  /** The working directory, holding `policies/`. */
  readonly dir: string;
  /** A CliIO in `dir` whose environment points the policies at the simulators; `err` collects stderr. */
  io(env?: Record<string, string | undefined>): CliIO & { err: string };
}

/** Call at the top of a test file: registers the simulators' start and stop around its tests. */
export function serveScratch(): ServeScratch {
  const files: Record<string, string> = {};
  for (const f of budgetSources()) files[f.path] = f.text;
  const dir = scratch(files);
  let sims: Sims | undefined;
  beforeAll(async () => {
    sims = await startSims();
  });
  afterAll(async () => {
    if (sims !== undefined) await closeSims(sims);
    dir.cleanup();
  });
  return {
    dir: dir.dir,
    io(env = {}) {
      if (sims === undefined) throw new Error('the simulators start before the tests: call io() inside a test');
      const buffers = { err: '' };
      return Object.assign(buffers, {
        stdout: () => undefined,
        stderr: (t: string) => void (buffers.err += t),
        cwd: dir.dir,
        env: { LOG_LEVEL: 'silent', SIM_A: sims.a.url, SIM_B: sims.b.url, ...CREDENTIALS, ...env },
      });
    },
  };
}
