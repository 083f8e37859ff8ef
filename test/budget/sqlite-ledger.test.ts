// The SQLite ledger against the shared conformance suite, in memory and on disk (reopen = a restarted process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Ledger } from '../../src/budget/ledger.js';
import { openSqliteLedger } from '../../src/budget/sqlite-ledger.js';
import { ledgerConformance } from './ledger-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const paths = new WeakMap<Ledger, string>();

ledgerConformance('sqlite in memory', async () => openSqliteLedger(':memory:'));
ledgerConformance('sqlite file, synchronous=normal', async () => openSqliteLedger(join(dir, `normal-${files++}.db`), { synchronous: 'normal' }));

ledgerConformance(
  'sqlite file',
  async () => {
    const path = join(dir, `ledger-${files++}.db`);
    // The default durability: settle waits for the WAL's fdatasync.
    const ledger = openSqliteLedger(path);
    paths.set(ledger, path);
    return ledger;
  },
  {
    reopen: async (ledger, now) => {
      const path = paths.get(ledger);
      if (!path) throw new Error('reopen of a ledger this test did not open');
      return openSqliteLedger(path, { clock: () => now });
    },
  },
);
