// Cancellation of one client request's upstream work. An AbortController's signal costs several microseconds
// per request on the hot path, and so does an EventEmitter made per request; this is one small object with
// a listener list.

export class Cancel {
  aborted = false;
  private listeners: (() => void)[] | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) for (const f of listeners) f();
  }

  /** Calls `f` once when the request is cancelled (never when it already was); returns what stops that. */
  onAbort(f: () => void): () => void {
    (this.listeners ??= []).push(f);
    return () => {
      const i = this.listeners?.indexOf(f) ?? -1;
      if (i >= 0) this.listeners!.splice(i, 1);
    };
  }
}

/** Waits `ms`; resolves false early if `cancel` fires. */
export function waitUnlessCancelled(ms: number, cancel: Cancel): Promise<boolean> {
  if (cancel.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const stop = cancel.onAbort(() => {
      clearTimeout(timer);
      resolve(false);
    });
    const timer = setTimeout(() => {
      stop();
      resolve(true);
    }, ms);
  });
}
