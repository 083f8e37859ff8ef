// The parts of undici the proxy uses — its connection `Pool` and the error classes — loaded by their own
// paths (the proxy talks to a pool through `dispatch` only). undici's package index also loads `fetch`,
// WebSocket, EventSource, the cache stores and the mock agents, and holds ~7 MB more in an idle process for
// code the proxy never runs (docs/benchmarks.md "proxy"). The types are undici's own, from its public
// declarations; these are the same module instances the index would hand out (the same files), so `instanceof`
// holds either way. test/proxy/undici-parts.test.ts checks that each part is the one the index exports.
import { createRequire } from 'node:module';
import type { Pool as PoolType, errors as ErrorsType } from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolType;

export const undiciErrors = require('undici/lib/core/errors.js') as typeof ErrorsType;
