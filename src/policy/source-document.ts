// One YAML document with its parsed value and the position of every node, so that any stage can point at
// file:line:col. The yaml syntax tree and line index are kept; a JSON pointer is resolved to a node on demand.
import { isAlias, isMap, isScalar, isSeq, type Alias, type LineCounter, type Node as YamlNode } from 'yaml';
import type { SourceLocation } from './model.js';
import { splitPointer } from './pointer.js';

/**
 * `key`: the key of a mapping entry (unknown field, duplicate); `value`: a scalar value itself (bad reference),
 * or the key when the value is a collection; `node`: the value node whatever it is (a wrong type: `metadata: []`
 * is pointed at the `[`). An empty value (`key:` and nothing) is pointed at its key in every case.
 */
export type LocateTarget = 'key' | 'value' | 'node';

export class SourceDocument {
  constructor(
    /** The path diagnostics print. */
    readonly file: string,
    /** The plain value (validated later); null-free of `__proto__` & co. */
    readonly value: unknown,
    private readonly root: YamlNode,
    private readonly lines: LineCounter,
    /** Where each alias node of the document points (resolved while converting, in document order). */
    private readonly aliasTargets: ReadonlyMap<Alias, YamlNode>,
    /** The file's text, to find a part of a multi-line value. */
    private readonly text = '',
  ) {}

  /** Where the document starts (its first key). */
  get start(): SourceLocation {
    return this.at(this.root.range?.[0] ?? 0);
  }

  /** The location of the node at `pointer`, or of its nearest existing ancestor. */
  locate(pointer: string, target: LocateTarget = 'value'): SourceLocation {
    let node: YamlNode | null = this.root;
    let key: YamlNode | null = null;
    for (const segment of splitPointer(pointer)) {
      const step = this.child(node, segment);
      if (step === undefined) return this.pick(node, key, 'key');
      node = step.node;
      key = step.key;
    }
    return this.pick(node, key, target);
  }

  /**
   * Where `part` is written inside the scalar at `pointer`, when that is on a later line than the scalar starts
   * (the third line of a `description: |` block); else where `locate` puts the value.
   */
  locatePart(pointer: string, part: string): SourceLocation {
    const whole = this.locate(pointer);
    let node: YamlNode | null = this.root;
    for (const segment of splitPointer(pointer)) {
      const step = this.child(node, segment);
      if (step === undefined) return whole;
      node = step.node;
    }
    const range = isScalar(node) ? node.range : undefined;
    if (range === undefined || range === null || part === '') return whole;
    const found = this.text.indexOf(part, range[0]);
    if (found < 0 || found + part.length > range[1]) return whole;
    const at = this.at(found);
    return at.line > whole.line ? at : whole;
  }

  private child(node: YamlNode | null, segment: string): { node: YamlNode | null; key: YamlNode | null } | undefined {
    const resolved = this.deref(node);
    if (isMap(resolved)) {
      for (const pair of resolved.items) {
        const k = pair.key;
        if (isScalar(k) && String(k.value) === segment) return { node: asNode(pair.value), key: k };
      }
      return undefined;
    }
    if (isSeq(resolved) && /^\d+$/.test(segment)) {
      const item = resolved.items[Number(segment)];
      return item === undefined ? undefined : { node: asNode(item), key: null };
    }
    return undefined;
  }

  private deref(node: YamlNode | null): YamlNode | null {
    // INVARIANT: converting the document resolved every alias it reached; one step suffices because an
    // anchor target is never itself an alias node.
    return isAlias(node) ? (this.aliasTargets.get(node) ?? node) : node;
  }

  private pick(node: YamlNode | null, key: YamlNode | null, target: LocateTarget): SourceLocation {
    const scalarValue = isScalar(node) && !isEmptyScalar(node) ? node : isAlias(node) ? node : null;
    const present = node !== null && !isEmptyScalar(node) ? node : null;
    const chosen = target === 'value' ? (scalarValue ?? key ?? node) : target === 'node' ? (present ?? key ?? node) : (key ?? node);
    return this.at(chosen?.range?.[0] ?? this.root.range?.[0] ?? 0);
  }

  private at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line: Math.max(1, line), col: Math.max(1, col) };
  }
}

function asNode(value: unknown): YamlNode | null {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value) ? value : null;
}

// `key:` with nothing after it: the scalar's range is the empty span after the colon; the key reads better.
function isEmptyScalar(node: YamlNode): boolean {
  const range = node.range;
  return isScalar(node) && node.value === null && range !== null && range !== undefined && range[0] === range[1];
}
