// Calico selectors (§10): parse → AST → compile; AST helpers for the policy compiler.
export type { LabelMap, SelectorNode } from './ast.ts';
export {
  ALL,
  and,
  equals,
  has,
  inSet,
  isGlobalOnly,
  not,
  prefixLabels,
  replaceAll,
  usesGlobal,
} from './ast.ts';
export { canonicalize } from './canonical.ts';
export type { SelectorError } from './lex.ts';
export type { Selector } from './selector.ts';
export { parseSelector, selectorFromAst } from './selector.ts';
