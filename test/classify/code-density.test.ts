// Code density: the share of a message's characters on code lines, with fences, indentation, line endings
// and keyword starts, and the prose that must not count; and a property that the one-pass reading agrees
// with the definition read line by line with regular expressions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeDensity } from '../../src/classify/index.js';
import { CODE_STARTS } from '../../src/classify/code-density.js';

/** The expected share, computed from line lengths the way the definition reads. */
const share = (codeChars: number, allChars: number): number => Math.round((codeChars / allChars) * 1000) / 1000;

/** The definition (code-density.ts, top) read literally, line by line. */
function plainDensity(text: string): number {
  let total = 0;
  let code = 0;
  let fenced = false;
  const looksLikeCode = (line: string): boolean => {
    if (/^[ \t]*$/.test(line)) return false;
    if (/[;{}][ \t]*$/.test(line)) return true;
    const body = line.replace(/^[ \t]+/, '');
    const indented = line.startsWith('\t') || line.length - body.length >= 4;
    if (indented && !/^([-*+] |\d+[.)])/.test(body)) return true;
    return CODE_STARTS.some((s) => body.startsWith(s));
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    total += line.length;
    if (line.length === 0) continue;
    if (/^ {0,3}(```|~~~)/.test(line)) {
      fenced = !fenced;
      code += line.length;
    } else if (fenced || looksLikeCode(line)) {
      code += line.length;
    }
  }
  return total === 0 ? 0 : share(code, total);
}

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

  it('agrees with the definition read line by line', () => {
    const lead = fc.constantFrom('', ' ', '  ', '   ', '    ', '\t', ' \t', '     ');
    const body = fc.constantFrom('```', '~~~', '``', '```js', 'def f', 'import x', '- item', '+ x', '1. one', '12) two', '3x', 'hello', 'Return 1', 'return 1', 'SELECT *', '', '$ ls', '//', '</a>', 'é', '\r', ' ');
    const tail = fc.constantFrom('', '', ' ', '\t', ';', '{', '}', ' }  ', '\r', '; \r', 'x');
    const line = fc.tuple(lead, body, tail).map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join('\n');
        expect(codeDensity(text)).toBe(plainDensity(text));
      }),
      { numRuns: 3000 },
    );
  });
});
