import { describe, expect, it } from 'vitest';
import type { GraphData, GraphEdge, GraphNode } from '../api/types.ts';
import { foldNodes, nodeTraffic, OTHER_NODE_ID, shapeGraph, thinEdges } from './graphFold.ts';
import { collapseToNamespaces, edgeGeometry, LAYERED_MAX_NODES, layoutGraph } from './graphLayout.ts';

const wl = (ns: string, name: string): GraphNode => ({ id: `${ns}/${name}`, label: name, namespace: ns, type: 'wep' });
const edge = (source: string, target: string, flows: number, denied = 0): GraphEdge => ({
  source,
  target,
  flows,
  enforced: { allowed: flows - denied, denied },
  pending: { allowed: flows - denied, denied },
});

/** `n` namespaces with 2 workloads each; namespace i talks to namespace 0 with i flows and to itself. */
function cluster(n: number): GraphData {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push(wl(`ns-${i}`, 'web'), wl(`ns-${i}`, 'api'));
    edges.push(edge(`ns-${i}/web`, `ns-${i}/api`, 1));
    if (i > 0) edges.push(edge(`ns-${i}/web`, 'ns-0/api', i, i % 2));
  }
  return { nodes, edges };
}

const sum = (es: readonly GraphEdge[]) => es.reduce((s, e) => s + e.flows, 0);

describe('graphFold > traffic', () => {
  it('sums flows per node, a self-loop once', () => {
    const t = nodeTraffic([edge('a', 'b', 2), edge('b', 'b', 3), edge('c', 'a', 1)]);
    expect(Object.fromEntries(t)).toEqual({ a: 3, b: 5, c: 1 });
  });
});

describe('graphFold > fold nodes', () => {
  it('keeps everything under the budget', () => {
    const g = cluster(3);
    expect(foldNodes(g, 10)).toEqual({ graph: g, folded: 0 });
    expect(foldNodes(g, 0).folded).toBe(0);
  });

  it('keeps the busiest nodes and folds the rest into one node, conserving flows', () => {
    const g = collapseToNamespaces(cluster(20));
    const { graph, folded } = foldNodes(g, 5);
    expect(graph.nodes).toHaveLength(5);
    expect(folded).toBe(16);
    const ids = graph.nodes.map((n) => n.id);
    // ns-0 receives everything; then the namespaces sending the most.
    expect(ids).toEqual(['ns:ns-0', 'ns:ns-17', 'ns:ns-18', 'ns:ns-19', OTHER_NODE_ID]);
    const other = graph.nodes.at(-1)!;
    expect(other).toMatchObject({ type: 'other', label: '16 other namespaces' });
    expect(sum(graph.edges)).toBe(sum(g.edges));
    const otherToZero = graph.edges.find((e) => e.source === OTHER_NODE_ID && e.target === 'ns:ns-0');
    expect(otherToZero?.flows).toBe(((1 + 16) * 16) / 2);
    expect(graph.edges.find((e) => e.source === OTHER_NODE_ID && e.target === OTHER_NODE_ID)?.flows).toBe(16);
  });

  it('keeps pinned nodes first', () => {
    const g = collapseToNamespaces(cluster(20));
    const ids = foldNodes(g, 3, new Set(['ns:ns-4'])).graph.nodes.map((n) => n.id);
    expect(ids).toEqual(['ns:ns-0', 'ns:ns-4', OTHER_NODE_ID]);
  });

  it('is deterministic regardless of input order', () => {
    const g = collapseToNamespaces(cluster(30));
    const shuffled = { nodes: g.nodes.slice().reverse(), edges: g.edges.slice().reverse() };
    expect(foldNodes(shuffled, 7)).toEqual(foldNodes(g, 7));
    expect(layoutGraph(foldNodes(shuffled, 7).graph)).toEqual(layoutGraph(foldNodes(g, 7).graph));
  });
});

describe('graphFold > thin edges', () => {
  it('keeps the busiest edges in source/target order and counts the rest', () => {
    const es = [edge('a', 'b', 1), edge('c', 'd', 5), edge('a', 'c', 5), edge('b', 'a', 3)];
    const t = thinEdges(es, 2);
    expect(t.edges.map((e) => `${e.source}>${e.target}`)).toEqual(['a>c', 'c>d']);
    expect(t).toMatchObject({ hiddenEdges: 2, hiddenFlows: 4 });
    expect(thinEdges(es, 0)).toMatchObject({ hiddenEdges: 0, hiddenFlows: 0 });
    expect(thinEdges(es, 10).edges).toHaveLength(4);
  });

  it('breaks ties by source and target', () => {
    const es = [edge('b', 'a', 1), edge('a', 'c', 1), edge('a', 'b', 1)];
    expect(thinEdges(es, 2).edges.map((e) => `${e.source}>${e.target}`)).toEqual(['a>b', 'a>c']);
    expect(thinEdges(es.slice().reverse(), 2)).toEqual(thinEdges(es, 2));
  });
});

