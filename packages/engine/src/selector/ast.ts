/** Labels of an endpoint or network set, as the selector sees them (§2 effective labels). */
export type LabelMap = ReadonlyMap<string, string>;

/** Operators that compare one label with one string. */
export type CompareKind = 'eq' | 'neq' | 'contains' | 'startsWith' | 'endsWith';

/** A parsed selector. `and`/`or` hold two or more operands when built by the parser or the helpers. */
export type SelectorNode =
  | { readonly kind: 'all' }
  | { readonly kind: 'global' }
  | { readonly kind: 'has'; readonly key: string }
  | { readonly kind: CompareKind; readonly key: string; readonly value: string }
  | { readonly kind: 'in' | 'notIn'; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: 'not'; readonly operand: SelectorNode }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly SelectorNode[] };

type Leaf = Exclude<SelectorNode, { kind: 'not' | 'and' | 'or' }>;

export const ALL: SelectorNode = Object.freeze({ kind: 'all' });
export const GLOBAL: SelectorNode = Object.freeze({ kind: 'global' });

/**
 * Conjunction of `nodes`: nested `and`s are flattened, `all()` operands dropped, and no operand gives `ALL`.
 * Because `all()` operands vanish, apply `replaceAll` to the operands first when the GNP rewrite (§3) applies.
 */
export function and(...nodes: SelectorNode[]): SelectorNode {
  const operands: SelectorNode[] = [];
  const add = (node: SelectorNode): void => {
    if (node.kind === 'and') node.operands.forEach(add);
    else if (node.kind !== 'all') operands.push(node);
  };
  nodes.forEach(add);
  if (operands.length <= 1) return operands[0] ?? ALL;
  return { kind: 'and', operands };
}

export function not(node: SelectorNode): SelectorNode {
  return { kind: 'not', operand: node };
}

export function has(key: string): SelectorNode {
  return { kind: 'has', key };
}

export function equals(key: string, value: string): SelectorNode {
  return { kind: 'eq', key, value };
}

export function inSet(key: string, values: readonly string[]): SelectorNode {
  return { kind: 'in', key, values: [...values] };
}

/** Copy of `node` in which every label key `k` reads `prefix + k` (the `pcns.` / `pcsa.` scoping of §3, §6.2). */
export function prefixLabels(node: SelectorNode, prefix: string): SelectorNode {
  return mapLeaves(node, (leaf) => ('key' in leaf ? { ...leaf, key: prefix + leaf.key } : leaf));
}

/** Copy of `node` in which every `all()` is `replacement` (the GNP rewrite rule of §3). */
export function replaceAll(node: SelectorNode, replacement: SelectorNode): SelectorNode {
  return mapLeaves(node, (leaf) => (leaf.kind === 'all' ? replacement : leaf));
}

/** True when `global()` appears anywhere in `node`. */
export function usesGlobal(node: SelectorNode): boolean {
  switch (node.kind) {
    case 'global':
      return true;
    case 'not':
      return usesGlobal(node.operand);
    case 'and':
    case 'or':
      return node.operands.some(usesGlobal);
    default:
      return false;
  }
}

/** True when the whole expression is `global()` (the only form an entity `namespaceSelector` may use it in, §11). */
export function isGlobalOnly(node: SelectorNode): boolean {
  return node.kind === 'global';
}

function mapLeaves(node: SelectorNode, map: (leaf: Leaf) => SelectorNode): SelectorNode {
  switch (node.kind) {
    case 'not':
      return { kind: 'not', operand: mapLeaves(node.operand, map) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((operand) => mapLeaves(operand, map)) };
    default:
      return map(node);
  }
}
