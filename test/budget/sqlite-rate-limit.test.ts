// The SQLite rate limiter against the shared conformance suite, in memory and on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteRateLimiter } from '../../src/budget/sqlite-rate-limit.js';
import { rateLimitConformance } from './rate-limit-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-rate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

rateLimitConformance('sqlite in memory', async () => openSqliteRateLimiter(':memory:'));
rateLimitConformance('sqlite file', async () => openSqliteRateLimiter(join(dir, `rate-${files++}.db`)));
