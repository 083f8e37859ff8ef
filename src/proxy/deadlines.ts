// The first-byte and idle timeouts of upstream attempts, kept by one shared timer. undici's own
// (`headersTimeout`, `bodyTimeout`) run on its "fast timers" (undici/lib/util/timers.js) whatever their value:
// a 499 ms tick that counts ticks rather than time, where a timer becomes active on the tick after it is set and
// fires on a later one — a 200 ms first-byte timeout fired after 500–1000 ms, a 300 ms idle timeout after ~1 s,
// later still on a busy event loop. Here each waiting attempt holds its deadline; one native timer is set for
// the earliest and, when it fires, expires what is due and is set again for the next, so a timeout fires within
// a millisecond or so of its deadline plus event-loop lag. Pushing a deadline later (a body chunk) stores a
// number: the timer finds the new deadline when it wakes.

/** An attempt that may be waiting on a deadline; the fields belong to the `Deadlines` holding it. */
export interface Timed {
  /** Index in the waiting list; -1 while not waiting. */
  deadlineSlot: number;
  /** `performance.now()` at which the wait expires. */
  deadlineAt: number;
  /** The deadline passed; the entry is no longer waiting. */
  onDeadline(): void;
}

export class Deadlines {
  private readonly waiting: Timed[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The deadline the timer is set for (Infinity: none). */
  private timerAt = Infinity;

  /** Starts (or restarts) `entry`'s wait: it expires `ms` from now. */
  start(entry: Timed, ms: number): void {
    const now = performance.now();
    entry.deadlineAt = now + ms;
    if (entry.deadlineSlot < 0) {
      entry.deadlineSlot = this.waiting.length;
      this.waiting.push(entry);
    }
    if (entry.deadlineAt < this.timerAt) this.schedule(entry.deadlineAt, now);
  }

  /** Moves a waiting entry's deadline to `ms` from now; never earlier than its last, so no timer work. */
  extend(entry: Timed, ms: number): void {
    if (entry.deadlineSlot >= 0) entry.deadlineAt = performance.now() + ms;
  }

  stop(entry: Timed): void {
    const slot = entry.deadlineSlot;
    if (slot < 0) return;
    entry.deadlineSlot = -1;
    const last = this.waiting.pop()!;
    if (last !== entry) {
      this.waiting[slot] = last;
      last.deadlineSlot = slot;
    }
  }

  /** Entries waiting now (for tests). */
  get size(): number {
    return this.waiting.length;
  }

  private schedule(at: number, now: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    // Node's timers count whole milliseconds of the loop's clock: rounding up never fires before the deadline
    // by our clock (a wake-up that comes early anyway finds nothing due and sets the timer again).
    this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(at - now)));
    this.timer.unref();
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    let due: Timed[] | undefined;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const entry = this.waiting[i]!;
      if (entry.deadlineAt <= now) {
        this.stop(entry);
        (due ??= []).push(entry);
      } else if (entry.deadlineAt < next) next = entry.deadlineAt;
    }
    if (next < this.timerAt) this.schedule(next, now);
    // Called after the list is consistent: an expiry may start or stop other waits.
    if (due !== undefined) for (const entry of due) entry.onDeadline();
  };
}

/** The one instance the proxy's attempts share. */
export const upstreamDeadlines = new Deadlines();
