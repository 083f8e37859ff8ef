// The hot-reloading policy store. Requests read `current()` — one reference, swapped in a single assignment —
// and never wait for a reload; a reload (a watched change, `reload()`, SIGHUP) settles, loads, validates and
// compiles in the background and only then swaps. An invalid version is logged with its diagnostics and kept
// as `lastError` while the last good version keeps serving.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatDiagnostics } from '../diagnostics.js';
import type { Diagnostic } from '../errors.js';
import { gitCommit } from '../policy/git.js';
import { loadPolicy, type LoadOptions } from '../policy/index.js';
import { checkedSnapshot, type CheckedSnapshot, type PolicySnapshot, type PolicyStore, type ReloadError, type ReloadResult } from './policy-snapshot.js';
import { fingerprint, settle } from './policy-settle.js';
import { watchPolicyDirectory, type DirectoryWatcher } from './watch.js';

/** The subset of a pino logger the store writes to. */
export interface StoreLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface PolicyStoreOptions {
  /** Reload when the directory changes. Without it, only `reload()` does. */
  readonly watch: boolean;
  /** Quiet time that ends a burst of file events; default 150 ms. */
  readonly debounceMs?: number;
  /** Gap between the reads that must agree before content is activated; default 50 ms. */
  readonly settleMs?: number;
  /** Default: one line per event on stderr. */
  readonly logger?: StoreLogger;
  /** For `${VAR}` in provider base URLs; default process.env. */
  readonly env?: LoadOptions['env'];
  /** Diagnostic paths are relative to it; default process.cwd(). */
  readonly cwd?: string;
  /** Told of every reload that activated a version or failed (metrics); not of unchanged content. */
  readonly onReload?: (result: ReloadResult) => void;
}

export type OpenStoreResult = { ok: true; store: PolicyStore } | { ok: false; diagnostics: Diagnostic[] };

export const DEFAULT_DEBOUNCE_MS = 150;
export const DEFAULT_SETTLE_MS = 50;
/** Reads of a directory that keeps changing before a reload gives up (it retries on the next change). */
const MAX_SETTLE_READS = 40;
/** Settle-then-load rounds when files change while being loaded. */
const MAX_LOAD_ROUNDS = 5;

const stderrLogger: StoreLogger = {
  info: (_fields, message) => void process.stderr.write(`switchyard: ${message}\n`),
  warn: (fields, message) => void process.stderr.write(`switchyard: ${message}\n${detailLines(fields)}`),
  error: (fields, message) => void process.stderr.write(`switchyard: ${message}\n${detailLines(fields)}`),
};

function detailLines(fields: Record<string, unknown>): string {
  const lines = fields['diagnostics'];
  return Array.isArray(lines) ? lines.map((line) => `  ${String(line)}\n`).join('') : '';
}

const diagnosticLines = (diagnostics: readonly Diagnostic[]): string[] =>
  formatDiagnostics(diagnostics, 'text').split('\n').filter((line) => line !== '');

class ReloadingPolicyStore implements PolicyStore {
  // INVARIANT: `snapshot` only ever holds a policy that loaded, validated and compiled — at start, or since then
  // from content that settled and is what the loader read.
  private snapshot: PolicySnapshot;
  private error: ReloadError | undefined;
  /** Fingerprint key of the content `error` describes, so unchanged invalid content is not reloaded or re-logged. */
  private rejectedKey: string | undefined;
  private running: Promise<ReloadResult> | undefined;
  private queued: Promise<ReloadResult> | undefined;
  private watcher: DirectoryWatcher | undefined;
  private closed = false;
  private readonly debounceMs: number;
  private readonly settleMs: number;
  private readonly logger: StoreLogger;
  private readonly cwd: string;

  constructor(
    private readonly dir: string,
    initial: PolicySnapshot,
    private readonly options: PolicyStoreOptions,
  ) {
    this.snapshot = initial;
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.logger = options.logger ?? stderrLogger;
    this.cwd = options.cwd ?? process.cwd();
  }

  current(): PolicySnapshot {
    return this.snapshot;
  }

  get lastError(): ReloadError | undefined {
    return this.error;
  }

  async startWatching(): Promise<void> {
    this.watcher = await watchPolicyDirectory(this.dir, () => void this.reload(), {
      debounceMs: this.debounceMs,
      maxWaitMs: Math.max(1000, this.debounceMs * 10),
      onError: (error) => this.logger.warn({ dir: this.dir, error: error.message }, `watching \`${this.dir}\` failed: ${error.message}`),
    });
  }

