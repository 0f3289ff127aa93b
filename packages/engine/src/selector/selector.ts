import { ok, type Result } from '../result.ts';
import type { LabelMap, SelectorNode } from './ast.ts';
import { canonicalize } from './canonical.ts';
import { compile } from './compile.ts';
import type { SelectorError } from './lex.ts';
import { parse } from './parse.ts';

/** A selector compiled once and evaluated many times. */
export interface Selector {
  readonly ast: SelectorNode;
  /** Calico's canonical string form (§10.4), stable across spellings. */
  readonly canonical: string;
  /** True when `labels` satisfy the selector; allocation-free. */
  matches(labels: LabelMap): boolean;
}

/**
 * Parses and compiles a Calico selector; blank text is `all()`. Never throws.
 * Known limit: the API's 1024-character bound on a selector is a validation rule and is not checked here.
 */
export function parseSelector(text: string): Result<Selector, SelectorError> {
  const parsed = parse(text);
  return parsed.ok ? ok(selectorFromAst(parsed.value)) : parsed;
}

/** Compiles an AST built by the helpers (or taken from another selector). */
export function selectorFromAst(node: SelectorNode): Selector {
  return { ast: node, canonical: canonicalize(node), matches: compile(node) };
}
