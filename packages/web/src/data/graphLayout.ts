// Service graph: namespace collapse and a deterministic layout (namespace clusters on a circle, or in rows when
// there are many, nodes in a sunflower).
import { isGroupNode } from '@verdict/flows/graph-fold';
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

export interface Cluster {
  namespace: string;
  x: number;
  y: number;
  r: number;
  /** Its only member is a namespace (or folded) node: nothing to draw around it. */
  collapsed: boolean;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  byId: Map<string, PlacedNode>;
  clusters: Cluster[];
  /** Bounding box: minX, minY, width, height. */
  bounds: { x: number; y: number; width: number; height: number };
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

/** Same input (in any order) gives the same positions. */
export function layoutGraph(g: GraphData): GraphLayout {
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
 * An edge's path (a slight curve, or a loop for a self-edge) and its arrowhead as a closed triangle
 * ending just outside the target's circle. Arrowheads are plain path data, so that all of one colour
 * can be drawn as one path (SVG markers are re-rendered per edge on every paint and make panning slow).
 */
export function edgeGeometry(s: PlacedNode, t: PlacedNode): { d: string; arrow: string } {
  let d: string;
  let cx: number;
  let cy: number;
  if (s === t || (s.x === t.x && s.y === t.y)) {
    d = `M ${s.x} ${s.y} c 30 -40 60 0 0 0`;
    cx = s.x + 60;
    cy = s.y;
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
  const r = (v: number) => Math.round(v * 10) / 10;
  const arrow = `M ${r(tx)} ${r(ty)} L ${r(bx - uy * 4)} ${r(by + ux * 4)} L ${r(bx + uy * 4)} ${r(by - ux * 4)} Z`;
  return { d, arrow };
}
