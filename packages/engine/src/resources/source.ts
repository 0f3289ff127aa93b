// YAML/JSON text → documents with locators that map field paths back to line and column.

import type { LineCounter as LineCounterT, Node } from 'yaml';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Issue } from '../model.ts';
import { yamlTooDeep } from './depth.ts';
import type { Locator, Path, Position } from './report.ts';

export interface ParsedDocument {
  value: unknown;
  locator: YamlLocator;
}

/** A Locator that can also be re-rooted at a sub-path (a `List`'s item). */
export interface YamlLocator extends Locator {
  child(path: Path): YamlLocator;
}

/** Parses a multi-document YAML (or JSON) stream. Syntax errors become 'yaml-syntax' issues and drop that document. */
export function parseText(file: string, text: string, issues: Issue[]): ParsedDocument[] {
  const deep = yamlTooDeep(text);
  if (deep) {
    const { line, column, message } = deep;
    issues.push({ code: 'yaml-syntax', severity: 'error', message: `YAML ${message}`, file, line, column, path: '' });
    return [];
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const out: ParsedDocument[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        issues.push({
          code: 'yaml-syntax',
          severity: 'error',
          message: `YAML syntax error: ${firstLine(e.message)}`,
          file,
          line: pos.line,
          column: pos.col,
          path: '',
        });
      }
      continue;
    }
    const root = doc.contents;
    if (!root) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const pos = root.range ? lineCounter.linePos(root.range[0]) : { line: 0, col: 0 };
      const reason = e instanceof Error ? e.message : String(e);
      issues.push({
        code: 'yaml-syntax',
        severity: 'error',
        message: `YAML document could not be read: ${reason}`,
        file,
        line: pos.line,
        column: pos.col,
        path: '',
      });
      continue;
    }
    out.push({ value, locator: yamlLocator(root, lineCounter) });
  }
  return out;
}

const firstLine = (s: string): string => s.split('\n')[0] ?? s;

interface Found {
  node: Node;
  /** True when every segment of the path was found. */
  complete: boolean;
}

function walk(root: Node, path: Path): Found {
  let node: Node = root;
  for (const [i, seg] of path.entries()) {
    if (isMap(node) && typeof seg === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return { node, complete: false };
      if (isNode(pair.value) && pair.value.range) node = pair.value;
      else if (isNode(pair.key)) return { node: pair.key, complete: i === path.length - 1 };
      else return { node, complete: false };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!isNode(item) || !item.range) return { node, complete: false };
      node = item;
    } else return { node, complete: false };
  }
  return { node, complete: true };
}

function yamlLocator(root: Node, lc: LineCounterT): YamlLocator {
  const pos = (offset: number): Position => {
    const { line, col } = lc.linePos(offset);
    return { line, column: col };
  };
  return {
    line: root.range ? pos(root.range[0]).line : 0,
    position(path, offset) {
      const { node, complete } = walk(root, path);
      if (!node.range) return { line: 0, column: 0 };
      let start = node.range[0];
      if (complete && offset !== undefined && isScalar(node)) {
        const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
        const singleLine = pos(node.range[0]).line === pos(node.range[1]).line;
        if ((quoted || node.type === Scalar.PLAIN) && singleLine) start += offset + (quoted ? 1 : 0);
      }
      return pos(start);
    },
    child(path) {
      return yamlLocator(walk(root, path).node, lc);
    },
  };
}

/** Locator for objects that did not come from text: every position is 0. */
export const NOWHERE: YamlLocator = {
  line: 0,
  position: () => ({ line: 0, column: 0 }),
  child: () => NOWHERE,
};
