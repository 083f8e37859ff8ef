#!/usr/bin/env node
// Generates TypeScript types from schema/*.schema.json into src/policy/generated/.
// `--check` fails (exit 1) when the checked-in files differ from what the schema generates.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src/policy/generated');
const schemas = [
  ['policy.schema.json', 'policy.ts'],
  ['request-context.schema.json', 'request-context.ts'],
  ['decision.schema.json', 'decision.ts'],
  ['traffic-record.schema.json', 'traffic-record.ts'],
];
const check = process.argv.includes('--check');
const banner = '/* Generated from schema/ by `npm run gen:types` (json-schema-to-typescript). Do not edit. */';

let drift = 0;
for (const [input, output] of schemas) {
  const schema = JSON.parse(await readFile(join(root, 'schema', input), 'utf8'));
  const ts = await compile(schema, schema.title, {
    bannerComment: banner,
    unreachableDefinitions: true,
    additionalProperties: false,
    unknownAny: true,
    maxItems: -1,
    strictIndexSignatures: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  const path = join(outDir, output);
  if (check) {
    const current = await readFile(path, 'utf8').catch(() => '');
    if (current !== ts) {
      console.error(`src/policy/generated/${output} is out of date with schema/${input}: run npm run gen:types`);
      drift++;
    }
  } else {
    await mkdir(outDir, { recursive: true });
    await writeFile(path, ts);
  }
}
if (drift) process.exit(1);
if (check) console.log('generated types match schema/');
