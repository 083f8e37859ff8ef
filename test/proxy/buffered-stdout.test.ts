// The server log's standard output: lines are held until a batch is full or `flushEveryMs` has passed since the
// first of them, deferred lines keep their place among the others, and what is held is written on flushSync (exit). Run in a child process: it owns its fd 1.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const logger = pathToFileURL(join(root, 'dist', 'proxy', 'logger.js')).href;

const script = `
import { writeSync } from 'node:fs';
import { bufferedStdout } from ${JSON.stringify(logger)};
const out = bufferedStdout(64, 100);
process.on('exit', () => out.flushSync());
const mark = (n) => writeSync(1, 'mark-' + n + '\\n');
out.write('one\\n');
out.write('two\\n');
mark(1);
out.write('x'.repeat(70) + '\\n');
mark(2);
out.write('three é\\n');
setTimeout(() => {
  mark(3);
  out.defer((a, b, c) => a + b + c + '\\n', 'fo', 'u', 'r');
  out.write('after four\\n');
  out.defer((a, b, c) => [a, b, c].join('-') + '\\n', 's', 'i', 'x');
  mark('not yet');
  out.flushSync();
  mark(4);
  for (let i = 0; i < 40; i++) out.defer((n) => 'deferred ' + n + '\\n', i);
  mark(5);
  out.write('five\\n');
}, 400);
`;

describe('buffered standard output', () => {
  it('holds lines until a batch is full or the flush interval passes, and writes the rest at exit', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const deferred = Array.from({ length: 40 }, (_, i) => `deferred ${i}`);
    expect(run.stdout.split('\n')).toEqual([
      'mark-1', 'one', 'two', 'x'.repeat(70), 'mark-2', 'three é', 'mark-3', 'mark-not yet', 'four', 'after four', 's-i-x', 'mark-4',
      // The 32nd deferred line has the 32 rendered at once; their full 64-byte batches go out (all but the last
      // two lines, still in the buffer); the other eight wait for the next write.
      ...deferred.slice(0, 30), 'mark-5', ...deferred.slice(30), 'five', '',
    ]);
  });
});
