// Code density: the share of a message's characters on code lines, with fences, indentation, line endings
// and keyword starts, and the prose that must not count.
import { describe, expect, it } from 'vitest';
import { codeDensity } from '../../src/classify/index.js';

/** The expected share, computed from line lengths the way the definition reads. */
const share = (codeChars: number, allChars: number): number => Math.round((codeChars / allChars) * 1000) / 1000;

describe('codeDensity', () => {
  it('is 0 for empty text and for prose', () => {
    expect(codeDensity('')).toBe(0);
    expect(codeDensity('\n\n')).toBe(0);
    expect(codeDensity('How do I reset my password?\nI tried twice; it did not work.')).toBe(0);
  });

  it('counts fenced blocks, fence lines included, and an unclosed fence to the end', () => {
    const lines = ['Why is this slow?', '```python', 'for x in range(10):', '    print(x)', '```', 'Thanks'];
    const code = lines.slice(1, 5).join('').length;
    expect(codeDensity(lines.join('\n'))).toBe(share(code, lines.join('').length));
    const open = ['Look:', '~~~', 'a = 1', 'b = 2'];
    expect(codeDensity(open.join('\n'))).toBe(share(open.slice(1).join('').length, open.join('').length));
  });

  it('counts lines that look like code on their own', () => {
    const lines = ['Here is my config:', 'const port = 8080;', 'if (ready) {', '}', '\treturn x', '    indented line', 'def handler(event):', 'SELECT id FROM users'];
    const code = lines.slice(1).join('').length;
    expect(codeDensity(lines.join('\n'))).toBe(share(code, lines.join('').length));
  });

  it('does not count list items, short indents or capitalised prose', () => {
    const text = ['Steps:', '    - open the app', '    1. sign in', '  two spaces only', 'From here, continue.', 'Import the file.'].join('\n');
    expect(codeDensity(text)).toBe(0);
  });

  it('ignores carriage returns and line breaks in the count', () => {
    expect(codeDensity('x = f();\r\nplain words\r\n')).toBe(share('x = f();'.length, 'x = f();plain words'.length));
  });

  it('is linear: a megabyte of lines is read once', () => {
    const line = 'const value = compute(input);\n';
    expect(codeDensity(line.repeat(35_000))).toBe(1);
    expect(codeDensity('\n'.repeat(1_000_000))).toBe(0);
  });
});
