// Service graph layout. Up to LAYERED_MAX_NODES nodes and LAYERED_MAX_EDGES drawn edges: a layered
// (Sugiyama) layout from @dagrejs/dagre (chosen over elkjs, ~10x its size, and cytoscape, a whole renderer:
// dagre is maintained, small and synchronous), left to right along the traffic, each namespace a box around
// its workloads, every node's label inside the node's own box (so labels never overlap), edges routed
// through the layers and bundled per source and target namespace. Bigger graphs keep the packed layout
// below (namespace clusters on a circle or in rows, nodes in a sunflower): dagre takes seconds there.
import dagre from '@dagrejs/dagre';
import { compareEdges, isGroupNode } from '@verdict/flows/graph-fold';
import type { GraphData, GraphEdge, GraphNode } from '../api/types.ts';

// The folding rule lives with the server (GET /api/v1/graph applies it); re-exported for the UI.
export {
  collapseToNamespaces,
  compareEdges,
  isGroupNode,
  namespaceNodeId,
  remapEdges,
} from '@verdict/flows/graph-fold';

export const AUTO_COLLAPSE_NODES = 150;
const NODE_SPACING = 34;
const CLUSTER_PAD = 36;
const CLUSTER_GAP = 60;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
/** Up to this many clusters sit on a circle; more are packed in rows (a circle of thousands is mostly empty). */
const CIRCLE_MAX_CLUSTERS = 40;
/** A namespace drawn as one node needs no cluster around it: a small cell. */
const COLLAPSED_RADIUS = 26;
const COLLAPSED_GAP = 24;

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
}

/** A namespace drawn around its nodes: a circle (packed layout) or a box (layered layout). */
export interface Cluster {
  namespace: string;
  /** Centre. */
  x: number;
  y: number;
  /** Radius of a circle; 0 for a box. */
  r: number;
  /** Size of a box (2r for a circle). */
  width: number;
  height: number;
  /** Its only member is a namespace (or folded) node: nothing to draw around it. */
  collapsed: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  byId: Map<string, PlacedNode>;
  clusters: Cluster[];
  /** The bends of each laid-out edge between its two nodes, keyed by edgeKey (layered layout only). */
  routes: Map<string, Point[]>;
  /** Bounding box: minX, minY, width, height. */
  bounds: { x: number; y: number; width: number; height: number };
}

export const edgeKey = (source: string, target: string) => `${source}\u0000${target}`;

/**
 * Above this many nodes or drawn edges the packed layout is used: dagre's crossing reduction takes
 * ~0.5 s at 150 nodes and 300 edges on the DESIGN-scale bench, ~4 s at 450 edges.
 */
export const LAYERED_MAX_NODES = 200;
export const LAYERED_MAX_EDGES = 320;
const LABEL_CHAR_WIDTH = 6.6;
const LABEL_HEIGHT = 16;

