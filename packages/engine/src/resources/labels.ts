// Label maps and Kubernetes label selectors, and their conversion to Calico selector text (§7).

import { isLabelKey, isLabelValue } from './names.ts';
import type { Obj } from './read.ts';
import { asObj } from './read.ts';
import type { Path, Reporter } from './report.ts';
import { describe } from './report.ts';

export const ORCHESTRATOR_TERM = "projectcalico.org/orchestrator == 'k8s'";

const LABEL_KEY_HELP = 'an optional DNS-subdomain prefix and "/", then 1–63 letters, digits, "-", "_" or "."';
const LABEL_VALUE_HELP = 'at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';

/** A label map (`metadata.labels`, a Service selector): string keys and values in Kubernetes syntax. */
export function readLabels(r: Reporter, value: unknown, path: Path): Record<string, string> {
  const out: Record<string, string> = {};
  const o = asObj(r, value, path, 'a map of label keys to string values');
  if (!o) return out;
  for (const [key, v] of Object.entries(o.raw)) {
    const at = o.at(key);
    if (!isLabelKey(key)) {
      r.error('invalid-value', at, `invalid label key ${JSON.stringify(key)}; expected ${LABEL_KEY_HELP}`);
      continue;
    }
    if (typeof v !== 'string') {
      r.error('wrong-type', at, `label ${key} must have a string value (quote it), got ${describe(v)}`);
      continue;
    }
    if (!isLabelValue(v)) {
      r.error('invalid-value', at, `invalid value ${JSON.stringify(v)} for label ${key}; expected ${LABEL_VALUE_HELP}`);
      continue;
    }
    out[key] = v;
  }
  return out;
}

/**
 * Converts a Kubernetes LabelSelector to Calico selector terms (to be joined with ` && `):
 * matchLabels sorted by key, then matchExpressions in order. Undefined when invalid.
 */
export function labelSelectorTerms(o: Obj): string[] | undefined {
  const r = o.r;
  const before = r.errors;
  o.known(['matchLabels', 'matchExpressions']);
  const terms: string[] = [];
  const labels = o.has('matchLabels') ? readLabels(r, o.raw.matchLabels, o.at('matchLabels')) : {};
  for (const key of Object.keys(labels).sort(byteCompare)) terms.push(`${key} == '${labels[key]}'`);
  for (const item of o.list('matchExpressions') ?? []) {
    const e = asObj(r, item.value, item.path, 'a match expression {key, operator, values}');
    if (!e) {
      if (item.value === null) r.error('wrong-type', item.path, 'expected a match expression, got null');
      continue;
    }
    e.known(['key', 'operator', 'values']);
    const key = e.reqStr('key', 'a label key');
    const op = e.reqStr('operator', 'In, NotIn, Exists or DoesNotExist');
    const values = e.strList('values');
    if (key !== undefined && !isLabelKey(key)) {
      r.error('invalid-value', e.at('key'), `invalid label key ${JSON.stringify(key)}; expected ${LABEL_KEY_HELP}`);
    }
    for (const [i, v] of (values ?? []).entries()) {
      if (!isLabelValue(v)) {
        r.error(
          'invalid-value',
          [...e.at('values'), i],
          `invalid label value ${JSON.stringify(v)}; expected ${LABEL_VALUE_HELP}`,
        );
      }
    }
    if (key === undefined || op === undefined) continue;
    const list = values ?? [];
    switch (op) {
      case 'In':
      case 'NotIn':
        if (list.length === 0) {
          r.error('missing-field', e.at('values'), `operator ${op} needs a non-empty values list`);
          continue;
        }
        terms.push(`${key} ${op === 'In' ? 'in' : 'not in'} { '${list.join("', '")}' }`);
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (list.length > 0) {
          r.error('invalid-value', e.at('values'), `operator ${op} takes no values, got ${list.length}`);
          continue;
        }
        terms.push(op === 'Exists' ? `has(${key})` : `! has(${key})`);
        break;
      default:
        r.error(
          'invalid-value',
          e.at('operator'),
          `unknown operator ${JSON.stringify(op)}; expected In, NotIn, Exists or DoesNotExist`,
        );
    }
  }
  return r.errors > before ? undefined : terms;
}

/** Pod selector text: the orchestrator term, then the selector's terms. */
export const podSelectorText = (terms: readonly string[]): string => [ORCHESTRATOR_TERM, ...terms].join(' && ');

/** Namespace selector text: the terms, or `all()` for an empty selector. */
export const namespaceSelectorText = (terms: readonly string[]): string =>
  terms.length === 0 ? 'all()' : terms.join(' && ');

/** Plain byte-wise (UTF-16 code unit) comparison; never localeCompare. */
export const byteCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
