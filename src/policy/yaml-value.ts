// From the yaml syntax tree to plain values, enforcing the loader's safety rules on the way: no tags, no
// `__proto__`-like keys, no duplicate keys, bounded alias expansion and depth. One walk does all of it.
import { isAlias, isMap, isScalar, isSeq, type Alias, type LineCounter, type Node as YamlNode } from 'yaml';
import type { Diagnostic, DiagnosticCode } from '../errors.js';
import { diagnostic, quote } from './diagnostic.js';
import { joinPointer } from './pointer.js';

export const MAX_DEPTH = 64;
export const MAX_ALIAS_EXPANSIONS = 100;
export const MAX_ALIAS_NODES = 10_000;

// Keys that would reach or shadow an object's prototype machinery if they were ever assigned.
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ConvertedDocument {
  readonly value: unknown;
  readonly aliasTargets: ReadonlyMap<Alias, YamlNode>;
}

interface State {
  readonly file: string;
  readonly text: string;
  readonly lines: LineCounter;
  readonly diagnostics: Diagnostic[];
  /** Anchors defined so far in document order (an alias refers to the last one before it). */
  readonly anchors: Map<string, YamlNode>;
  readonly aliasTargets: Map<Alias, YamlNode>;
  expansions: number;
  expandedNodes: number;
  /** > 0 while copying an alias target: anchors seen there were registered when first converted. */
  expanding: number;
  /** The alias written in the document whose expansion is under way: where a limit is reported. */
  outer: { node: Alias; pointer: string } | undefined;
  /** Set by a limit: the rest of the document is not converted. */
  aborted: boolean;
}

/** Convert one document's root node; diagnostics are appended to `diagnostics`. */
export function toPlainValue(root: YamlNode, file: string, text: string, lines: LineCounter, diagnostics: Diagnostic[]): ConvertedDocument {
  const state: State = {
    file,
    text,
    lines,
    diagnostics,
    anchors: new Map(),
    aliasTargets: new Map(),
    expansions: 0,
    expandedNodes: 0,
    expanding: 0,
    outer: undefined,
    aborted: false,
  };
  const value = convert(root, '', 0, state);
  return { value, aliasTargets: state.aliasTargets };
}

function report(state: State, node: YamlNode | number, pointer: string, code: DiagnosticCode, message: string): void {
  const { line, col } = state.lines.linePos(typeof node === 'number' ? node : (node.range?.[0] ?? 0));
  state.diagnostics.push(diagnostic({ file: state.file, line: Math.max(1, line), col: Math.max(1, col) }, pointer, code, message));
}

function abort(state: State, node: YamlNode, pointer: string, code: DiagnosticCode, message: string): null {
  report(state, node, pointer, code, message);
  state.aborted = true;
  return null;
}

function convert(node: unknown, pointer: string, depth: number, state: State): unknown {
  if (state.aborted || !(isAlias(node) || isScalar(node) || isMap(node) || isSeq(node))) return null;
  if (state.expanding > 0 && ++state.expandedNodes > MAX_ALIAS_NODES) {
    return abort(state, state.outer?.node ?? node, state.outer?.pointer ?? pointer, 'yaml_alias_limit', `aliases expand to more than ${MAX_ALIAS_NODES} nodes in this document`);
  }
  if (isAlias(node)) return expandAlias(node, pointer, depth, state);
  if (node.tag !== undefined) reportTag(state, node, node.tag, pointer);
  let value: unknown;
  if (isScalar(node)) {
    value = scalarValue(node.value);
  } else {
    if (depth + 1 > MAX_DEPTH) return abort(state, node, pointer, 'yaml_depth', `collections are nested more than ${MAX_DEPTH} levels deep`);
    value = isMap(node) ? convertMap(node.items, pointer, depth + 1, state) : node.items.map((item, i) => convert(item, joinPointer(pointer, i), depth + 1, state));
  }
  if (node.anchor !== undefined && state.expanding === 0) state.anchors.set(node.anchor, node);
  return value;
}

function convertMap(items: readonly { key: unknown; value: unknown }[], pointer: string, depth: number, state: State): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Map<string, YamlNode>();
  for (const pair of items) {
    const parsedKey = keyText(pair.key, pointer, state);
    if (parsedKey === undefined) continue;
    const { text: key, node: keyNode } = parsedKey;
    const childPointer = joinPointer(pointer, key);
    if (FORBIDDEN_KEYS.has(key)) {
      report(state, keyNode, childPointer, 'forbidden_key', `key ${quote(key)} is not allowed`);
      continue;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      const at = state.lines.linePos(first.range?.[0] ?? 0);
      report(state, keyNode, childPointer, 'duplicate_key', `duplicate key ${quote(key)} (first at line ${at.line}, col ${at.col})`);
      continue;
    }
    seen.set(key, keyNode);
    // INVARIANT: `key` is not `__proto__`, so this assignment creates an own property and never touches a prototype.
    out[key] = convert(pair.value, childPointer, depth, state);
  }
  return out;
}

function keyText(key: unknown, pointer: string, state: State): { text: string; node: YamlNode } | undefined {
  if (isScalar(key) && key.value !== null && key.value !== undefined && key.value !== '' && key.tag === undefined) {
    const v = scalarValue(key.value);
    return { text: typeof v === 'string' ? v : String(v), node: key };
  }
  if (isScalar(key) && key.tag !== undefined) {
    reportTag(state, key, key.tag, pointer);
    return undefined;
  }
  const node = isScalar(key) || isMap(key) || isSeq(key) || isAlias(key) ? key : undefined;
  if (node !== undefined) {
    const what = isScalar(node) ? (node.value === '' ? 'an empty string' : 'an empty key') : isAlias(node) ? 'an alias' : isMap(node) ? 'a mapping' : 'a list';
    report(state, node, pointer, 'invalid_key', `a mapping key must be a plain name, got ${what}`);
  }
  return undefined;
}

function expandAlias(node: Alias, pointer: string, depth: number, state: State): unknown {
  const target = state.aliasTargets.get(node) ?? state.anchors.get(node.source);
  if (target === undefined) {
    report(state, node, pointer, 'yaml_unknown_alias', `alias ${quote(`*${node.source}`)} refers to no earlier anchor ${quote(`&${node.source}`)}`);
    return null;
  }
  if (state.expanding === 0) state.outer = { node, pointer };
  if (++state.expansions > MAX_ALIAS_EXPANSIONS) {
    return abort(state, state.outer?.node ?? node, state.outer?.pointer ?? pointer, 'yaml_alias_limit', `more than ${MAX_ALIAS_EXPANSIONS} alias expansions in this document`);
  }
  state.aliasTargets.set(node, target);
  state.expanding++;
  try {
    return convert(target, pointer, depth, state);
  } finally {
    state.expanding--;
    if (state.expanding === 0) state.outer = undefined;
  }
}

function scalarValue(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null ? value : String(value);
}

// The node's range starts at its value; the tag written before it is where the mistake is.
function reportTag(state: State, node: YamlNode, tag: string, pointer: string): void {
  const written = shortTag(tag);
  const start = node.range?.[0] ?? 0;
  const at = state.text.lastIndexOf(written, start);
  const offset = at >= 0 && start - at <= 256 ? at : start;
  report(state, offset, pointer, 'yaml_tag', `yaml tag ${quote(written)} is not allowed; write the plain value`);
}

// `tag:yaml.org,2002:str` is what the user wrote as `!!str`.
function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}
