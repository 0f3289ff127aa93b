// Policies as YAML for display, and where a rule sits in that YAML (for highlighting the deciding rule).
import { isMap, isNode, isScalar, parseDocument, stringify } from 'yaml';

/** The resource as the user wrote it, as YAML. */
export function policyYaml(original: unknown): string {
  return stringify(original ?? {}, { lineWidth: 0 });
}

/** `spec.ingress[0].ports[1]` → `['spec', 'ingress', 0, 'ports', 1]`; undefined for anything else. */
export function fieldPath(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|(\.)/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
  }
  return out.length > 0 ? out : undefined;
}

/**
 * 1-based first and last line of the node at `path` in `yaml` (as `policyYaml` renders it), or
 * undefined when the path is not there.
 */
export function lineRange(yaml: string, path: string): { first: number; last: number } | undefined {
  const keys = fieldPath(path);
  if (!keys) return undefined;
  const doc = parseDocument(yaml);
  const node = doc.getIn(keys, true);
  if (!isNode(node) || !node.range) return undefined;
  // A mapping value starts at its key's line (`ports:` above its list), not below it.
  const parent = keys.length > 1 ? doc.getIn(keys.slice(0, -1), true) : doc.contents;
  const key = isMap(parent)
    ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === keys[keys.length - 1])?.key
    : undefined;
  const start = isScalar(key) && key.range ? Math.min(key.range[0], node.range[0]) : node.range[0];
  const end = node.range[1];
  let last = end;
  while (last > start && /\s/.test(yaml[last - 1] ?? '')) last--;
  const lineOf = (offset: number) => {
    let line = 1;
    for (let i = 0; i < offset && i < yaml.length; i++) if (yaml.charCodeAt(i) === 10) line++;
    return line;
  };
  const first = lineOf(start);
  return { first, last: Math.max(first, lineOf(Math.max(start, last - 1))) };
}
