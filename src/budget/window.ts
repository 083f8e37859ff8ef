// UTC calendar windows. Weeks start on Monday (ISO 8601).
import type { BudgetWindow } from './ledger.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Epoch ms of the start of the window containing `now`. */
export function windowStart(window: BudgetWindow, now: number): number {
  const d = new Date(now);
  switch (window) {
    case 'hour':
      return Math.floor(now / HOUR) * HOUR;
    case 'day':
      return Math.floor(now / DAY) * DAY;
    case 'week': {
      const day = Math.floor(now / DAY) * DAY;
      const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
      return day - sinceMonday * DAY;
    }
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    default:
      return assertNever(window);
  }
}

/** Epoch ms of the end (exclusive) of the window containing `now`. */
export function windowEnd(window: BudgetWindow, now: number): number {
  const start = windowStart(window, now);
  switch (window) {
    case 'hour':
      return start + HOUR;
    case 'day':
      return start + DAY;
    case 'week':
      return start + 7 * DAY;
    case 'month': {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
    default:
      return assertNever(window);
  }
}

/** Whole seconds until the window containing `now` ends (at least 1): the `retry-after` of a budget denial. */
export const secondsToWindowEnd = (window: BudgetWindow, now: number): number =>
  Math.max(1, Math.ceil((windowEnd(window, now) - now) / 1000));

function assertNever(x: never): never {
  throw new Error(`unexpected window ${String(x)}`);
}
