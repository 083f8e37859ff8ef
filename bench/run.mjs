// `npm run bench [-- name…]`: runs bench/*.bench.mjs (or the named ones) one after another and prints
// markdown tables; also writes them to .bench-out/results.md for docs/benchmarks.md.
import { readdir, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { Group, measure, summarize, fmtNs } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.mjs')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));

const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform} ${os.release()}, node ${process.version}`;
const out = [`# Benchmark run ${new Date().toISOString()}`, '', `Machine: ${machine}`, ''];
console.log(out.join('\n'));
for (const file of files) {
  const mod = await import(pathToFileURL(join(here, file)).href);
  const groups = [];
  const h = { measure, summarize, fmtNs, group: (title, note) => { const g = new Group(title, note); groups.push(g); return g; } };
  const started = Date.now();
  await mod.default(h);
  for (const g of groups) {
    const md = g.toMarkdown();
    console.log(md);
    out.push(md);
  }
  console.log(`(${file}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
await mkdir(join(here, '..', '.bench-out'), { recursive: true });
await writeFile(join(here, '..', '.bench-out', 'results.md'), out.join('\n'));
