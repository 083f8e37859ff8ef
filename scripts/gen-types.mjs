#!/usr/bin/env node
// Generates TypeScript types from schema/*.schema.json into src/policy/generated/, and the policy validators
// (ajv standalone code, one function per kind) into schema/policy.validate.cjs, so that no process compiles
// the schema at run time. `--check` fails (exit 1) when a checked-in file differs from what the schema generates.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
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

// The options src/policy/schema-validate.ts documents; a change there is a change here.
const policySchema = JSON.parse(await readFile(join(root, 'schema', 'policy.schema.json'), 'utf8'));
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  discriminator: true,
  verbose: true,
  inlineRefs: false,
  code: { source: true, optimize: false, esm: false },
});
ajv.addSchema(policySchema);
const documents = Object.keys(policySchema.$defs).filter((name) => name.endsWith('Document'));
const exports = Object.fromEntries(documents.map((name) => [name.slice(0, -'Document'.length), `${policySchema.$id}#/$defs/${name}`]));
// ASCII only (other characters as \u escapes): V8 keeps a module's source for as long as the process runs, and
// one character outside Latin-1 makes it keep all of this file at two bytes a character.
const ascii = (code) => code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const validators = `/* Generated from schema/policy.schema.json by \`npm run gen:types\` (ajv standalone). Do not edit. */\n${ascii(standaloneCode(ajv, exports))}\n`;
const validatorsPath = join(root, 'schema', 'policy.validate.cjs');
if (check) {
  const current = await readFile(validatorsPath, 'utf8').catch(() => '');
  if (current !== validators) {
    console.error('schema/policy.validate.cjs is out of date with schema/policy.schema.json: run npm run gen:types');
    drift++;
  }
} else {
  await writeFile(validatorsPath, validators);
}

if (drift) process.exit(1);
if (check) console.log('generated types and validators match schema/');
