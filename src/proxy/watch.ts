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
import { existsSync, watch as nodeWatch, type FSWatcher as NodeWatcher, type Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/** How often the watched path's identity is checked besides the parent directory's events. */
const IDENTITY_CHECK_MS = 1000;

interface Armed {
  close(): Promise<void>;
}

/** The chokidar watchers on the directory `root` names now and on its git refs. Resolves once watching. */
async function arm(root: string, poke: () => void, onError: (error: unknown) => void): Promise<Armed> {
  const files = watch(root, {
    ignoreInitial: true,
    // Files the loader never reads are not watched at all: a ledger kept in the directory (`--ledger
    // sqlite:policies/x.db`) rewrites its log on every commit, and chokidar would stat it each time.
    ignored: (path: string, stats?: Stats) => isGitInternal(root, path) || (stats?.isFile() === true && !isPolicyFileName(path)),
    // The loader follows links that stay inside the root; watch what it will read.
    followSymlinks: true,
  });
  files.on('all', (event, path) => {
    if (isRelevant(event, path)) poke();
  });
  // A link renamed over a link of the same name (git-sync's `current` flipped to a worktree that already
  // exists) emits no chokidar event: the name was known and the target is already watched through its own
  // path. Only the raw `rename` of the watched directory shows it. (`raw` is chokidar-internal: the
  // link-flip tests in test/proxy/reload-replaced.test.ts catch it changing.)
  files.on('raw', (event, name, details) => {
    if (event !== 'rename' || typeof details !== 'object' || details === null || !('watchedPath' in details)) return;
    const { watchedPath } = details;
    if (typeof watchedPath !== 'string') return;
    lstat(join(watchedPath, name)).then(
      (stats) => {
        if (stats.isSymbolicLink()) poke();
      },
      () => undefined,
    );
  });
  files.on('error', onError);
  // Listen for `ready` before awaiting anything else: it may come while git runs.
  const filesReady = ready(files);

  const refs = await gitRefPaths(root);
  const git = refs.length === 0 ? undefined : watch(refs, { ignoreInitial: true });
  git?.on('all', () => poke());
  git?.on('error', onError);
  await Promise.all([filesReady, git === undefined ? undefined : ready(git)]);
  return {
    async close() {
      await Promise.all([files.close(), git?.close()]);
    },
  };
}

/** The directory a path names now — its real path and inode — or undefined while it names none. */
async function identity(path: string): Promise<string | undefined> {
  try {
    const real = await realpath(path);
    const stats = await stat(real);
    return stats.isDirectory() ? `${stats.dev}:${stats.ino}:${real}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Watch dir (recursively) and its git refs; call `onBurst` once after each burst of relevant changes. Resolves once watching.
 *
 * chokidar watches inodes: once dir is deleted and made again, renamed away and replaced, or is a link flipped
 * elsewhere, it watches nothing or the old directory. So the path itself is watched too — through its parent
 * directory's events, and a check of its real path and inode every second as a backstop — and when it names
 * another directory, the watchers are set up again on that one and a burst is reported.
 */
export async function watchPolicyDirectory(dir: string, onBurst: () => void, options: WatchOptions): Promise<DirectoryWatcher> {
  const root = resolve(dir);
  let closed = false;
  const burst = debounced(() => {
    if (!closed) onBurst();
  }, options);
  const poke = (): void => {
    if (!closed) burst.poke();
  };
  const onError = (error: unknown): void => options.onError(error instanceof Error ? error : new Error(String(error)));

  // Taken before arming: a replacement while arming then differs from it and is caught by the next check.
  let armedAs = await identity(root);
  let armed = await arm(root, poke, onError);
  // INVARIANT: one re-arm at a time; `armed` is the only watcher set open between re-arms.
  let rearming: Promise<void> = Promise.resolve();
  const check = (): void => {
    rearming = rearming
      .then(async () => {
        if (closed) return;
        const now = await identity(root);
        // Once seen gone, the directory is gone for good: one made again may reuse its inode (ext4 does).
        if (now === undefined) armedAs = undefined;
        if (now === undefined || now === armedAs) return;
        armedAs = now;
        // Closed first: chokidar shares one fs.watch per path across its instances, and the old one is on the
        // old inode — a new instance opened beside it would join it and watch the replaced directory.
        await armed.close();
        armed = await arm(root, poke, onError);
        // Whatever changed while the watchers were not on the new directory, the reload reads it all.
        poke();
      })
      .catch(onError);
  };

  const name = basename(root);
  let parent: NodeWatcher | undefined;
  try {
    // Not recursive, not chokidar: one inotify watch on the parent, for entries named like the watched path.
    parent = nodeWatch(dirname(root), { persistent: false }, (_event, entry) => {
      if (entry === name) check();
    });
    parent.on('error', () => parent?.close());
  } catch {
    parent = undefined; // an unreadable parent: the periodic check alone
  }
  const backstop = setInterval(check, IDENTITY_CHECK_MS);
  backstop.unref();

  return {
    async close() {
      closed = true;
      burst.cancel();
      clearInterval(backstop);
      parent?.close();
      await rearming;
      await armed.close();
    },
  };
}
