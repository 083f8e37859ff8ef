// Cancellation of one client request's upstream work. An AbortController's signal costs several microseconds
// per request on the hot path, and so does an EventEmitter made per request; this is one small object with
// a listener list. undici's streaming `request()` wants an emitter with `aborted`: `signal()` makes one, for
// the streams that need it only.
import { EventEmitter } from 'node:events';

export class Cancel {
  aborted = false;
  private listeners: (() => void)[] | undefined;
  private emitter: (EventEmitter & { aborted: boolean }) | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (this.emitter !== undefined) {
      this.emitter.aborted = true;
      this.emitter.emit('abort');
    }
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

  /** The cancellation as the emitter undici's `request({ signal })` takes (`abort` event, `aborted` flag). */
  signal(): EventEmitter & { aborted: boolean } {
    this.emitter ??= Object.assign(new EventEmitter(), { aborted: this.aborted });
    return this.emitter;
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
