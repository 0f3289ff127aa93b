import type { SelectorNode } from './ast.ts';

const OPERATOR = { eq: '==', neq: '!=', contains: 'contains', startsWith: 'starts with', endsWith: 'ends with' };

/**
 * Calico's rendering of a selector (§10.4): one spelling per parsed meaning, and it parses back to itself.
 * Two deliberate departures keep that promise for any AST: a double negation renders as its operand (upstream
 * prints `!!x`, which re-parses as `x`), and an empty `and`/`or` renders as `all()`/`!all()`.
 * Known limit: a key outside the label alphabet, or a value holding both quote kinds, cannot be written back.
 */
export function canonicalize(node: SelectorNode): string {
  switch (node.kind) {
    case 'all':
    case 'global':
      return `${node.kind}()`;
    case 'has':
      return `has(${node.key})`;
    case 'eq':
    case 'neq':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return `${node.key} ${OPERATOR[node.kind]} ${quote(node.value)}`;
    case 'in':
    case 'notIn':
      return `${node.key} ${node.kind === 'in' ? 'in' : 'not in'} {${sortedSet(node.values).map(quote).join(', ')}}`;
    case 'not':
      return node.operand.kind === 'not' ? canonicalize(node.operand.operand) : `!${canonicalize(node.operand)}`;
    case 'and':
    case 'or': {
      const [only, ...rest] = node.operands;
      if (only === undefined) return node.kind === 'and' ? 'all()' : '!all()';
      if (rest.length === 0) return canonicalize(only);
      return `(${node.operands.map(canonicalize).join(node.kind === 'and' ? ' && ' : ' || ')})`;
    }
  }
}

/** Double quotes unless the value holds one; literals have no escapes. */
function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort(byCodePoint);
}

/** Upstream sorts Go strings, i.e. by UTF-8 bytes, which is code-point order (UTF-16 differs above U+FFFF). */
function byCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
