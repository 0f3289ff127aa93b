// The parts every resource shares: metadata and the source reference.

import type { SourceRef } from '../model.ts';
import { readLabels } from './labels.ts';
import type { NameRule } from './names.ts';
import { DNS_LABEL_RULE } from './names.ts';
import type { Obj } from './read.ts';
import type { Locator } from './report.ts';

/** One resource as found in the input, before conversion. */
export interface RawResource {
  root: Obj;
  kind: string;
  apiVersion: string;
  file: string;
  locator: Locator;
}

export interface Meta {
  name: string;
  /** Set for namespaced kinds ("default" when not written). */
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const sourceOf = (res: RawResource): SourceRef => ({ file: res.file, line: res.locator.line });

/** Reads metadata.name / namespace / labels, checks the name, and names the resource in later messages. */
export function readMeta(res: RawResource, namespaced: boolean, nameRule: NameRule): Meta | undefined {
  const { root } = res;
  const r = root.r;
  const meta = root.obj('metadata');
  if (!meta) {
    if (!root.has('metadata')) r.error('missing-field', ['metadata'], `${res.kind} needs metadata with a name`);
    return undefined;
  }
  const name = meta.reqStr('name', 'the resource name');
  let namespace: string | undefined;
  if (namespaced) {
    namespace = meta.str('namespace') || 'default';
    if (!DNS_LABEL_RULE[0](namespace)) {
      r.error(
        'invalid-name',
        meta.at('namespace'),
        `invalid namespace ${JSON.stringify(namespace)}; expected ${DNS_LABEL_RULE[1]}`,
      );
    }
  }
  if (name !== undefined) {
    r.setSubject(`${res.kind} ${namespace ? `${namespace}/` : ''}${name}`);
    if (!nameRule[0](name)) {
      r.error('invalid-name', meta.at('name'), `invalid name ${JSON.stringify(name)}; expected ${nameRule[1]}`);
    }
  }
  const labels = meta.has('labels') ? readLabels(r, meta.raw.labels, meta.at('labels')) : {};
  const annotations: Record<string, string> = {};
  const ann = meta.obj('annotations');
  for (const [k, v] of Object.entries(ann?.raw ?? {})) if (typeof v === 'string') annotations[k] = v;
  if (name === undefined) return undefined;
  return namespace === undefined ? { name, labels, annotations } : { name, namespace, labels, annotations };
}
