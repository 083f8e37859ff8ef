// The runtime's background writes: kept until they end (closing waits for them), failures logged, never thrown,
// and the follow-up work on a write's result (threshold checks) kept as well.
import { describe, expect, it } from 'vitest';
import { BudgetRuntime } from '../../src/budget/budget-runtime.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';

const later = <T>(value: T, ms = 20): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

function runtime(logged: string[]): BudgetRuntime {
  return new BudgetRuntime({
    ledger: openSqliteLedger(':memory:'),
    expireEveryMs: 0,
    log: { warn: (_o, msg) => logged.push(`warn: ${msg}`), error: (_o, msg) => logged.push(`error: ${msg}`) },
  });
}

describe('background ledger writes', () => {
  it('keeps a write and the work on its result until both end', async () => {
    const logged: string[] = [];
    const rt = runtime(logged);
    const seen: number[] = [];
    let followed = false;
    rt.track(later(7), (n) => {
      seen.push(n);
      return later(undefined, 30).then(() => {
        followed = true;
      });
    });
    expect(rt.inFlight).toBe(1);
    await rt.drain();
    expect(seen).toEqual([7]);
    expect(followed).toBe(true);
    expect(rt.inFlight).toBe(0);
    expect(logged).toEqual([]);
    await rt.close();
  });

  it('logs a failed write, a failed follow-up and one that throws, and rejects nothing', async () => {
    const logged: string[] = [];
    const rt = runtime(logged);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      rt.track(Promise.reject(new Error('disk full')));
      rt.track(later(1), () => Promise.reject(new Error('mark failed')));
      rt.track(later(2), () => {
        throw new Error('check threw');
      });
      await rt.drain();
      await later(undefined, 10);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(logged).toEqual(['error: a ledger write failed', 'error: a ledger write failed', 'error: a ledger write failed']);
    expect(unhandled).toEqual([]);
    expect(rt.inFlight).toBe(0);
    await rt.close();
  });
});
