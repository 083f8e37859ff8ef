// Watching a policy directory: file-system events on policy files, debounced into one call per burst.
// An editor's atomic-rename save (write a temp file, rename it over the original) and a `git checkout` that
// rewrites many files each produce a burst of events; the burst ends when the directory has been quiet for
// `debounceMs`, and a burst that never goes quiet still fires every `maxWaitMs` so a constantly rewritten file
// cannot postpone reloads forever (the reload's settle step then waits for stable content).
//
// Of git's internals only what a commit or checkout moves is watched — HEAD, branch refs, packed refs — because
// the policy version names the commit. Other hidden entries are watched: Kubernetes ConfigMap volumes and
// git-sync publish new content by swapping a hidden `..data`-style link under unchanged file names.
import { execFile } from 'node:child_process';
import { existsSync, type Stats } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isPolicyFileName } from '../policy/read-files.js';

export interface WatchOptions {
  readonly debounceMs: number;
  /** Longest a burst of events may postpone the call. */
  readonly maxWaitMs: number;
  readonly onError: (error: Error) => void;
}

export interface DirectoryWatcher {
  close(): Promise<void>;
}

/** `.git` holds thousands of files that change on every git command; the refs are watched separately. */
export function isGitInternal(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel.split(sep).includes('.git');
}

/** Whether an event can change what the loader reads: policy files, and directories or links that may hold them. */
function isRelevant(event: string, path: string): boolean {
  switch (event) {
    case 'addDir':
    case 'unlinkDir':
      return true;
    case 'add':
    case 'change':
    case 'unlink':
      return isPolicyFileName(path);
    default:
      return false;
  }
}

/** The files git rewrites when HEAD moves (commit, checkout, pull, reset), or [] outside a git checkout. */
export function gitRefPaths(dir: string): Promise<string[]> {
  return new Promise((done) => {
    execFile('git', ['-C', dir, 'rev-parse', '--absolute-git-dir', '--git-common-dir'], { timeout: 5000, windowsHide: true }, (error, stdout) => {
      const [gitDir, common] = String(stdout).trim().split('\n');
      if (error !== null || gitDir === undefined || common === undefined || gitDir === '') return done([]);
      const commonDir = isAbsolute(common) ? common : resolve(dir, common);
      // Only paths that exist: chokidar stops watching the others of a list when one is missing (packed-refs
      // appears only after `git pack-refs`, and then loose refs under refs/heads still change on every commit).
      done([join(gitDir, 'HEAD'), join(commonDir, 'refs', 'heads'), join(commonDir, 'packed-refs')].filter((path) => existsSync(path)));
    });
  });
}

function debounced(onBurst: () => void, options: WatchOptions): { poke: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let burstStarted = 0;
  const fire = (): void => {
    timer = undefined;
    burstStarted = 0;
    onBurst();
  };
  return {
    poke() {
      const now = Date.now();
      if (burstStarted === 0) burstStarted = now;
      if (timer !== undefined) clearTimeout(timer);
      const untilMax = burstStarted + options.maxWaitMs - now;
      timer = setTimeout(fire, Math.max(0, Math.min(options.debounceMs, untilMax)));
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

const ready = (watcher: FSWatcher): Promise<void> => new Promise((done) => watcher.once('ready', () => done()));

/** Watch dir (recursively) and its git refs; call `onBurst` once after each burst of relevant changes. Resolves once watching. */
export async function watchPolicyDirectory(dir: string, onBurst: () => void, options: WatchOptions): Promise<DirectoryWatcher> {
  const root = resolve(dir);
  let closed = false;
  const burst = debounced(() => {
    if (!closed) onBurst();
  }, options);
  const onError = (error: unknown): void => options.onError(error instanceof Error ? error : new Error(String(error)));

  const files = watch(root, {
    ignoreInitial: true,
    // Files the loader never reads are not watched at all: a ledger kept in the directory (`--ledger
    // sqlite:policies/x.db`) rewrites its log on every commit, and chokidar would stat it each time.
    ignored: (path: string, stats?: Stats) => isGitInternal(root, path) || (stats?.isFile() === true && !isPolicyFileName(path)),
    // The loader follows links that stay inside the root; watch what it will read.
    followSymlinks: true,
  });
  files.on('all', (event, path) => {
    if (!closed && isRelevant(event, path)) burst.poke();
  });
  files.on('error', onError);
  // Listen for `ready` before awaiting anything else: it may come while git runs.
  const filesReady = ready(files);

  const refs = await gitRefPaths(root);
  const git = refs.length === 0 ? undefined : watch(refs, { ignoreInitial: true });
  git?.on('all', () => {
    if (!closed) burst.poke();
  });
  git?.on('error', onError);
  await Promise.all([filesReady, git === undefined ? undefined : ready(git)]);

  return {
    async close() {
      closed = true;
      burst.cancel();
      await Promise.all([files.close(), git?.close()]);
    },
  };
}
