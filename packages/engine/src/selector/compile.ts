import type { LabelMap, SelectorNode } from './ast.ts';

/** A compiled selector: pure, allocation-free, safe to call from hot loops. */
export type Matcher = (labels: LabelMap) => boolean;

const always: Matcher = () => true;

/** Turns `node` into a tree of closures specialised per operator (§10.3 semantics); `in` sets become `Set`s. */
export function compile(node: SelectorNode): Matcher {
  switch (node.kind) {
    case 'all':
    case 'global':
      return always;
    case 'has': {
      const { key } = node;
      return (labels) => labels.has(key);
    }
    case 'eq': {
      const { key, value } = node;
      return (labels) => labels.get(key) === value;
    }
    case 'neq': {
      const { key, value } = node;
      return (labels) => labels.get(key) !== value;
    }
    case 'contains': {
      const { key, value } = node;
      return (labels) => labels.get(key)?.includes(value) ?? false;
    }
    case 'startsWith': {
      const { key, value } = node;
      return (labels) => labels.get(key)?.startsWith(value) ?? false;
    }
    case 'endsWith': {
      const { key, value } = node;
      return (labels) => labels.get(key)?.endsWith(value) ?? false;
    }
    case 'in': {
      const { key } = node;
      const values = new Set(node.values);
      return (labels) => {
        const value = labels.get(key);
        return value !== undefined && values.has(value);
      };
    }
    case 'notIn': {
      const { key } = node;
      const values = new Set(node.values);
      return (labels) => {
        const value = labels.get(key);
        return value === undefined || !values.has(value);
      };
    }
    case 'not': {
      const operand = compile(node.operand);
      return (labels) => !operand(labels);
    }
    case 'and':
    case 'or':
      return compileChain(node.kind, node.operands.map(compile));
  }
}

/** Short-circuiting `&&` / `||`; two operands (the common case) avoid the loop. */
function compileChain(kind: 'and' | 'or', operands: readonly Matcher[]): Matcher {
  const [first, second] = operands;
  if (operands.length === 2 && first && second) {
    return kind === 'and' ? (labels) => first(labels) && second(labels) : (labels) => first(labels) || second(labels);
  }
  if (kind === 'and') {
    return (labels) => {
      for (let i = 0; i < operands.length; i++) if (!operands[i]!(labels)) return false;
      return true;
    };
  }
  return (labels) => {
    for (let i = 0; i < operands.length; i++) if (operands[i]!(labels)) return true;
    return false;
  };
}
