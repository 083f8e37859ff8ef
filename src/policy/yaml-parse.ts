// Parsing one policy file: YAML text → documents with positions. The concrete syntax tree is checked for
// nesting depth before the document tree is built, because building it recurses and a pathological file
// (thousands of `[`) would otherwise exhaust the stack.
import { Composer, LineCounter, Parser, type CST, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { redactKeyLiterals } from './credential-shapes.js';
import { diagnostic, quote } from './diagnostic.js';
import { findCommentKeyLiterals } from './key-literals.js';
import { SourceDocument } from './source-document.js';
import { MAX_DEPTH, toPlainValue } from './yaml-value.js';

// Core schema (YAML 1.2 JSON-like scalars), no custom tags, no merge keys; duplicate keys are reported by
// toPlainValue with both locations.
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'core',
  customTags: [],
  merge: false,
  uniqueKeys: false,
  prettyErrors: false,
  strict: true,
  version: '1.2',
};

export interface ParsedFile {
  readonly documents: readonly SourceDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

export function parsePolicyFile(file: string, text: string): ParsedFile {
  const lines = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { file, line: Math.max(1, line), col: Math.max(1, col) };
  };
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const deep = firstTooDeep(tokens);
  if (deep !== undefined) {
    return { documents: [], diagnostics: [diagnostic(at(deep), '', 'yaml_depth', `collections are nested more than ${MAX_DEPTH} levels deep`)] };
  }
  const docs = Array.from(new Composer(YAML_OPTIONS).compose(tokens));
  for (const doc of docs) {
    const error = doc.errors[0];
    // The first syntax error of a file is reported alone: later ones are usually its echoes.
    if (error !== undefined) return { documents: [], diagnostics: [diagnostic(at(error.pos[0]), '', 'yaml_syntax', syntaxMessage(error.message))] };
  }
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = findCommentKeyLiterals(tokens, at);
  for (const doc of docs) {
    const root = doc.contents;
    if (root === null) continue;
    const before = diagnostics.length;
    const { value, aliasTargets } = toPlainValue(root, file, text, lines, diagnostics);
    if (value === null) continue; // an empty document (or only `~`)
    const source = new SourceDocument(file, value, root, lines, aliasTargets, text);
    if (typeof value !== 'object' || Array.isArray(value)) {
      if (diagnostics.length === before) {
        const got = Array.isArray(value) ? 'a list' : `the value ${quote(value)}`;
        diagnostics.push(diagnostic(source.start, '', 'not_a_mapping', `a policy document must be a mapping with \`apiVersion\`, \`kind\`, \`metadata\` and \`spec\`, got ${got}`));
      }
      continue;
    }
    documents.push(source);
  }
  return { documents, diagnostics };
}

function syntaxMessage(message: string): string {
  const first = (message.split('\n')[0] ?? '').trim().replace(/\.$/, '').replace(/:$/, '');
  const lowered = /^[A-Z][a-z]/.test(first) ? first[0]?.toLowerCase() + first.slice(1) : first;
  // The parser's message can quote the source (`unexpected scalar token in YAML stream: "…"`): a key pasted into
  // a policy file must not reach a log or a CI page through it.
  return `invalid yaml: ${redactKeyLiterals(lowered)}`;
}

/** Offset of the earliest collection nested deeper than MAX_DEPTH, walking the syntax tree without recursion. */
function firstTooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: Array<[CST.Token, number]> = [];
  let first: number | undefined;
  for (const token of tokens) if (token.type === 'document' && token.value) stack.push([token.value, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop() as [CST.Token, number];
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > MAX_DEPTH) {
      if (first === undefined || token.offset < first) first = token.offset;
      continue;
    }
    for (const item of token.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return first;
}