describe('graphFold > shape', () => {
  it('shows a small graph as it is (the demo)', () => {
    const g = cluster(5);
    expect(shapeGraph(g, { group: 'auto', focus: null, maxNodes: 150 })).toEqual({
      graph: g,
      collapsed: false,
      folded: 0,
    });
  });

  it('collapses to namespaces above the budget, then folds', () => {
    const s = shapeGraph(cluster(200), { group: 'auto', focus: null, maxNodes: 150 });
    expect(s.collapsed).toBe(true);
    expect(s.graph.nodes).toHaveLength(150);
    expect(s.folded).toBe(51);
    const all = shapeGraph(cluster(200), { group: 'auto', focus: null, maxNodes: 0 });
    expect(all).toMatchObject({ collapsed: false, folded: 0 });
  });

  it('folds workloads when workloads are asked for', () => {
    const s = shapeGraph(cluster(200), { group: 'workload', focus: null, maxNodes: 50 });
    expect(s.collapsed).toBe(false);
    expect(s.graph.nodes.at(-1)).toMatchObject({ id: OTHER_NODE_ID, label: '351 other nodes' });
  });

  it('expands the namespace in focus into its workloads', () => {
    const s = shapeGraph(cluster(200), { group: 'auto', focus: 'ns-3', maxNodes: 10 });
    const ids = s.graph.nodes.map((n) => n.id);
    expect(ids).toContain('ns-3/web');
    expect(ids).toContain('ns-3/api');
    expect(ids).not.toContain('ns:ns-3');
    expect(ids).toContain('ns:ns-0');
    expect(ids).toHaveLength(10);
    expect(s.graph.edges.find((e) => e.source === 'ns-3/web' && e.target === 'ns:ns-0')?.flows).toBe(3);
    // An unknown namespace in focus is ignored.
    expect(shapeGraph(cluster(3), { group: 'auto', focus: 'nope', maxNodes: 150 }).collapsed).toBe(false);
  });
});

describe('graphLayout > at scale', () => {
  it('packs many clusters in rows without overlap, the folded node last (beyond the layered layout)', () => {
    const shaped = shapeGraph(cluster(600), { group: 'auto', focus: 'ns-1', maxNodes: LAYERED_MAX_NODES + 100 });
    const l = layoutGraph(shaped.graph);
    expect(l.nodes).toHaveLength(LAYERED_MAX_NODES + 100);
    expect(l.routes.size).toBe(0);
    expect(l.clusters.at(-1)?.namespace).toBe('');
    for (let i = 0; i < l.clusters.length; i++) {
      for (let j = i + 1; j < l.clusters.length; j++) {
        const p = l.clusters[i]!;
        const q = l.clusters[j]!;
        expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeGreaterThanOrEqual(p.r + q.r - 1e-6);
      }
    }
    // Roughly square: neither side more than three times the other.
    expect(l.bounds.width / l.bounds.height).toBeLessThan(3);
    expect(l.bounds.height / l.bounds.width).toBeLessThan(3);
    // Only the expanded namespace gets a cluster drawn around it.
    expect(l.clusters.filter((c) => !c.collapsed).map((c) => c.namespace)).toEqual(['ns-1']);
  });

  it('ends arrowheads just outside the target node', () => {
    const s = { id: 'a', label: 'a', namespace: 'x', type: 'wep', x: 0, y: 0 };
    const t = { id: 'b', label: 'b', namespace: 'x', type: 'wep', x: 100, y: 0 };
    const { d, arrow } = edgeGeometry(s, t);
    expect(d).toMatch(/^M 0 0 Q /);
    const tip = arrow.match(/^M (\S+) (\S+)/)!;
    expect(Math.hypot(Number(tip[1]) - 100, Number(tip[2]))).toBeCloseTo(11, 0);
    expect(arrow.endsWith('Z')).toBe(true);
    expect(edgeGeometry(s, s).d).toContain(' c ');
  });

  it('draws an edge through the bends of its route, the arrowhead along the last leg', () => {
    const s = { id: 'a', label: 'a', namespace: 'x', type: 'wep', x: 0, y: 0 };
    const t = { id: 'b', label: 'b', namespace: 'x', type: 'wep', x: 200, y: 0 };
    const { d, arrow } = edgeGeometry(s, t, [
      { x: 60, y: 50 },
      { x: 140, y: 50 },
    ]);
    expect(d).toBe('M 0 0 Q 60 50 100 50 Q 140 50 200 0');
    // Arriving from (140, 50): the tip is 11 px from the target along that direction.
    const tip = arrow.match(/^M (\S+) (\S+)/)!;
    const len = Math.hypot(60, 50);
    expect(Number(tip[1])).toBeCloseTo(200 - (60 / len) * 11, 0);
    expect(Number(tip[2])).toBeCloseTo((50 / len) * 11, 0);
  });
});
