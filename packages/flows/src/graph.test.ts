import { describe, expect, it } from 'vitest';
import { flowBetween, hit } from './fixtures.ts';
import { buildGraph } from './graph.ts';
import { nodeTraffic, OTHER_NODE_ID, shapeGraph } from './graphFold.ts';

const denied = { action: 'Deny' as const, enforced: [hit('CalicoNetworkPolicy', 'default/shop/deny-all', 'Deny')] };
const stagedDeny = { pending: [hit('StagedNetworkPolicy', 'default/shop/lockdown', 'Deny')] };

const flows = [
  flowBetween('shop/web-*', 'shop/api-*'),
  flowBetween('shop/web-*', 'shop/api-*', { destPort: 9090, ...stagedDeny }),
  flowBetween('shop/api-*', 'db/postgres-*', denied),
  flowBetween('pub', 'shop/web-*'),
  flowBetween('ops/probe-*', 'shop/web-*'),
];

describe('buildGraph', () => {
  it('adds each flow to its edge with the enforced and pending verdicts', () => {
    const g = buildGraph(flows, 'workload');
    expect(g.nodes.map((n) => n.id)).toEqual(['-/pub', 'db/postgres-*', 'ops/probe-*', 'shop/api-*', 'shop/web-*']);
    expect(g.edges.find((e) => e.source === 'shop/web-*' && e.target === 'shop/api-*')).toEqual({
      source: 'shop/web-*',
      target: 'shop/api-*',
      flows: 2,
      enforced: { allowed: 2, denied: 0 },
      pending: { allowed: 1, denied: 1 },
    });
    expect(g.edges.find((e) => e.target === 'db/postgres-*')?.enforced).toEqual({ allowed: 0, denied: 1 });
  });

  it('groups namespaced endpoints by namespace and keeps the public network apart', () => {
    const g = buildGraph(flows, 'namespace');
    expect(g.nodes.map((n) => `${n.id}:${n.type}`)).toEqual([
      '-/pub:Network',
      'db:Namespace',
      'ops:Namespace',
      'shop:Namespace',
    ]);
    expect(g.edges.find((e) => e.source === 'shop' && e.target === 'shop')?.flows).toBe(2);
  });
});

describe('shapeGraph', () => {
  const data = buildGraph(flows, 'workload');

  it('folds all but the busiest nodes into one node, conserving flows', () => {
    const { graph, folded } = shapeGraph(data, { group: 'workload', focus: null, maxNodes: 3 });
    expect(graph.nodes).toHaveLength(3);
    expect(graph.nodes.at(-1)?.id).toBe(OTHER_NODE_ID);
    expect(folded).toBe(3);
    const total = (edges: typeof graph.edges) => edges.reduce((n, e) => n + e.flows, 0);
    expect(total(graph.edges)).toBe(total(data.edges));
    expect(nodeTraffic(graph.edges).get('shop/web-*')).toBe(4);
  });

  it('shows namespaces above the limit with group=auto, and the focused namespace as workloads', () => {
    const auto = shapeGraph(data, { group: 'auto', focus: null, maxNodes: 4 });
    expect(auto.collapsed).toBe(true);
    expect(auto.graph.nodes.map((n) => n.id)).toEqual(['ns:-', 'ns:db', 'ns:ops', 'ns:shop']);
    const focused = shapeGraph(data, { group: 'workload', focus: 'shop', maxNodes: 0 });
    expect(focused.graph.nodes.map((n) => n.id)).toEqual(['ns:-', 'ns:db', 'ns:ops', 'shop/api-*', 'shop/web-*']);
  });
});
