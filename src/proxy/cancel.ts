// Cancellation of one client request's upstream work, in the form undici accepts (an EventEmitter with
// `aborted`). An AbortController's signal costs several microseconds per request on the hot path; this is one
// small object, and the abortable wait below replaces timers/promises' signal option.
import { EventEmitter } from 'node:events';

export class Cancel extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** Waits `ms`; resolves false early if `cancel` fires. */
export function waitUnlessCancelled(ms: number, cancel: Cancel): Promise<boolean> {
  if (cancel.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      cancel.off('abort', onAbort);
      resolve(true);
    }, ms);
    cancel.once('abort', onAbort);
  });
}
