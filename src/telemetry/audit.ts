// The audit log sink: JSON Lines through pino's destination (sonic-boom), asynchronous so a slow disk never
// stalls a request, written in small batches (at most 200 ms late), flushed when the server stops. Rotation-friendly: the file is opened for appending, so
// `logrotate`'s copytruncate needs nothing from us, and `reopen()` (SIGUSR2 in `switchyard serve`) starts a
// new file at the same path after a rename-style rotation. `-` writes to standard output.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pino } from 'pino';
import type { AuditRecord } from './audit-record.js';

/** What the audit log writes through: a pino destination (sonic-boom) or anything with the same calls. */
export interface AuditDestination {
  write(line: string): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** The sonic-boom calls used on a file the log owns (in buffer mode: it is given bytes). */
interface FileDestination {
  write(chunk: Buffer): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
  flush(cb: (err?: Error | null) => void): void;
  end(): void;
  once(event: 'close', listener: () => void): unknown;
}

export interface AuditLogOptions {
  /** Base of a relative path; default the process's working directory. */
  readonly cwd?: string;
  /** For `-`: a destination already writing to stdout (the server log's), so the two never interleave. */
  readonly stdout?: AuditDestination;
  /** Told about write failures (the disk filled, the file vanished); default: silent. */
  readonly onError?: (err: Error) => void;
}

export type OpenedAudit = { readonly ok: true; readonly log: AuditLog } | { readonly ok: false; readonly error: string };

/** Records are written in batches of this many bytes, or every `FLUSH_EVERY_MS`, whichever comes first. */
export const BATCH_BYTES = 4096;
export const FLUSH_EVERY_MS = 200;

function openFile(path: string, onError: ((err: Error) => void) | undefined): FileDestination {
  // One write per record would cost a thread-pool round trip per request; a few records per write do not. A
  // positive minLength also makes `flush` wait for the writes in flight (and fsync) instead of answering at once.
  // Buffer mode: each record is encoded once, and appending costs the same whatever is already buffered (string
  // mode measures the whole pending text on every append).
  const dest = pino.destination({ dest: path, sync: false, append: true, mkdir: true, minLength: BATCH_BYTES, periodicFlush: FLUSH_EVERY_MS, contentMode: 'buffer' });
  dest.on('error', (err: Error) => onError?.(err));
  return dest as unknown as FileDestination;
}

const ended = (dest: FileDestination): Promise<void> =>
  new Promise<void>((done) => {
    dest.once('close', done);
    dest.end();
  });

export class AuditLog {
  private written = 0;
  private closed = false;
  /** Files rotated away from that are still writing what was buffered for them. */
  private readonly retiring = new Set<Promise<void>>();

  private constructor(
    /** The file as given, or `-` for standard output. */
    readonly target: string,
    private dest: AuditDestination | FileDestination,
    /** The resolved path of a file the log owns (closing ends it); undefined for standard output or a stream. */
    private readonly path: string | undefined,
    private readonly onError: ((err: Error) => void) | undefined,
  ) {}

  /** `path` (appended to, directories created) or `-` (standard output). A file that cannot be opened is an error result. */
  static open(target: string, options: AuditLogOptions = {}): OpenedAudit {
    if (target === '') return { ok: false, error: 'the audit log path is empty: give a file or `-` for standard output' };
    if (target === '-') {
      const dest = options.stdout ?? pino.destination({ dest: 1, sync: false });
      dest.on('error', (err) => options.onError?.(err));
      return { ok: true, log: new AuditLog('-', dest, undefined, options.onError) };
    }
    const path = resolve(options.cwd ?? process.cwd(), target);
    try {
      mkdirSync(dirname(path), { recursive: true });
      // Fail at start-up, with a one-line reason, rather than on the first request.
      closeSync(openSync(path, 'a'));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code === 'ENOTDIR' ? 'a parent is not a directory' : err instanceof Error ? err.message : String(err);
      return { ok: false, error: `cannot open the audit log \`${target}\`: ${why}` };
    }
    return { ok: true, log: new AuditLog(target, openFile(path, options.onError), path, options.onError) };
  }

  /** An audit log on a destination the caller owns (tests, embedding). */
  static to(dest: AuditDestination): AuditLog {
    return new AuditLog('stream', dest, undefined, undefined);
  }

  /** Records written so far. */
  get records(): number {
    return this.written;
  }

  write(record: AuditRecord): void {
    this.writeLine(JSON.stringify(record));
  }

  /** A record already serialised (`auditLine`), without its newline. */
  writeLine(json: string): void {
    if (this.closed) return;
    this.written += 1;
    const line = `${json}\n`;
    if (this.path === undefined) (this.dest as AuditDestination).write(line);
    else (this.dest as FileDestination).write(Buffer.from(line, 'utf8'));
  }

  /**
   * After a rename-style rotation: later records go to a new file at the path; the old file (under its new
   * name) still receives what was written before, then is closed.
   */
  reopen(): void {
    if (this.path === undefined || this.closed) return;
    const old = this.dest as FileDestination;
    this.dest = openFile(this.path, this.onError);
    const done = ended(old);
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
  }

  /** Resolves once every record written so far is in the file, synced to disk (stdout: handed to the OS). */
  async flush(): Promise<void> {
    if (this.closed) return;
    await Promise.all(this.retiring);
    if (this.path === undefined) return;
    const dest = this.dest as FileDestination;
    await new Promise<void>((done, fail) => dest.flush((err) => (err === undefined || err === null ? done() : fail(err))));
  }

  /** Writes what is buffered; a file is closed (later writes are dropped). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.path !== undefined) await ended(this.dest as FileDestination);
    await Promise.all(this.retiring);
  }
}
