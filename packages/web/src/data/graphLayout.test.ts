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

  it('boxes each namespace of several nodes around them, without overlap; lone nodes stand alone', () => {
    const l = layoutGraph(shopAndBilling);
    expect(l.clusters.map((c) => c.namespace)).toEqual(['shop']);
    const box = l.clusters[0]!;
    for (const id of ['shop/web', 'shop/api']) {
      const n = l.byId.get(id)!;
      expect(Math.abs(n.x - box.x)).toBeLessThan(box.width / 2);
      expect(Math.abs(n.y - box.y)).toBeLessThan(box.height / 2);
    }
    for (const id of ['billing/ledger', 'kube-system/dns']) {
      const n = l.byId.get(id)!;
      const inside = Math.abs(n.x - box.x) < box.width / 2 && Math.abs(n.y - box.y) < box.height / 2;
      expect(inside).toBe(false);
    }
  });

  it('lays traffic out left to right, routes every edge and keeps labels apart', () => {
    const nodes = [
      ...['web', 'api', 'cart', 'checkout', 'payments-gateway'].map((n) => node('shop', n)),
      ...['ledger', 'invoices'].map((n) => node('billing', n)),
      ...['coredns', 'metrics-server-with-a-long-name'].map((n) => node('kube-system', n)),
    ];
    const ids = nodes.map((n) => n.id);
    const edges = ids.flatMap((s, i) => ids.slice(i + 1, i + 4).map((t) => edge(s, t, 1 + i, i % 3 === 0 ? 1 : 0)));
    const l = layoutGraph({ nodes, edges });
    for (const e of edges) {
      expect(l.byId.get(e.source)!.x).toBeLessThan(l.byId.get(e.target)!.x);
      expect(l.routes.has(`${e.source}\u0000${e.target}`)).toBe(true);
    }
    // A node's label is drawn centred under its circle: the label boxes of two nodes never intersect.
    const labelBox = (n: (typeof l.nodes)[number]) => ({
      x0: n.x - (n.label.length * 6.6) / 2,
      x1: n.x + (n.label.length * 6.6) / 2,
      y0: n.y - 9,
      y1: n.y + 9 + 16,
    });
    for (let i = 0; i < l.nodes.length; i++) {
      for (let j = i + 1; j < l.nodes.length; j++) {
        const a = labelBox(l.nodes[i]!);
        const b = labelBox(l.nodes[j]!);
        const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
        expect(overlap, `${l.nodes[i]!.id} and ${l.nodes[j]!.id}`).toBe(false);
      }
    }
    for (const n of l.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(l.bounds.x);
      expect(n.x).toBeLessThanOrEqual(l.bounds.x + l.bounds.width);
    }
  });

  it('bundles the edges from one node into one namespace through a shared junction', () => {
    const nodes = [
      node('shop', 'web'),
      node('billing', 'ledger'),
      node('billing', 'invoices'),
      node('kube-system', 'dns'),
    ];
    const edges = [
      edge('shop/web', 'billing/ledger', 3, 0),
      edge('shop/web', 'billing/invoices', 2, 0),
      edge('shop/web', 'kube-system/dns', 1, 0),
    ];
    const l = layoutGraph({ nodes, edges });
    const route = (t: string) => l.routes.get(`shop/web\u0000${t}`)!;
    const shared = route('billing/ledger').filter((p) =>
      route('billing/invoices').some((q) => q.x === p.x && q.y === p.y),
    );
    expect(shared.length).toBeGreaterThan(0);
    // A lone edge into a namespace is not bundled with them.
    expect(route('kube-system/dns').some((p) => shared.some((q) => q.x === p.x && q.y === p.y))).toBe(false);
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
