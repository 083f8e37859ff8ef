// The YAML layer on its own: plain values out, positions kept, and every safety rule holding.
import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../src/policy/yaml-parse.js';

const parse = (text: string) => parsePolicyFile('p.yaml', text);
const located = (text: string) => parse(text).diagnostics.map((d) => [d.code, d.line, d.col, d.pointer]);

describe('parsePolicyFile', () => {
  it('yields one plain value per non-empty document, with positions in the whole file', () => {
    const { documents, diagnostics } = parse('a: 1\nb: [x, "y"]\n---\n# empty\n---\nc:\n  d: true\n  e: ~\n');
    expect(diagnostics).toEqual([]);
    expect(documents.map((d) => d.value)).toEqual([{ a: 1, b: ['x', 'y'] }, { c: { d: true, e: null } }]);
    expect(documents[1]?.start).toEqual({ file: 'p.yaml', line: 6, col: 1 });
    expect(documents[1]?.locate('/c/d')).toEqual({ file: 'p.yaml', line: 7, col: 6 });
    expect(documents[1]?.locate('/c/d', 'key')).toEqual({ file: 'p.yaml', line: 7, col: 3 });
    // an empty value points at its key; a collection value at its key
    expect(documents[1]?.locate('/c/e')).toEqual({ file: 'p.yaml', line: 8, col: 6 });
    expect(documents[1]?.locate('/c')).toEqual({ file: 'p.yaml', line: 6, col: 1 });
  });

  it('uses YAML 1.2 core scalars: no yes/no booleans, no sexagesimals, no timestamps', () => {
    const { documents } = parse('a: yes\nb: 1:30\nc: 2027-01-01\nd: 0x10\ne: .5\n');
    expect(documents[0]?.value).toEqual({ a: 'yes', b: '1:30', c: '2027-01-01', d: 16, e: 0.5 });
  });

  it('turns scalar keys into strings and resolves escaped pointer segments', () => {
    const { documents } = parse('labels:\n  200: ok\n  a/b~c: slash\n');
    expect(documents[0]?.value).toEqual({ labels: { '200': 'ok', 'a/b~c': 'slash' } });
    expect(documents[0]?.locate('/labels/a~1b~0c')).toEqual({ file: 'p.yaml', line: 3, col: 10 });
  });

  it('refuses __proto__, constructor and prototype keys and leaves Object.prototype alone', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const text = '__proto__: { polluted: true }\nx:\n  "__proto__": { polluted: true }\n  y: { constructor: { prototype: { polluted: true } } }\n  z: [{ prototype: 1 }]\n';
    const { documents, diagnostics } = parse(text);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([
      ['forbidden_key', 1, 1],
      ['forbidden_key', 3, 3],
      ['forbidden_key', 4, 8],
      ['forbidden_key', 5, 9],
    ]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
    const value = documents[0]?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(false);
    expect(value.x).toEqual({ y: {}, z: [{}] });
  });

  it('reports a duplicate key at the second one, keeping the first value', () => {
    const { documents, diagnostics } = parse('a: 1\nb: 2\n"a": 3\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([['duplicate_key', 3, 1, 'duplicate key `a` (first at line 1, col 1)']]);
    expect(documents[0]?.value).toEqual({ a: 1, b: 2 });
  });

  it('refuses keys that are empty, collections or aliases', () => {
    expect(located('? [a]\n: 1\n? { b: 1 }\n: 2\n~: 3\n"": 4\nc: { \'\': 5 }\n')).toEqual([
      ['invalid_key', 1, 3, ''],
      ['invalid_key', 3, 3, ''],
      ['invalid_key', 5, 1, ''],
      ['invalid_key', 6, 1, ''],
      ['invalid_key', 7, 6, '/c'],
    ]);
    expect(parse('"": 4\n').diagnostics[0]?.message).toBe('a mapping key must be a plain name, got an empty string');
  });

  it('refuses tags anywhere, located at the tag', () => {
    expect(located('a: !!str 1\n!!str b: 2\nc: !custom\n  d: 1\n')).toEqual([
      ['yaml_tag', 1, 4, '/a'],
      ['yaml_tag', 2, 1, ''],
      ['yaml_tag', 3, 4, '/c'],
    ]);
  });

  it('expands aliases to the last anchor before them, as copies', () => {
    const { documents, diagnostics } = parse('a: &x [1, 2]\nb: *x\nc: &x { k: v }\nd: *x\n');
    expect(diagnostics).toEqual([]);
    const value = documents[0]?.value as Record<string, unknown>;
    expect(value).toEqual({ a: [1, 2], b: [1, 2], c: { k: 'v' }, d: { k: 'v' } });
    expect(value.b).not.toBe(value.a);
    // a pointer through an alias lands on the anchored node
    expect(documents[0]?.locate('/d/k')).toEqual({ file: 'p.yaml', line: 3, col: 12 });
  });

  it('refuses an alias to an unknown anchor and a self-referencing anchor', () => {
    expect(located('a: *nope\n')).toEqual([['yaml_unknown_alias', 1, 4, '/a']]);
    expect(located('a: &loop [1, *loop]\n')).toEqual([['yaml_unknown_alias', 1, 14, '/a/1']]);
  });

  it('stops an alias bomb by node count as well as expansion count', () => {
    const wide = `a: &w [${Array.from({ length: 3000 }, () => '0').join(', ')}]\nb: [*w, *w, *w, *w]\n`;
    const { documents, diagnostics } = parse(wide);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['yaml_alias_limit', 2, 17]]);
    expect(documents).toHaveLength(1);
  });

  it('bounds nesting, including nesting built through aliases', () => {
    const deepFlow = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    expect(located(deepFlow)).toEqual([['yaml_depth', 1, 67, '']]);
    const deepBlock = `a:\n${Array.from({ length: 80 }, (_, i) => `${' '.repeat(2 * i + 2)}b:`).join('\n')} 1\n`;
    expect(located(deepBlock).map(([code]) => code)).toEqual(['yaml_depth']);
    const nest = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const viaAlias = `a: &deep ${nest(40)}\nb: ${nest(30).replace('1', '*deep')}\n`;
    expect(located(viaAlias).map(([code]) => code)).toEqual(['yaml_depth']);
  });

  it('reports the first syntax error of a file, at its place, as one lowercase line', () => {
    const { documents, diagnostics } = parse('a: 1\nb: c: d\n---\nx: [\n');
    expect(documents).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml_syntax', line: 2, col: 4 });
    expect(diagnostics[0]?.message).toMatch(/^invalid yaml: [a-z]/);
    expect(diagnostics[0]?.message).not.toContain('\n');
  });

  it('redacts a credential the parser quotes in a syntax error', () => {
    // Found by the loader fuzz test: the parser's message quotes the unexpected scalar.
    // Key-shaped, not a key: assembled so that nothing scanning the repository for credentials mistakes it for one.
    const keyShaped = `sk-ant-${'A'.repeat(20)}1`;
    const { diagnostics } = parse(`a---\n# c\n${keyShaped}`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml_syntax', line: 3, col: 1 });
    expect(diagnostics[0]?.message).toContain('invalid yaml: unexpected scalar token');
    expect(diagnostics[0]?.message).toContain('sk-ant-A...');
    expect(diagnostics[0]?.message).not.toContain('AAAAAAAAAAAAAAAAAAA1');
  });

  it('refuses a key literal in a comment, at the comment, redacted', () => {
    // Key-shaped, not keys: assembled so that nothing scanning the repository for credentials mistakes them for ones.
    const openai = `sk-proj-${'abcdefghij'.repeat(3)}0123456789ABCD`;
    const aws = `AKIA${'Q'.repeat(15)}7`;
    const text = `# temporary: ${openai}\na: 1 # was ${aws}\nb:\n  # ok: a plain comment\n  - x  # ${openai}\nc: |\n  # inside a block scalar: content, not a comment\n---\n# ${aws}\nd: 1\n`;
    const { diagnostics } = parse(text);
    expect(diagnostics.map((d) => [d.code, d.line, d.col, d.pointer])).toEqual([
      ['key_literal', 1, 1, ''],
      ['key_literal', 2, 6, ''],
      ['key_literal', 5, 8, ''],
      ['key_literal', 9, 1, ''],
    ]);
    expect(diagnostics[0]?.message).toBe(
      "`sk-proj-...` in a comment looks like an OpenAI-style API key; credentials never go in policy files — name an environment variable in a Provider's `credentials.env`",
    );
    for (const d of diagnostics) expect(d.message).not.toMatch(/abcdefghij|QQQQ/);
    expect(parse('# just a note: sk-learn-experiments-team\na: 1\n').diagnostics).toEqual([]);
  });

  it('reports a document that is not a mapping', () => {
    expect(located('a: 1\n---\n- x\n---\njust text\n')).toEqual([
      ['not_a_mapping', 3, 1, ''],
      ['not_a_mapping', 5, 1, ''],
    ]);
  });
});
