// Service graph at scale: the one implementation of the folding rule, pure (types only), shared by
// GET /api/v1/graph (`group=auto`, `limit`, `focus`) and the web UI (`@verdict/flows/graph-fold`).
// At most `maxNodes` nodes are kept: the busiest by flows on their edges, the rest folded into one
// "other" node whose edges sum theirs.
import type { GraphData, GraphEdge, GraphGrouping, GraphNode } from '@verdict/api';

export const OTHER_NODE_ID = 'other:';

export type Grouping = GraphGrouping;

export function namespaceNodeId(ns: string): string {
  return `ns:${ns}`;
}

/** True for a node that stands for a whole namespace (client- or server-side grouping) or for folded nodes. */
export function isGroupNode(n: GraphNode): boolean {
  return n.type === 'namespace' || n.type === 'Namespace' || n.type === 'other';
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Source, then target, by code unit (locale-independent, so layouts and tests do not depend on the locale). */
export function compareEdges(a: GraphEdge, b: GraphEdge): number {
  return a.source < b.source ? -1 : a.source > b.source ? 1 : a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}

/** Sums edges whose endpoints are renamed by `mapped` (edges with an unknown endpoint are dropped); sorted. */
export function remapEdges(input: readonly GraphEdge[], mapped: ReadonlyMap<string, string>): GraphEdge[] {
  const edges = new Map<string, GraphEdge>();
  for (const e of input) {
    const source = mapped.get(e.source);
    const target = mapped.get(e.target);
    if (source === undefined || target === undefined) continue;
    const k = `${source}\u0000${target}`;
    const acc = edges.get(k);
    if (!acc) {
      edges.set(k, {
        source,
        target,
        flows: e.flows,
        enforced: { ...e.enforced },
        pending: { ...e.pending },
      });
    } else {
      acc.flows += e.flows;
      acc.enforced.allowed += e.enforced.allowed;
      acc.enforced.denied += e.enforced.denied;
      acc.pending.allowed += e.pending.allowed;
      acc.pending.denied += e.pending.denied;
    }
  }
  return [...edges.values()].sort(compareEdges);
}

/**
 * Replaces workloads by their namespace and sums the edges between namespaces. The workloads of
 * `except` (a namespace in focus) stay as they are.
 */
export function collapseToNamespaces(g: GraphData, except?: string | null): GraphData {
  const mapped = new Map<string, string>();
  const nodes: GraphNode[] = [];
  const namespaces = new Set<string>();
  for (const n of g.nodes) {
    if (except != null && n.namespace === except) {
      mapped.set(n.id, n.id);
      nodes.push(n);
      continue;
    }
    mapped.set(n.id, namespaceNodeId(n.namespace));
    namespaces.add(n.namespace);
  }
  for (const ns of namespaces)
    nodes.push({ id: namespaceNodeId(ns), label: ns || 'Global', namespace: ns, type: 'namespace' });
  nodes.sort(byId);
  return { nodes, edges: remapEdges(g.edges, mapped) };
}

/** Flows on the edges touching each node (a self-loop counts once). */
export function nodeTraffic(edges: readonly GraphEdge[]): Map<string, number> {
  const t = new Map<string, number>();
  for (const e of edges) {
    t.set(e.source, (t.get(e.source) ?? 0) + e.flows);
    if (e.target !== e.source) t.set(e.target, (t.get(e.target) ?? 0) + e.flows);
  }
  return t;
}

export interface FoldedNodes {
  graph: GraphData;
  /** Nodes folded into the "other" node (0: nothing folded, no "other" node). */
  folded: number;
}

/**
 * Keeps at most `maxNodes` nodes (0 = all): those in `keep` first, then the busiest (ties by id), and
 * folds the rest into one "other" node whose edges sum theirs. Deterministic for the same input.
 */
export function foldNodes(g: GraphData, maxNodes: number, keep: ReadonlySet<string> = new Set()): FoldedNodes {
  if (maxNodes <= 0 || g.nodes.length <= maxNodes) return { graph: g, folded: 0 };
  const traffic = nodeTraffic(g.edges);
  const ranked = g.nodes
    .slice()
    .sort(
      (a, b) =>
        Number(keep.has(b.id)) - Number(keep.has(a.id)) ||
        (traffic.get(b.id) ?? 0) - (traffic.get(a.id) ?? 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  const kept = ranked.slice(0, Math.max(1, maxNodes - 1));
  const rest = ranked.length - kept.length;
  const groups = ranked.slice(kept.length).every(isGroupNode);
  const other: GraphNode = {
    id: OTHER_NODE_ID,
    label: `${rest.toLocaleString('en')} other ${groups ? 'namespaces' : 'nodes'}`,
    namespace: '',
    type: 'other',
  };
  const mapped = new Map<string, string>();
  for (const n of g.nodes) mapped.set(n.id, OTHER_NODE_ID);
  for (const n of kept) mapped.set(n.id, n.id);
  const nodes = [...kept].sort(byId);
  nodes.push(other);
  return { graph: { nodes, edges: remapEdges(g.edges, mapped) }, folded: rest };
}

export interface ShownGraph {
  /** Nodes kept and all edges between them. */
  graph: GraphData;
  /** Shown as namespaces (all but the focused one) although the data has workloads. */
  collapsed: boolean;
  /** Nodes folded into the "other" node. */
  folded: number;
}

/**
 * The graph to draw from workload (or namespace) data: "auto" shows workloads up to `maxNodes` of
 * them, else namespaces; `focus` (a namespace, with workload data) shows that namespace's workloads
 * among the other namespaces; then at most `maxNodes` nodes are kept (the focused workloads first).
 */
export function shapeGraph(
  data: GraphData,
  { group, focus, maxNodes }: { group: Grouping; focus: string | null; maxNodes: number },
): ShownGraph {
  const workloadData = group !== 'namespace';
  const focused = workloadData && focus !== null && data.nodes.some((n) => n.namespace === focus);
  const collapsed = workloadData && (focused || (group === 'auto' && maxNodes > 0 && data.nodes.length > maxNodes));
  const g = collapsed ? collapseToNamespaces(data, focused ? focus : null) : data;
  const keep = new Set<string>();
  if (focused) for (const n of g.nodes) if (n.namespace === focus && !isGroupNode(n)) keep.add(n.id);
  const { graph, folded } = foldNodes(g, maxNodes, keep);
  return { graph, collapsed, folded };
}
