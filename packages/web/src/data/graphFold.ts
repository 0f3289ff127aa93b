// Service graph at scale: what is drawn. At most `maxNodes` nodes (the busiest; the rest folded into
// one "other" node) and at most `maxEdges` edges (the busiest; the rest counted, not drawn).
import type { GraphEdge, GraphNode, GraphResponse } from '../api/types.ts';
import { collapseToNamespaces, compareEdges, isGroupNode, remapEdges } from './graphLayout.ts';

export const OTHER_NODE_ID = 'other:';
/** Default node budget; also the workload count above which "auto" shows namespaces. */
export const DEFAULT_MAX_NODES = 150;
/** Node budgets offered by the page; 0 = no limit. */
export const NODE_LIMITS = [50, 150, 300, 1000, 0] as const;
/** Edges drawn per node of the budget. */
export const EDGES_PER_NODE = 3;

export type Grouping = 'auto' | 'workload' | 'namespace';

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
  graph: GraphResponse;
  /** Nodes folded into the "other" node (0: nothing folded, no "other" node). */
  folded: number;
}

/**
 * Keeps at most `maxNodes` nodes (0 = all): those in `keep` first, then the busiest (ties by id), and
 * folds the rest into one "other" node whose edges sum theirs. Deterministic for the same input.
 */
export function foldNodes(g: GraphResponse, maxNodes: number, keep: ReadonlySet<string> = new Set()): FoldedNodes {
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
  const nodes = [...kept].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  nodes.push(other);
  return { graph: { nodes, edges: remapEdges(g.edges, mapped) }, folded: rest };
}

export interface ThinnedEdges {
  /** The edges drawn, in (source, target) order. */
  edges: GraphEdge[];
  hiddenEdges: number;
  hiddenFlows: number;
}

/** Keeps the `maxEdges` busiest edges (0 = all; ties by source, target) and counts the rest. */
export function thinEdges(edges: readonly GraphEdge[], maxEdges: number): ThinnedEdges {
  if (maxEdges <= 0 || edges.length <= maxEdges) return { edges: edges.slice(), hiddenEdges: 0, hiddenFlows: 0 };
  const ranked = edges.slice().sort((a, b) => b.flows - a.flows || compareEdges(a, b));
  let hiddenFlows = 0;
  for (let i = maxEdges; i < ranked.length; i++) hiddenFlows += ranked[i]!.flows;
  return { edges: ranked.slice(0, maxEdges).sort(compareEdges), hiddenEdges: ranked.length - maxEdges, hiddenFlows };
}

export interface ShownGraph {
  /** Nodes drawn and all edges between them (before thinning). */
  graph: GraphResponse;
  /** Shown as namespaces (all but the focused one) although the data has workloads. */
  collapsed: boolean;
  /** Nodes folded into the "other" node. */
  folded: number;
}

/**
 * The graph to draw from the API's answer: "auto" shows workloads up to `maxNodes` of them, else
 * namespaces; `focus` (a namespace, with workload data) shows that namespace's workloads among the
 * other namespaces; then at most `maxNodes` nodes are kept (the focused workloads first).
 */
export function shapeGraph(
  data: GraphResponse,
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
