// Service graph: namespace collapse and a deterministic layout (namespace clusters on a circle, nodes in a sunflower).
import type { GraphEdge, GraphNode, GraphResponse } from '../api/types.ts';

export const AUTO_COLLAPSE_NODES = 150;
const NODE_SPACING = 34;
const CLUSTER_PAD = 36;
const CLUSTER_GAP = 60;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
}

export interface Cluster {
  namespace: string;
  x: number;
  y: number;
  r: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  byId: Map<string, PlacedNode>;
  clusters: Cluster[];
  /** Bounding box: minX, minY, width, height. */
  bounds: { x: number; y: number; width: number; height: number };
}

export function namespaceNodeId(ns: string): string {
  return `ns:${ns}`;
}

/** Replaces workloads by their namespace and sums the edges between namespaces. */
export function collapseToNamespaces(g: GraphResponse): GraphResponse {
  const nsOf = new Map<string, string>();
  const namespaces = new Set<string>();
  for (const n of g.nodes) {
    nsOf.set(n.id, n.namespace);
    namespaces.add(n.namespace);
  }
  const nodes: GraphNode[] = [...namespaces]
    .sort()
    .map((ns) => ({ id: namespaceNodeId(ns), label: ns || 'Global', namespace: ns, type: 'namespace' }));
  const edges = new Map<string, GraphEdge>();
  for (const e of g.edges) {
    const s = nsOf.get(e.source);
    const t = nsOf.get(e.target);
    if (s === undefined || t === undefined) continue;
    const source = namespaceNodeId(s);
    const target = namespaceNodeId(t);
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
  const sorted = [...edges.values()].sort(
    (a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target),
  );
  return { nodes, edges: sorted };
}

function clusterRadius(n: number): number {
  return NODE_SPACING * Math.sqrt(Math.max(n, 1)) * 0.9 + CLUSTER_PAD;
}

/** Same input (in any order) gives the same positions. */
export function layoutGraph(g: GraphResponse): GraphLayout {
  const groups = new Map<string, GraphNode[]>();
  for (const n of g.nodes) {
    const list = groups.get(n.namespace);
    if (list) list.push(n);
    else groups.set(n.namespace, [n]);
  }
  const namespaces = [...groups.keys()].sort();
  const radii = namespaces.map((ns) => clusterRadius(groups.get(ns)!.length));
  const circumference = radii.reduce((s, r) => s + 2 * r + CLUSTER_GAP, 0);
  const bigR = namespaces.length <= 1 ? 0 : Math.max(circumference / (2 * Math.PI), radii[0]! + radii[1]!);

  const clusters: Cluster[] = [];
  const nodes: PlacedNode[] = [];
  let along = 0;
  namespaces.forEach((ns, i) => {
    const r = radii[i]!;
    const angle =
      namespaces.length <= 1 ? 0 : ((along + r + CLUSTER_GAP / 2) / circumference) * 2 * Math.PI - Math.PI / 2;
    along += 2 * r + CLUSTER_GAP;
    const cx = bigR * Math.cos(angle);
    const cy = bigR * Math.sin(angle);
    clusters.push({ namespace: ns, x: cx, y: cy, r });
    const members = groups
      .get(ns)!
      .slice()
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    members.forEach((n, j) => {
      const d = members.length === 1 ? 0 : NODE_SPACING * 0.9 * Math.sqrt(j + 0.5);
      const a = j * GOLDEN_ANGLE;
      nodes.push({ ...n, x: cx + d * Math.cos(a), y: cy + d * Math.sin(a) });
    });
  });

  let minX = 0;
  let minY = 0;
  let maxX = 0;
  let maxY = 0;
  for (const c of clusters) {
    minX = Math.min(minX, c.x - c.r);
    minY = Math.min(minY, c.y - c.r);
    maxX = Math.max(maxX, c.x + c.r);
    maxY = Math.max(maxY, c.y + c.r);
  }
  const pad = 40;
  return {
    nodes,
    byId: new Map(nodes.map((n) => [n.id, n])),
    clusters,
    bounds: { x: minX - pad, y: minY - pad, width: maxX - minX + 2 * pad || 400, height: maxY - minY + 2 * pad || 300 },
  };
}

export type EdgeVerdict = 'allow' | 'deny' | 'mixed' | 'none';

export function edgeVerdict(c: { allowed: number; denied: number }): EdgeVerdict {
  if (c.denied > 0 && c.allowed > 0) return 'mixed';
  if (c.denied > 0) return 'deny';
  if (c.allowed > 0) return 'allow';
  return 'none';
}

/** True when staging would change what this edge sees. */
export function edgeChanges(e: GraphEdge): boolean {
  return edgeVerdict(e.enforced) !== edgeVerdict(e.pending);
}