  /**
   * One reload at a time. A call while one runs queues exactly one more (which reads the directory after the
   * running one finished); calls while that one waits share it.
   */
  reload(): Promise<ReloadResult> {
    if (this.closed) return Promise.resolve({ ok: true, version: this.snapshot.version });
    if (this.running === undefined) return this.start();
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<ReloadResult> {
    const run = this.attempt().catch((thrown: unknown) => this.reject(undefined, [], `reloading failed unexpectedly: ${thrown instanceof Error ? thrown.message : String(thrown)}`));
    const tracked: Promise<ReloadResult> = run.finally(() => {
      if (this.running === tracked) this.running = undefined;
    });
    this.running = tracked;
    return run;
  }

  private async attempt(): Promise<ReloadResult> {
    const started = performance.now();
    for (let round = 0; round < MAX_LOAD_ROUNDS; round++) {
      const settled = await settle(this.dir, this.cwd, this.settleMs, MAX_SETTLE_READS);
      if (this.closed) return { ok: true, version: this.snapshot.version };
      if (!settled.ok) return this.stillChanging(settled.reads);
      const content = settled.fingerprint;
      if (content.clean && content.hash === this.snapshot.policy.version.hash) {
        // Same files; a new commit of them (a commit, a checkout of identical content) still renames the version.
        if ((await gitCommit(resolve(this.cwd, this.dir))) === this.snapshot.policy.version.commit) return this.unchanged();
      }
      if (content.key === this.rejectedKey && this.error !== undefined) return { ok: false, error: this.error };

      const loaded = await loadPolicy(this.dir, { env: this.options.env, cwd: this.cwd });
      // The loader reads the files once more; activate only if that read is the content that settled.
      const after = await fingerprint(this.dir, this.cwd);
      if (after.key !== content.key || (loaded.ok && loaded.policy.version.hash !== content.hash)) continue;
      if (this.closed) return { ok: true, version: this.snapshot.version };
      if (!loaded.ok) return this.reject(content.key, loaded.diagnostics);

      let checked: CheckedSnapshot;
      try {
        checked = checkedSnapshot(loaded.policy, this.dir, loaded.diagnostics);
      } catch (thrown) {
        return this.reject(content.key, [], `compiling the policy failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
      }
      if (!checked.ok) return this.reject(content.key, checked.diagnostics);
      const next = checked.snapshot;
      const previous = this.snapshot.version;
      this.snapshot = next; // the swap: requests that already hold the previous snapshot finish on it
      this.error = undefined;
      this.rejectedKey = undefined;
      const warnings = checked.warnings.length === 0 ? {} : { diagnostics: diagnosticLines(checked.warnings) };
      this.logger.info(
        { event: 'policy_reloaded', version: next.version, previous, ms: Math.round(performance.now() - started), ...warnings },
        `policy reloaded: serving \`${next.version}\` (was \`${previous}\`)`,
      );
      return this.reported({ ok: true, version: next.version });
    }
    return this.stillChanging(MAX_LOAD_ROUNDS);
  }

  private unchanged(): ReloadResult {
    if (this.error !== undefined) {
      this.logger.info({ event: 'policy_restored', version: this.snapshot.version }, `policy files match the serving version \`${this.snapshot.version}\` again`);
      this.error = undefined;
      this.rejectedKey = undefined;
    }
    return { ok: true, version: this.snapshot.version };
  }

  /** Not an invalid version: the files never held still. The next change event tries again. */
  private stillChanging(reads: number): ReloadResult {
    const message = `the policy files in \`${this.dir}\` kept changing (${reads} reads disagreed); still serving \`${this.snapshot.version}\``;
    this.logger.warn({ event: 'policy_unsettled', version: this.snapshot.version }, message);
    return this.reported({ ok: false, error: { at: new Date(), diagnostics: [], message } });
  }

  private reported(result: ReloadResult): ReloadResult {
    this.options.onReload?.(result);
    return result;
  }

  private reject(key: string | undefined, diagnostics: readonly Diagnostic[], problem?: string): ReloadResult {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const what = problem ?? (first === undefined ? 'the policy is invalid' : diagnosticLines([first])[0] ?? 'the policy is invalid');
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    const message = `reload rejected: ${what}${more}; still serving \`${this.snapshot.version}\``;
    const error: ReloadError = { at: new Date(), diagnostics, message };
    this.error = error;
    this.rejectedKey = key;
    this.logger.error({ event: 'policy_rejected', version: this.snapshot.version, diagnostics: diagnosticLines(diagnostics) }, message);
    return this.reported({ ok: false, error });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
    await this.running?.catch(() => undefined);
  }
}

/**
 * Load the policy in dir and serve it; with `watch`, reload on every change. The first load must be valid:
 * otherwise the result carries its diagnostics (the caller prints them and exits).
 */
export async function openPolicyStore(dir: string, options: PolicyStoreOptions): Promise<OpenStoreResult> {
  const cwd = options.cwd ?? process.cwd();
  const loaded = await loadPolicy(dir, { env: options.env, cwd });
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  const checked = checkedSnapshot(loaded.policy, dir, loaded.diagnostics);
  if (!checked.ok) return { ok: false, diagnostics: checked.diagnostics };
  const store = new ReloadingPolicyStore(dir, checked.snapshot, { ...options, cwd });
  if (options.watch) await store.startWatching();
  return { ok: true, store };
}
