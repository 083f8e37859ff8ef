// Low-level writers: delays that give up when the client leaves, JSON bodies, SSE streams with pacing and
// cuts, and connection resets. Everything here works on node's raw response so faults can reach the socket.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Waits `ms`; resolves false at once if the response's connection closes first (nothing left to answer). */
export function pause(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders, type = 'application/json'): void {
  headers['content-type'] = type;
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(body);
}

/** A TCP reset before any byte of the response: the client sees a connection error, not an HTTP status. */
export function resetConnection(req: IncomingMessage): void {
  const socket = req.socket;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Destroys the socket once `chunk` has been handed to the kernel, so the client gets exactly that much. */
function writeThenDestroy(res: ServerResponse, chunk: string): void {
  const destroy = (): void => void res.socket?.destroy();
  if (chunk === '') {
    res.flushHeaders();
    res.socket?.write('', destroy);
  } else {
    res.write(chunk, destroy);
  }
}

/** A non-streaming body cut halfway: headers promise the full length, half arrives, the socket dies. */
export function sendTruncatedJson(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders): void {
  headers['content-type'] = 'application/json';
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  writeThenDestroy(res, body.slice(0, Math.floor(body.length / 2)));
}

export const SSE_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
});

export type StreamOutcome = 'complete' | 'cut' | 'aborted';

function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/**
 * Writes SSE frames. `cutAfter` frames are sent and then the socket is destroyed; the final frame is always
 * withheld by a cut, so a cut stream never looks complete. With no interval the frames go out in one write.
 */
export async function sendStream(
  res: ServerResponse,
  frames: readonly string[],
  headers: OutgoingHttpHeaders,
  intervalMs: number,
  cutAfter: number | null,
): Promise<StreamOutcome> {
  const limit = cutAfter === null ? frames.length : Math.min(cutAfter, frames.length - 1);
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  if (intervalMs === 0) {
    const data = limit === frames.length ? frames.join('') : frames.slice(0, limit).join('');
    if (cutAfter === null) {
      if (!res.write(data) && !(await drained(res))) return 'aborted';
      res.end();
      return 'complete';
    }
    writeThenDestroy(res, data);
    return 'cut';
  }
  for (let i = 0; i < limit; i++) {
    if (i > 0 && !(await pause(intervalMs, res))) return 'aborted';
    const frame = frames[i] ?? '';
    const last = i === limit - 1;
    if (last && cutAfter !== null) {
      writeThenDestroy(res, frame);
      return 'cut';
    }
    if (!res.write(frame) && !(await drained(res))) return 'aborted';
  }
  if (cutAfter !== null) {
    writeThenDestroy(res, '');
    return 'cut';
  }
  if (res.destroyed) return 'aborted';
  res.end();
  return 'complete';
}
