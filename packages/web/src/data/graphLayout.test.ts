import { describe, expect, it } from 'vitest';
import type { GraphData, GraphEdge, GraphNode } from '../api/types.ts';
import { collapseToNamespaces, edgeChanges, edgeVerdict, layoutGraph, namespaceNodeId } from './graphLayout.ts';

const node = (ns: string, name: string): GraphNode => ({
  id: `${ns}/${name}`,
  label: name,
  namespace: ns,
  type: 'wep',
});
const edge = (source: string, target: string, allowed: number, denied: number, pendingDenied = denied): GraphEdge => ({
  source,
  target,
  flows: allowed + denied,
  enforced: { allowed, denied },
  pending: { allowed: allowed + denied - pendingDenied, denied: pendingDenied },
});

const shopAndBilling: GraphData = {
  nodes: [node('shop', 'web'), node('shop', 'api'), node('billing', 'ledger'), node('kube-system', 'dns')],
  edges: [
    edge('shop/web', 'shop/api', 5, 0),
    edge('shop/api', 'billing/ledger', 2, 1),
    edge('shop/web', 'billing/ledger', 0, 3),
    edge('shop/web', 'kube-system/dns', 4, 0, 4),
  ],
};

describe('graphLayout > layout', () => {
  it('is deterministic regardless of input order', () => {
    const a = layoutGraph(shopAndBilling);
    const b = layoutGraph({ nodes: shopAndBilling.nodes.slice().reverse(), edges: shopAndBilling.edges });
    const pos = (l: typeof a) => Object.fromEntries(l.nodes.map((n) => [n.id, [n.x, n.y]]));
    expect(pos(b)).toEqual(pos(a));
    expect(b.clusters).toEqual(a.clusters);
  });

  it('puts each namespace in its own non-overlapping cluster', () => {
    const l = layoutGraph(shopAndBilling);
    expect(l.clusters.map((c) => c.namespace)).toEqual(['billing', 'kube-system', 'shop']);
    for (let i = 0; i < l.clusters.length; i++) {
      for (let j = i + 1; j < l.clusters.length; j++) {
        const p = l.clusters[i]!;
        const q = l.clusters[j]!;
        expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeGreaterThanOrEqual(p.r + q.r - 1e-6);
      }
    }
    for (const n of l.nodes) {
      const c = l.clusters.find((k) => k.namespace === n.namespace)!;
      expect(Math.hypot(n.x - c.x, n.y - c.y)).toBeLessThan(c.r);
    }
  });

  it('handles an empty graph', () => {
    const l = layoutGraph({ nodes: [], edges: [] });
    expect(l.nodes).toEqual([]);
    expect(l.bounds.width).toBeGreaterThan(0);
  });
});

describe('graphLayout > collapse', () => {
  it('sums edges between namespaces', () => {
    const g = collapseToNamespaces(shopAndBilling);
    expect(g.nodes.map((n) => n.id)).toEqual(['ns:billing', 'ns:kube-system', 'ns:shop']);
    const shopToBilling = g.edges.find((e) => e.source === namespaceNodeId('shop') && e.target === 'ns:billing');
    expect(shopToBilling?.enforced).toEqual({ allowed: 2, denied: 4 });
    expect(g.edges).toHaveLength(3);
  });

  it('does not mutate the input', () => {
    const before = JSON.stringify(shopAndBilling);
    collapseToNamespaces(shopAndBilling);
    expect(JSON.stringify(shopAndBilling)).toBe(before);
  });
});

describe('graphLayout > verdicts', () => {
  it('classifies edges', () => {
    expect(edgeVerdict({ allowed: 1, denied: 0 })).toBe('allow');
    expect(edgeVerdict({ allowed: 0, denied: 1 })).toBe('deny');
    expect(edgeVerdict({ allowed: 1, denied: 1 })).toBe('mixed');
    expect(edgeVerdict({ allowed: 0, denied: 0 })).toBe('none');
    expect(edgeChanges(edge('a', 'b', 4, 0, 4))).toBe(true);
    expect(edgeChanges(edge('a', 'b', 4, 0))).toBe(false);
  });
});
