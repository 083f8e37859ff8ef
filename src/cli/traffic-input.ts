// What `dry-run` and `diff` share about reading a traffic file from the command line: checking the path,
// listing bad lines on stderr, drawing progress, and the numeric flags.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatProblem, readTraffic, replay, type ReplayResult, type TrafficProblem, type TrafficRecord } from '../verify/traffic.js';
import type { CliIO } from './command.js';

/** Bad lines listed one by one; beyond this only their number is reported. */
const MAX_LISTED_PROBLEMS = 20;
const PROGRESS_EVERY = 10_000;

/** Undefined when the path is a readable regular file, else why not. */
export async function trafficFileProblem(path: string, io: CliIO): Promise<string | undefined> {
  try {
    const s = await stat(resolve(io.cwd, path));
    return s.isFile() ? undefined : `traffic file \`${path}\` is not a regular file`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return `cannot read traffic file \`${path}\` (${code})`;
  }
}

export interface TrafficRun {
  readonly strict: boolean;
  readonly progress: boolean;
}

/**
 * Streams the file through `visit`, listing bad lines on stderr and drawing progress (rewritten in place on a
 * terminal, one line each otherwise). Read errors surface as a failed result naming the file.
 */
export async function replayFile(
  command: string,
  path: string,
  io: CliIO,
  run: TrafficRun,
  visit: (record: TrafficRecord) => void,
): Promise<ReplayResult | { ok: false; records: number; readError: string }> {
  let listed = 0;
  let drawn = false;
  // A strict run stops at its first bad line, and the caller names it in the error it stops with.
  const onProblem = (p: TrafficProblem): void => {
    if (!run.strict && listed++ < MAX_LISTED_PROBLEMS) io.stderr(`${formatProblem(p)}\n`);
  };
  const tty = io.stderrIsTTY === true;
  const onProgress = run.progress
    ? (n: number): void => {
        drawn = true;
        io.stderr(tty ? `\rswitchyard ${command}: ${n.toLocaleString('en-US')} records` : `switchyard ${command}: ${n.toLocaleString('en-US')} records\n`);
      }
    : undefined;
  let result: ReplayResult;
  try {
    result = await replay(readTraffic(resolve(io.cwd, path), path), visit, {
      strict: run.strict,
      onProblem,
      ...(onProgress === undefined ? {} : { onProgress }),
      progressEvery: PROGRESS_EVERY,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return { ok: false, records: 0, readError: `cannot read traffic file \`${path}\` (${code})` };
  } finally {
    if (drawn && tty) io.stderr('\n');
  }
  if (listed > MAX_LISTED_PROBLEMS) io.stderr(`${path}: ${(listed - MAX_LISTED_PROBLEMS).toLocaleString('en-US')} more bad lines not listed\n`);
  return result;
}

/** A positive number flag (`--days 7`, `--days 0.5`). */
export function positiveNumber(flag: string, value: string): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : `\`--${flag}\` must be a positive number, got \`${value}\``;
}