/** Nodes in id order, edges in (source, target) order: dagre's result depends on insertion order. */
function layeredLayout(g: GraphData, edges: readonly GraphEdge[]): GraphLayout {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 70, edgesep: 8, marginx: 8, marginy: 24 });
  graph.setDefaultEdgeLabel(() => ({}));
  const nodes = g.nodes.slice().sort(byId);
  const members = new Map<string, number>();
  // Global endpoints (host endpoints, network sets, the public and private networks) have no namespace: no box.
  for (const n of nodes)
    if (!isGroupNode(n) && n.namespace && n.namespace !== '-')
      members.set(n.namespace, (members.get(n.namespace) ?? 0) + 1);
  const clusterId = (ns: string) => `\u0000cluster:${ns}`;
  for (const n of nodes) {
    const r = nodeRadius(n);
    const width = Math.max(2 * r, n.label.length * LABEL_CHAR_WIDTH + 8);
    graph.setNode(n.id, { width, height: 2 * r + LABEL_HEIGHT });
    if ((members.get(n.namespace) ?? 0) > 1 && !isGroupNode(n)) {
      if (!graph.hasNode(clusterId(n.namespace))) graph.setNode(clusterId(n.namespace), {});
      graph.setParent(n.id, clusterId(n.namespace));
    }
  }
  const ids = new Set(nodes.map((n) => n.id));
  const laid = edges.filter((e) => e.source !== e.target && ids.has(e.source) && ids.has(e.target)).sort(compareEdges);
  // Bundling: the edges from one node into one namespace (two or more) meet at a junction that the
  // layout places like a node, so they leave their source as one bundle and fan out near the namespace.
  const boxed = (n: GraphNode) => (members.get(n.namespace) ?? 0) > 1 && !isGroupNode(n);
  const byIdMap = new Map(nodes.map((n) => [n.id, n]));
  const bundles = new Map<string, GraphEdge[]>();
  for (const e of laid) {
    const t = byIdMap.get(e.target)!;
    const key = boxed(t) ? `\u0000junction:${e.source}\u0000${t.namespace}` : '';
    const list = bundles.get(key);
    if (list) list.push(e);
    else bundles.set(key, [e]);
  }
  const junctionOf = new Map<GraphEdge, string>();
  const weight = (flows: number) => 1 + Math.log10(1 + flows);
  // Busier edges pull their nodes closer together and straighter.
  for (const [key, list] of bundles) {
    if (key === '' || list.length < 2) {
      for (const e of list) graph.setEdge(e.source, e.target, { weight: weight(e.flows) });
      continue;
    }
    graph.setNode(key, { width: 1, height: 1 });
    graph.setEdge(list[0]!.source, key, { weight: weight(list.reduce((sum, e) => sum + e.flows, 0)) });
    for (const e of list) {
      graph.setEdge(key, e.target, { weight: weight(e.flows) });
      junctionOf.set(e, key);
    }
  }
  dagre.layout(graph);

  const placed: PlacedNode[] = nodes.map((n) => {
    const box = graph.node(n.id);
    // The circle sits at the top of the node's box, the label below it.
    return { ...n, x: box.x, y: box.y - box.height / 2 + nodeRadius(n) };
  });
  const clusters: Cluster[] = [];
  for (const [ns, count] of [...members.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (count < 2) continue;
    const box = graph.node(clusterId(ns));
    clusters.push({ namespace: ns, x: box.x, y: box.y, r: 0, width: box.width, height: box.height, collapsed: false });
  }
  // dagre's first and last points of an edge are on the node boxes; the drawing starts and ends at the circles.
  const bends = (from: string, to: string): Point[] =>
    ((graph.edge(from, to)?.points ?? []) as Point[]).slice(1, -1).map((p) => ({ x: p.x, y: p.y }));
  const routes = new Map<string, Point[]>();
  for (const e of laid) {
    const j = junctionOf.get(e);
    if (j === undefined) routes.set(edgeKey(e.source, e.target), bends(e.source, e.target));
    else {
      const at = graph.node(j);
      routes.set(edgeKey(e.source, e.target), [...bends(e.source, j), { x: at.x, y: at.y }, ...bends(j, e.target)]);
    }
  }
  const { width = 400, height = 300 } = graph.graph();
  return {
    nodes: placed,
    byId: new Map(placed.map((n) => [n.id, n])),
    clusters,
    routes,
    bounds: { x: 0, y: 0, width: Math.max(width, 400), height: Math.max(height, 300) },
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function clusterRadius(members: readonly GraphNode[]): number {
  if (members.length === 1 && isGroupNode(members[0]!)) return COLLAPSED_RADIUS;
  return NODE_SPACING * Math.sqrt(Math.max(members.length, 1)) * 0.9 + CLUSTER_PAD;
}

/** Namespaces in name order, folded ("other") nodes last. */
function clusterOrder(a: [string, GraphNode[]], b: [string, GraphNode[]]): number {
  const ao = a[1][0]!.type === 'other' ? 1 : 0;
  const bo = b[1][0]!.type === 'other' ? 1 : 0;
  return ao - bo || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * Same input (in any order) gives the same positions. `edges` are the edges that will be drawn (the
 * layered layout routes them; default all of `g`'s).
 */
export function layoutGraph(g: GraphData, edges: readonly GraphEdge[] = g.edges): GraphLayout {
  return g.nodes.length <= LAYERED_MAX_NODES && edges.length <= LAYERED_MAX_EDGES
    ? layeredLayout(g, edges)
    : packedLayout(g);
}

function packedLayout(g: GraphData): GraphLayout {
  const groups = new Map<string, GraphNode[]>();
  for (const n of g.nodes) {
    // Folded nodes get a cluster of their own, whatever their namespace.
    const key = n.type === 'other' ? `\u0000${n.id}` : n.namespace;
    const list = groups.get(key);
    if (list) list.push(n);
    else groups.set(key, [n]);
  }
  const entries = [...groups.entries()].sort(clusterOrder);
  const radii = entries.map(([, members]) => clusterRadius(members));
  const centres = entries.length <= CIRCLE_MAX_CLUSTERS ? onCircle(radii) : inRows(radii, entries);

  const clusters: Cluster[] = [];
  const nodes: PlacedNode[] = [];
  entries.forEach(([, group], i) => {
    const r = radii[i]!;
    const [cx, cy] = centres[i]!;
    const members = group.slice().sort(byId);
    clusters.push({
      namespace: members[0]!.namespace,
      x: cx,
      y: cy,
      r,
      width: 2 * r,
      height: 2 * r,
      collapsed: members.length === 1 && isGroupNode(members[0]!),
    });
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
    routes: new Map(),
    bounds: { x: minX - pad, y: minY - pad, width: maxX - minX + 2 * pad || 400, height: maxY - minY + 2 * pad || 300 },
  };
}

/** Cluster centres on a circle whose circumference fits them all. */
function onCircle(radii: readonly number[]): [number, number][] {
  const circumference = radii.reduce((s, r) => s + 2 * r + CLUSTER_GAP, 0);
  const bigR = radii.length <= 1 ? 0 : Math.max(circumference / (2 * Math.PI), radii[0]! + radii[1]!);
  let along = 0;
  return radii.map((r) => {
    const angle = radii.length <= 1 ? 0 : ((along + r + CLUSTER_GAP / 2) / circumference) * 2 * Math.PI - Math.PI / 2;
    along += 2 * r + CLUSTER_GAP;
    return [bigR * Math.cos(angle), bigR * Math.sin(angle)];
  });
}

/** Cluster centres packed left to right in rows of about equal width (a roughly square drawing). */
function inRows(radii: readonly number[], entries: readonly [string, GraphNode[]][]): [number, number][] {
  const gapOf = (i: number) =>
    radii[i] === COLLAPSED_RADIUS && entries[i]![1].length === 1 ? COLLAPSED_GAP : CLUSTER_GAP;
  const area = radii.reduce((s, r, i) => s + (2 * r + gapOf(i)) ** 2, 0);
  const rowWidth = Math.sqrt(area) * 1.3;
  const out: [number, number][] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  radii.forEach((r, i) => {
    const w = 2 * r + gapOf(i);
    if (x > 0 && x + w > rowWidth) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    out.push([x + w / 2, y + w / 2]);
    x += w;
    rowHeight = Math.max(rowHeight, w);
  });
  return out;
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

/** Radius a node is drawn with. */
export function nodeRadius(n: GraphNode): number {
  return isGroupNode(n) ? 14 : 9;
}

/**
 * An edge's path (a slight curve, a smooth curve through the layout's bends `via`, or a loop for a
 * self-edge) and its arrowhead as a closed triangle ending just outside the target's circle. Arrowheads
 * are plain path data, so that all of one colour can be drawn as one path (SVG markers are re-rendered
 * per edge on every paint and make panning slow).
 */
export function edgeGeometry(s: PlacedNode, t: PlacedNode, via: readonly Point[] = []): { d: string; arrow: string } {
  const r = (v: number) => Math.round(v * 10) / 10;
  let d: string;
  let cx: number;
  let cy: number;
  if (s === t || (s.x === t.x && s.y === t.y)) {
    d = `M ${s.x} ${s.y} c 30 -40 60 0 0 0`;
    cx = s.x + 60;
    cy = s.y;
  } else if (via.length > 0) {
    // Through every bend: a quadratic curve per bend, joined at the midpoints between bends.
    const pts = [{ x: s.x, y: s.y }, ...via, { x: t.x, y: t.y }];
    d = `M ${r(s.x)} ${r(s.y)}`;
    for (let i = 1; i < pts.length - 1; i++) {
      const p = pts[i]!;
      const next = pts[i + 1]!;
      const end = i === pts.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
      d += ` Q ${r(p.x)} ${r(p.y)} ${r(end.x)} ${r(end.y)}`;
    }
    const last = via[via.length - 1]!;
    cx = last.x;
    cy = last.y;
  } else {
    cx = (s.x + t.x) / 2 + (t.y - s.y) * 0.12;
    cy = (s.y + t.y) / 2 - (t.x - s.x) * 0.12;
    d = `M ${s.x} ${s.y} Q ${cx} ${cy} ${t.x} ${t.y}`;
  }
  // The curve arrives along (target − last control point).
  const len = Math.hypot(t.x - cx, t.y - cy) || 1;
  const ux = (t.x - cx) / len;
  const uy = (t.y - cy) / len;
  const tip = nodeRadius(t) + 2;
  const tx = t.x - ux * tip;
  const ty = t.y - uy * tip;
  const bx = tx - ux * 8;
  const by = ty - uy * 8;
  const arrow = `M ${r(tx)} ${r(ty)} L ${r(bx - uy * 4)} ${r(by + ux * 4)} L ${r(bx + uy * 4)} ${r(by - ux * 4)} Z`;
  return { d, arrow };
}
