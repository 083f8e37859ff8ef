// The parts of undici the proxy uses — its connection `Pool`, the request API for streams, and the error
// classes — loaded by their own paths. undici's package index also loads `fetch`, WebSocket, EventSource,
// the cache stores and the mock agents, and holds ~7 MB more in an idle process for code the proxy never
// runs (docs/benchmarks.md "proxy"). The types are undici's own, from its public declarations; these are
// the same module instances the index would hand out (the same files), so `instanceof` holds either way.
// test/proxy/undici-parts.test.ts checks that each part is the one the package index exports.
import { createRequire } from 'node:module';
import type { Dispatcher, Pool as PoolType, errors as ErrorsType } from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolType;

export const undiciErrors = require('undici/lib/core/errors.js') as typeof ErrorsType;

const apiRequest = require('undici/lib/api/api-request.js') as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** `dispatcher.request(options)`: the package index attaches it to every dispatcher; this calls it directly. */
export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, options);
}
