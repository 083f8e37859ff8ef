// fastify sets up its schema compilers — ajv with its formats for validation, fast-json-stringify for replies —
// as it starts, whether or not a route has a schema, and none of the proxy's routes has one. These factories
// load them when a route first needs one instead: ~120 modules and ~2 MB less in an idle proxy.
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type Factory = (...args: unknown[]) => unknown;

// Resolved from fastify's own location: they are its dependencies, not ours.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** A factory that loads fastify's own (`@fastify/ajv-compiler`'s or the serializer compiler's) on its first call. */
function loadedOnUse(pkg: string): Factory {
  let factory: Factory | undefined;
  return (...args) => {
    factory ??= (fromFastify(pkg) as () => Factory)();
    return factory(...args);
  };
}

export function lazySchemaCompilers(): Compilers {
  return {
    buildValidator: loadedOnUse('@fastify/ajv-compiler') as unknown as Compilers['buildValidator'],
    buildSerializer: loadedOnUse('@fastify/fast-json-stringify-compiler') as unknown as Compilers['buildSerializer'],
  };
}
