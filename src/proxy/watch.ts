// Watching a policy directory: file-system events on policy files, debounced into one call per burst.
// An editor's atomic-rename save (write a temp file, rename it over the original) and a `git checkout` that
// rewrites many files each produce a burst of events; the burst ends when the directory has been quiet for
// `debounceMs`, and a burst that never goes quiet still fires every `maxWaitMs` so a constantly rewritten file
// cannot postpone reloads forever (the reload's settle step then waits for stable content).
import { watch } from 'chokidar';
import { relative, resolve, sep } from 'node:path';
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

/** Hidden entries (`.git`, editor swap files, `.#lock` files) are never policy: the loader skips them too. */
export function isHiddenUnder(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === '') return false;
  return rel.split(sep).some((segment) => segment.startsWith('.'));
}

/** Whether an event can change what the loader reads: policy files, and directories that may hold them. */
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

/** Watch dir (recursively) and call `onBurst` once after each burst of relevant changes. Resolves once watching. */
export async function watchPolicyDirectory(dir: string, onBurst: () => void, options: WatchOptions): Promise<DirectoryWatcher> {
  const root = resolve(dir);
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (path: string) => isHiddenUnder(root, path),
    // Directory links are followed by the loader (inside the root only); watch what it will read.
    followSymlinks: true,
  });
  let timer: NodeJS.Timeout | undefined;
  let burstStarted = 0;
  let closed = false;

  const fire = (): void => {
    timer = undefined;
    burstStarted = 0;
    if (!closed) onBurst();
  };
  watcher.on('all', (event, path) => {
    if (closed || !isRelevant(event, path)) return;
    const now = Date.now();
    if (burstStarted === 0) burstStarted = now;
    if (timer !== undefined) clearTimeout(timer);
    const untilMax = burstStarted + options.maxWaitMs - now;
    timer = setTimeout(fire, Math.max(0, Math.min(options.debounceMs, untilMax)));
  });
  watcher.on('error', (error) => options.onError(error instanceof Error ? error : new Error(String(error))));
  await new Promise<void>((ready) => watcher.once('ready', ready));

  return {
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await watcher.close();
    },
  };
}
