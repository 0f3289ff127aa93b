// Selector validation for resource fields (reference §10, §11).

import { isGlobalOnly, parseSelector, usesGlobal } from '../selector/index.ts';
import type { Path, Reporter } from './report.ts';

export const MAX_SELECTOR_LENGTH = 1024;

/**
 * Where a selector appears: `namespace-entity` is a rule's `source`/`destination`
 * `namespaceSelector`, the only place `global()` is allowed (and then only as the whole expression).
 */
export type SelectorPlace = 'plain' | 'entity-namespace';

/** Reports 'invalid-selector' when `text` is too long, does not parse or misuses `global()`. */
export function checkSelector(r: Reporter, text: string, path: Path, place: SelectorPlace = 'plain'): boolean {
  if (text.length > MAX_SELECTOR_LENGTH) {
    r.error(
      'invalid-selector',
      path,
      `selector is ${text.length} characters long; at most ${MAX_SELECTOR_LENGTH} are allowed`,
    );
    return false;
  }
  const parsed = parseSelector(text);
  if (!parsed.ok) {
    const { message, column } = parsed.error;
    const hint = /[\r\n]/.test(text)
      ? ' (selectors may not contain line breaks; avoid YAML block scalars like ">")'
      : '';
    r.error('invalid-selector', path, `${message} in ${JSON.stringify(text)}${hint}`, column - 1);
    return false;
  }
  const ast = parsed.value.ast;
  if (place === 'plain' && usesGlobal(ast)) {
    r.error(
      'invalid-selector',
      path,
      `global() is not allowed here; it may only be used as the whole namespaceSelector of a rule's source or destination`,
    );
    return false;
  }
  if (place === 'entity-namespace' && usesGlobal(ast) && !isGlobalOnly(ast)) {
    r.error(
      'invalid-selector',
      path,
      `a namespaceSelector that uses global() must be exactly global(), got ${JSON.stringify(text)}`,
    );
    return false;
  }
  return true;
}
