// Where a key literal in a value is reported: at the value, or — inside a multi-line value — at the line it is on.
import { describe, expect, it } from 'vitest';
import { findKeyLiterals } from '../../src/policy/key-literals.js';
import { parsePolicyFile } from '../../src/policy/yaml-parse.js';

// Key-shaped, not a key: assembled so that nothing scanning the repository for credentials mistakes it for one.
const KEY = `sk-proj-${'a'.repeat(30)}0123456789`;

const literals = (text: string) =>
  parsePolicyFile('p.yaml', text).documents.flatMap((d) => findKeyLiterals(d)).map((d) => [d.line, d.col, d.pointer]);

describe('key literals in values', () => {
  it('points at the line of a block scalar the key is on, not at its `|`', () => {
    const text = `metadata:\n  description: |\n    first line\n    second line\n    temporary: ${KEY}\n    last line\n`;
    expect(literals(text)).toEqual([[5, 16, '/metadata/description']]);
  });

  it('does the same in a folded block and a multi-line quoted scalar', () => {
    expect(literals(`a: >\n  one\n  two ${KEY}\n`)).toEqual([[3, 7, '/a']]);
    expect(literals(`a: "one\n  two ${KEY}"\n`)).toEqual([[2, 7, '/a']]);
  });

  it('keeps a one-line value at the value, and a key at the key', () => {
    expect(literals(`a: "use ${KEY} for now"\nb:\n  ${KEY}: x\n`)).toEqual([
      [1, 4, '/a'],
      [3, 3, `/b/${KEY}`],
    ]);
  });
});
