// /graph: listed flows folded into nodes (workloads or namespaces) and directed edges.
import type { Flow } from '@verdict/flows';
import { pendingVerdict } from '@verdict/flows';
import type { GraphEdge, GraphGroup, GraphNode, GraphResponse } from './types.ts';

/**
 * Node ids: `ns/name` per workload (`-/pub` for non-namespaced endpoints). Grouped by namespace a
 * namespaced endpoint becomes its namespace (`ns`); a non-namespaced one keeps its own `-/name`
 * node, so the public network does not merge with global network sets.
 */
function node(group: GraphGroup, type: string, namespace: string, name: string): GraphNode {
  const global = namespace === '-' || namespace === '';
  if (group === 'namespace' && !global) return { id: namespace, label: namespace, namespace, type: 'Namespace' };
  return { id: `${global ? '-' : namespace}/${name}`, label: name, namespace: global ? '-' : namespace, type };
}

/** Each listed flow adds 1 to its edge's `flows` and to the enforced / pending verdict it had. */
export function buildGraph(flows: Iterable<Flow>, group: GraphGroup): GraphResponse {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  for (const flow of flows) {
    const k = flow.key;
    const source = node(group, k.sourceType, k.sourceNamespace, k.sourceName);
    const target = node(group, k.destType, k.destNamespace, k.destName);
    if (!nodes.has(source.id)) nodes.set(source.id, source);
    if (!nodes.has(target.id)) nodes.set(target.id, target);
    const id = `${source.id}\0${target.id}`;
    let edge = edges.get(id);
    if (!edge) {
      edge = {
        source: source.id,
        target: target.id,
        flows: 0,
        enforced: { allowed: 0, denied: 0 },
        pending: { allowed: 0, denied: 0 },
      };
      edges.set(id, edge);
    }
    edge.flows++;
    if (k.action === 'Deny') edge.enforced.denied++;
    else edge.enforced.allowed++;
    if ((pendingVerdict(k) ?? k.action) === 'Deny') edge.pending.denied++;
    else edge.pending.allowed++;
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    nodes: [...nodes.values()].sort(byId),
    edges: [...edges.values()].sort(
      (a, b) => byId({ id: a.source }, { id: b.source }) || byId({ id: a.target }, { id: b.target }),
    ),
  };
}
