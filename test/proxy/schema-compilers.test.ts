// fastify's schema compilers are loaded when a route first has a schema (src/proxy/schema-compilers.ts): a
// route with one still validates its body and serialises its reply as fastify's own compilers do.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from '../../src/proxy/schema-compilers.js';

describe('lazy schema compilers', () => {
  it('validate a body and serialise a reply on a route with schemas', async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
    app.post(
      '/echo',
      {
        schema: {
          body: { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 1 } } },
          response: { 200: { type: 'object', properties: { doubled: { type: 'integer' } } } },
        },
      },
      (req) => ({ doubled: (req.body as { n: number }).n * 2, dropped: 'not in the response schema' }),
    );
    try {
      const ok = await app.inject({ method: 'POST', url: '/echo', payload: { n: 21 } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ doubled: 42 });
      const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 0 } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'FST_ERR_VALIDATION', message: 'body/n must be >= 1' });
    } finally {
      await app.close();
    }
  });
});
