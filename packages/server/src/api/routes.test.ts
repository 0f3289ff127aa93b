import type {
  ApiErrorBody,
  ApiFlow,
  ClusterSummary,
  ExplainResponse,
  FlowListResponse,
  GraphResponse,
  PolicyStatsResponse,
  TiersResponse,
} from '@verdict/api';
import { openApiDocument } from '@verdict/api';
import { nodeTraffic, OTHER_NODE_ID } from '@verdict/flows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/fixtures.ts';
import { createChangeRoutes } from '../changes/index.ts';
import { createDnsRoutes, DnsAnswers } from '../dns/index.ts';
import { createInsightsRoutes } from '../insights/index.ts';
import { createPolicyRoutes } from '../policies/index.ts';
import { createRecommendRoutes } from '../recommend/index.ts';
import { createRehearsalRoutes } from '../rehearse/index.ts';
import { ALL_RAW, enrich, filtersParam, type Harness, rawFlow, shopEvaluator, startApi, T0 } from './fixtures.ts';
import { createApiRoutes } from './routes.ts';

let api: Harness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const listFlows = (query = '') => api.get<FlowListResponse>(`/api/v1/flows?start=0&end=0${query}`);
const route = (f: ApiFlow) => `${f.sourceName} -> ${f.destName} (${f.reporter})`;

/** The stored flow matching `src -> dst (reporter)`. */
async function flowId(name: string): Promise<number> {
  const { body } = await listFlows('&pageSize=100');
  const found = body.items.find((f) => route(f) === name);
  if (!found) throw new Error(`no flow ${name} in ${body.items.map(route).join(', ')}`);
  return found.id;
}

describe('GET /flows', () => {
  it('lists every stored flow with both traces and the pending verdict', async () => {
    const { status, body } = await listFlows();
    expect(status).toBe(200);
    expect(body.total).toEqual({ totalPages: 1, totalResults: ALL_RAW.length + 3 });
    // The memory store keeps 15 s windows only.
    expect(body.resolution).toBe(15);
    const partner = body.items.find((f) => f.sourceName === 'partners');
    expect(partner).toEqual({
      id: expect.any(Number),
      cluster: 'default',
      startTime: T0,
      endTime: T0 + 15,
      sourceName: 'partners',
      sourceNamespace: '-',
      sourceType: 'NetworkSet',
      destName: 'catalog-7d9f-*',
      destNamespace: 'shop',
      destType: 'WorkloadEndpoint',
      destPort: 8080,
      destServiceName: '-',
      destServiceNamespace: '-',
      destServicePortName: '-',
      destServicePort: 0,
      proto: 'tcp',
      reporter: 'Dst',
      action: 'Allow',
      pendingAction: 'Deny',
      sourceLabels: ['role=partner'],
      destLabels: ['app=catalog'],
      packetsIn: 10,
      packetsOut: 8,
      bytesIn: 0,
      bytesOut: 0,
      numConnectionsStarted: 1,
      numConnectionsCompleted: 0,
      numConnectionsLive: 0,
      sourceIps: ['198.51.100.7'],
      sourceIpsBeyond: 0,
      destIps: ['10.244.1.20'],
      destIpsBeyond: 0,
      policies: {
        enforced: [
          {
            kind: 'GlobalNetworkPolicy',
            name: 'security.baseline',
            namespace: '',
            tier: 'security',
            action: 'Pass',
            policyIndex: 0,
            ruleIndex: 0,
            trigger: null,
          },
          {
            kind: 'Profile',
            name: 'kns.shop',
            namespace: '',
            tier: '',
            action: 'Allow',
            policyIndex: 1,
            ruleIndex: 0,
            trigger: null,
          },
        ],
        pending: [
          expect.objectContaining({ name: 'security.baseline' }),
          {
            kind: 'EndOfTier',
            name: '',
            namespace: '',
            tier: 'default',
            action: 'Deny',
            policyIndex: 1,
            ruleIndex: -1,
            trigger: { kind: 'StagedNetworkPolicy', name: 'catalog-lockdown', namespace: 'shop', tier: 'default' },
          },
        ],
      },
    });
  });

  it('filters by a source selector', async () => {
    const { body } = await listFlows(`&${filtersParam({ sourceSelector: "app == 'frontend'" })}`);
    expect(body.items.map(route).sort()).toEqual([
      'frontend-6d4b8c7f9-* -> catalog-7d9f-* (Dst)',
      'frontend-6d4b8c7f9-* -> catalog-7d9f-* (Src)',
      'frontend-6d4b8c7f9-* -> postgres-* (Dst)',
      'frontend-6d4b8c7f9-* -> postgres-* (Src)',
    ]);
  });

  it('filters flows whose pending verdict differs', async () => {
    const { body } = await listFlows(`&${filtersParam({ pendingDiffers: true })}`);
    expect(body.items.map(route)).toEqual(['partners -> catalog-7d9f-* (Dst)']);
  });

  it('combines Goldmane filters: destination namespace and action', async () => {
    const { body } = await listFlows(
      `&${filtersParam({ destNamespaces: [{ value: 'db', type: 'Exact' }], actions: ['Deny'] })}`,
    );
    expect(body.items.map(route)).toEqual(['frontend-6d4b8c7f9-* -> postgres-* (Dst)']);
  });

  it('filters by CIDR over the addresses a flow recorded, before the addresses its endpoint stands for', async () => {
    const own = await startApi();
    try {
      const [recorded] = enrich(own.evaluator, [
        rawFlow({ ip: '10.1.200.7' }, { namespace: 'shop', name: 'catalog-7d9f-xk2p4' }, 9999),
      ]);
      const goldmane = { ...recorded!, key: { ...recorded!.key, destPort: 9998 } };
      delete goldmane.sourceIps;
      delete goldmane.destIps;
      await own.store.ingest([recorded!, goldmane]);
      const ports = async (filters: object) => {
        const r = await own.get<FlowListResponse>(`/api/v1/flows?start=0&end=0&${filtersParam(filters)}`);
        return r.body.items.map((f) => [f.destPort, f.sourceIps]);
      };
      expect(await ports({ sourceCidrs: ['10.1.200.0/24'], destPorts: [9999, 9998] })).toEqual([
        [9999, ['10.1.200.7']],
        [9998, []],
      ]);
      // The recorded address decides for the first flow; the second, with none, stands for any private address.
      expect(await ports({ sourceCidrs: ['10.2.0.0/16'], destPorts: [9999, 9998] })).toEqual([[9998, []]]);
      const dest = await own.get<FlowListResponse>(
        `/api/v1/flows?start=0&end=0&${filtersParam({ destCidrs: ['10.244.1.20'], destPorts: [9999] })}`,
      );
      expect(dest.body.items.map((f) => f.destIps)).toEqual([['10.244.1.20']]);
    } finally {
      await own.close();
    }
  });

  it('filters by CIDR against the addresses the endpoints stand for', async () => {
    const partners = await listFlows(`&${filtersParam({ sourceCidrs: ['198.51.100.0/24'] })}`);
    expect(partners.body.items.map(route)).toEqual(['partners -> catalog-7d9f-* (Dst)']);
    const db = await listFlows(`&${filtersParam({ destCidrs: ['10.244.2.0/24'] })}&pageSize=3&page=1`);
    expect(db.body.total).toEqual({ totalPages: 2, totalResults: 4 });
    expect(db.body.items).toHaveLength(1);
  });

  it('sorts and pages', async () => {
    const first = await listFlows('&sort=SourceName&pageSize=3&page=0');
    const second = await listFlows('&sort=SourceName&pageSize=3&page=1');
    expect(first.body.total).toEqual({ totalPages: 3, totalResults: 8 });
    const names = [...first.body.items, ...second.body.items].map((f) => f.sourceName);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('catalog-7d9f-*');
  });

  it.each([
    [{ sourceSelector: "app == 'frontend" }, 'filters.sourceSelector', /column \d+/],
    ['{"sourceNames": [}', 'filters', /column 18/],
    [{ destPorts: [80, 'http'] }, 'filters.destPorts[1]', /integer 0-65535/],
    [{ sourceNames: [{ value: 'a', type: 'Regex' }] }, 'filters.sourceNames[0].type', /"Exact", "Fuzzy"/],
    [{ sourceNamez: [] }, 'filters.sourceNamez', /unknown field/],
    [{ destCidrs: ['10.0.0.0/33'] }, 'filters.destCidrs[0]', /CIDR/],
    [[1], 'filters', /expected a JSON object/],
  ])('rejects the bad filter %j with 400 naming %s', async (filter, path, message) => {
    const { status, body } = await listFlows(`&${filtersParam(filter)}`);
    expect(status).toBe(400);
    expect((body as unknown as ApiErrorBody).error).toEqual({
      code: 'invalid-filter',
      message: expect.stringMatching(message),
      path,
    });
  });

  it.each([
    ['&sort=SourceType', 'unsupported-sort', 'sort'],
    ['&sort=Size', 'invalid-parameter', 'sort'],
    ['&pageSize=0', 'invalid-parameter', 'pageSize'],
    ['&page=-1', 'invalid-parameter', 'page'],
  ])('rejects %s with 400 %s', async (query, code, path) => {
    const { status, body } = await listFlows(query);
    expect(status).toBe(400);
    expect((body as unknown as ApiErrorBody).error).toMatchObject({ code, path });
  });

  it('rejects a time that is not an integer', async () => {
    const { status, body } = await api.get<ApiErrorBody>('/api/v1/flows?start=abc');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid-parameter', path: 'start' });
  });

  it('rejects an empty time range', async () => {
    const { status, body } = await api.get<ApiErrorBody>(`/api/v1/flows?start=${T0 + 10}&end=${T0}`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid-range', message: expect.stringContaining('must be before end') });
  });
});

const streamClients = async (h: Harness) =>
  Number(/^verdict_stream_clients\{api="v1"\} (\d+)$/m.exec(await h.metrics.scrape())?.[1] ?? 0);

/** Reads SSE frames (events and comments) off a fetch body. */
function sseFrames(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const frames: string[] = [];
  let buffer = '';
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        frames.push(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  })();
  return frames;
}

describe('GET /flows/stream', () => {
  it('streams each flow of a completed bucket, keeps alive, and closes when the client leaves', async () => {
    const live = await startApi({ keepAliveMs: 20 });
    try {
      const ctrl = new AbortController();
      const res = await fetch(`${live.base}/api/v1/flows/stream?start=-300&${filtersParam({ pendingDiffers: true })}`, {
        signal: ctrl.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const frames = sseFrames(res);
      await eventually(async () => (await streamClients(live)) === 1);
      // The flows at T0 are in the bucket that completes at the next rollover.
      live.clock.set(T0 + 31);
      live.store.rollover();
      await eventually(() => frames.some((f) => f.startsWith('data: ')));
      await eventually(() => frames.includes(': keepalive'));
      const flows = frames.filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)) as ApiFlow);
      expect(flows.map(route)).toEqual(['partners -> catalog-7d9f-* (Dst)']);
      expect(flows[0]).toMatchObject({ startTime: T0, endTime: T0 + 15, pendingAction: 'Deny' });
      ctrl.abort();
      await eventually(async () => (await streamClients(live)) === 0);
    } finally {
      await live.close();
    }
  });

  it('rejects a bad filter before streaming', async () => {
    const { status, body } = await api.get<ApiErrorBody>(
      `/api/v1/flows/stream?${filtersParam({ destSelector: '!!' })}`,
    );
    expect(status).toBe(400);
    expect(body.error.path).toBe('filters.destSelector');
  });
});

describe('GET /flows/{id}/explain', () => {
  it('explains the deciding rule with the policy YAML and the rule lines highlighted', async () => {
    const id = await flowId('catalog-7d9f-* -> postgres-* (Dst)');
    const { status, body } = await api.get<ExplainResponse>(`/api/v1/flows/${id}/explain`);
    expect(status).toBe(200);
    expect(body.enforced.action).toBe('Allow');
    const ingress = body.enforced.sides.find((s) => s.direction === 'Ingress')!;
    expect(ingress.steps.map((s) => [s.tier, s.outcome])).toEqual([
      ['security', 'pass'],
      ['default', 'matched'],
    ]);
    const matched = ingress.steps[1]!;
    expect(matched.policy).toEqual({ kind: 'NetworkPolicy', name: 'postgres-allow-catalog', namespace: 'db' });
    expect(matched.yaml).toContain('kind: NetworkPolicy');
    const lines = matched.yaml!.split('\n');
    const highlighted = matched.highlight!.map((h) => lines[h.line - 1]!.trim());
    expect(highlighted[0]).toBe('- from:');
    expect(highlighted).toContain('port: 5432');
    expect(highlighted.some((l) => l.startsWith('policyTypes'))).toBe(false);
    // Each clause's sentence once, on the line of the field it checked (protocol and port: `ports:`).
    const noted = matched.highlight!.filter((h) => h.reason !== '');
    expect(noted.map((h) => h.reason).sort()).toEqual([...matched.because].sort());
    const protocolNote = noted.find((h) => h.reason.startsWith('protocol:'))!;
    expect(lines[protocolNote.line - 1]!.trim()).toBe('ports:');
  });

  it('explains a network-set source in both scopes', async () => {
    const id = await flowId('partners -> catalog-7d9f-* (Dst)');
    const { body } = await api.get<ExplainResponse>(`/api/v1/flows/${id}/explain`);
    expect(body.enforced.action).toBe('Allow');
    expect(body.pending.action).toBe('Deny');
    const steps = body.pending.sides[0]!.steps;
    expect(steps.at(-1)).toMatchObject({
      tier: 'default',
      outcome: 'end-of-tier',
      action: 'Deny',
      ruleIndex: -1,
      policy: { kind: 'StagedNetworkPolicy', name: 'catalog-lockdown', namespace: 'shop' },
    });
  });

  it('explains a public-network source', async () => {
    const id = await flowId('pub -> frontend-6d4b8c7f9-* (Dst)');
    const { status, body } = await api.get<ExplainResponse>(`/api/v1/flows/${id}/explain`);
    expect(status).toBe(200);
    expect(body.enforced.sides.map((s) => s.direction)).toEqual(['Ingress']);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const missing = await api.get<ApiErrorBody>('/api/v1/flows/999999/explain');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not-found');
    const bad = await api.get<ApiErrorBody>('/api/v1/flows/abc/explain');
    expect(bad.status).toBe(400);
  });

  it('answers 409 when the flow no longer resolves against the cluster', async () => {
    const gone = await startApi();
    try {
      const { body } = await gone.get<FlowListResponse>('/api/v1/flows?start=0&end=0');
      const id = body.items.find((f) => f.destName === 'postgres-*')!.id;
      gone.evaluator.removePod('db', 'postgres-0');
      const res = await gone.get<ApiErrorBody>(`/api/v1/flows/${id}/explain`);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'unresolvable-flow', path: 'destination' });
      expect(res.body.error.message).toContain('db/postgres-*');
    } finally {
      await gone.close();
    }
  });
});

describe('GET /tiers', () => {
  it('lists tiers in evaluation order with their policies', async () => {
    const { body } = await api.get<TiersResponse>('/api/v1/tiers');
    expect(body.items.map((t) => t.name)).toEqual([
      'security',
      'adminnetworkpolicy',
      'kube-admin',
      'default',
      'baselineadminnetworkpolicy',
      'kube-baseline',
    ]);
    const security = body.items[0]!;
    expect(security).toMatchObject({ order: 100, defaultAction: 'Deny' });
    const defaultTier = body.items.find((t) => t.name === 'default')!;
    expect(defaultTier.policies.map(({ yaml: _, ...p }) => p)).toEqual([
      {
        kind: 'KubernetesNetworkPolicy',
        name: 'postgres-allow-catalog',
        namespace: 'db',
        tier: 'default',
        order: 1000,
        staged: false,
        stagedAction: null,
        ingressRules: 1,
        egressRules: 0,
      },
      {
        kind: 'StagedNetworkPolicy',
        name: 'catalog-lockdown',
        namespace: 'shop',
        tier: 'default',
        order: null,
        staged: true,
        stagedAction: 'Set',
        ingressRules: 1,
        egressRules: 0,
      },
    ]);
    expect(security.policies[0]!.yaml).toContain('name: security.baseline');
  });
});

describe('GET /policy-stats', () => {
  it('counts the flows each policy and rule decided, end of tier under its trigger', async () => {
    const { body } = await api.get<PolicyStatsResponse>('/api/v1/policy-stats?start=0&end=0');
    expect(body.resolution).toBe(15);
    const byName = new Map(body.items.map((p) => [p.name, p]));
    expect(byName.get('security.baseline')).toMatchObject({
      kind: 'GlobalNetworkPolicy',
      allowed: 0,
      denied: 0,
      passed: 8,
      rules: [
        { direction: 'Egress', ruleIndex: 1, allowed: 0, denied: 0, passed: 3 },
        { direction: 'Ingress', ruleIndex: 0, allowed: 0, denied: 0, passed: 5 },
      ],
    });
    expect(byName.get('postgres-allow-catalog')).toEqual({
      kind: 'NetworkPolicy',
      name: 'postgres-allow-catalog',
      namespace: 'db',
      tier: 'default',
      allowed: 1,
      denied: 1,
      passed: 0,
      rules: [
        { direction: 'Ingress', ruleIndex: -1, allowed: 0, denied: 1, passed: 0 },
        { direction: 'Ingress', ruleIndex: 0, allowed: 1, denied: 0, passed: 0 },
      ],
      pending: {
        allowed: 1,
        denied: 1,
        passed: 0,
        rules: [
          { direction: 'Ingress', ruleIndex: -1, allowed: 0, denied: 1, passed: 0 },
          { direction: 'Ingress', ruleIndex: 0, allowed: 1, denied: 0, passed: 0 },
        ],
      },
    });
    expect(byName.get('catalog-lockdown')).toMatchObject({
      kind: 'StagedNetworkPolicy',
      allowed: 0,
      denied: 0,
      pending: { allowed: 1, denied: 1 },
    });
    expect(byName.get('kns.shop')).toMatchObject({ kind: 'Profile', allowed: 6 });
  });
});

describe('GET /graph', () => {
  it('folds flows into workload nodes and edges with both verdicts', async () => {
    const { body } = await api.get<GraphResponse>('/api/v1/graph?start=0&end=0');
    expect(body.nodes.map((n) => n.id)).toEqual([
      '-/partners',
      '-/pub',
      'db/postgres-*',
      'shop/catalog-7d9f-*',
      'shop/frontend-6d4b8c7f9-*',
    ]);
    expect(body.nodes[0]).toEqual({ id: '-/partners', label: 'partners', namespace: '-', type: 'NetworkSet' });
    expect(body.edges.find((e) => e.source === 'shop/frontend-6d4b8c7f9-*' && e.target === 'db/postgres-*')).toEqual({
      source: 'shop/frontend-6d4b8c7f9-*',
      target: 'db/postgres-*',
      flows: 2,
      enforced: { allowed: 1, denied: 1 },
      pending: { allowed: 1, denied: 1 },
    });
    expect(body.edges.find((e) => e.source === '-/partners')).toMatchObject({
      enforced: { allowed: 1, denied: 0 },
      pending: { allowed: 0, denied: 1 },
    });
  });

  it('groups by namespace and takes filters', async () => {
    const { body } = await api.get<GraphResponse>(
      `/api/v1/graph?start=0&end=0&group=namespace&${filtersParam({ destNamespaces: [{ value: 'db', type: 'Exact' }] })}`,
    );
    expect(body.nodes).toEqual([
      { id: 'db', label: 'db', namespace: 'db', type: 'Namespace' },
      { id: 'shop', label: 'shop', namespace: 'shop', type: 'Namespace' },
    ]);
    expect(body.edges).toEqual([
      {
        source: 'shop',
        target: 'db',
        flows: 4,
        enforced: { allowed: 3, denied: 1 },
        pending: { allowed: 3, denied: 1 },
      },
    ]);
  });

  it('rejects an unknown grouping', async () => {
    const { status, body } = await api.get<ApiErrorBody>('/api/v1/graph?group=pod');
    expect(status).toBe(400);
    expect(body.error.path).toBe('group');
  });

  it('says nothing was folded without a limit', async () => {
    const { body } = await api.get<GraphResponse>('/api/v1/graph?start=0&end=0');
    expect(body.shape).toEqual({ totalNodes: 5, collapsed: false, folded: 0 });
    expect(body.nodes.some((n) => n.id === OTHER_NODE_ID)).toBe(false);
  });

  it('keeps the busiest `limit` nodes and folds the rest into one node, conserving flows', async () => {
    const all = (await api.get<GraphResponse>('/api/v1/graph?start=0&end=0')).body;
    const { status, body } = await api.get<GraphResponse>('/api/v1/graph?start=0&end=0&limit=3');
    expect(status).toBe(200);
    expect(body.nodes).toHaveLength(3);
    expect(body.shape).toEqual({ totalNodes: 5, collapsed: false, folded: 3 });
    const traffic = nodeTraffic(all.edges);
    const busiest = all.nodes
      .map((n) => n.id)
      .sort((a, b) => (traffic.get(b) ?? 0) - (traffic.get(a) ?? 0) || (a < b ? -1 : 1))
      .slice(0, 2)
      .sort();
    expect(body.nodes.map((n) => n.id)).toEqual([...busiest, OTHER_NODE_ID]);
    expect(body.nodes.at(-1)).toEqual({ id: OTHER_NODE_ID, label: '3 other nodes', namespace: '', type: 'other' });
    const sum = (g: GraphResponse) => g.edges.reduce((s, e) => s + e.flows, 0);
    const denied = (g: GraphResponse) => g.edges.reduce((s, e) => s + e.pending.denied, 0);
    expect(sum(body)).toBe(sum(all));
    expect(denied(body)).toBe(denied(all));
    for (const e of body.edges) {
      expect(body.nodes.some((n) => n.id === e.source)).toBe(true);
      expect(body.nodes.some((n) => n.id === e.target)).toBe(true);
    }
  });

  it('shows namespaces with group=auto above the limit, and the workloads of the namespace in focus', async () => {
    const auto = (await api.get<GraphResponse>('/api/v1/graph?start=0&end=0&group=auto&limit=4')).body;
    expect(auto.shape).toEqual({ totalNodes: 5, collapsed: true, folded: 0 });
    expect(auto.nodes.map((n) => n.id)).toEqual(['ns:-', 'ns:db', 'ns:shop']);
    const small = (await api.get<GraphResponse>('/api/v1/graph?start=0&end=0&group=auto&limit=150')).body;
    expect(small.shape.collapsed).toBe(false);
    expect(small.nodes).toHaveLength(5);
    const focused = (await api.get<GraphResponse>('/api/v1/graph?start=0&end=0&group=auto&limit=3&focus=shop')).body;
    expect(focused.nodes.map((n) => n.id)).toEqual(['shop/catalog-7d9f-*', 'shop/frontend-6d4b8c7f9-*', OTHER_NODE_ID]);
    expect(focused.shape).toMatchObject({ collapsed: true });
  });

  it('rejects a bad limit', async () => {
    for (const bad of ['-1', 'ten', '100001']) {
      const { status, body } = await api.get<ApiErrorBody>(`/api/v1/graph?limit=${bad}`);
      expect(status).toBe(400);
      expect(body.error.path).toBe('limit');
    }
  });
});

describe('GET /cluster/summary', () => {
  it('summarises the cluster state and names the store', async () => {
    const { body } = await api.get<ClusterSummary>('/api/v1/cluster/summary');
    expect(body).toEqual({ namespaces: ['db', 'shop'], workloads: 3, policies: 3, staged: 1, store: 'memory' });
  });
});

describe('routes', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const { status, body } = await api.get<ApiErrorBody>('/api/v1/nope');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not-found');
  });

  it('describes every route in the OpenAPI document', async () => {
    const app = createApiRoutes({ store: api.store, evaluator: shopEvaluator });
    const routes = app.routes
      .filter((r) => r.method === 'GET')
      .map((r) => `GET ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(routes).toMatchInlineSnapshot(`
      [
        "GET /cluster/summary",
        "GET /flows",
        "GET /flows/stream",
        "GET /flows/{id}/explain",
        "GET /graph",
        "GET /openapi.json",
        "GET /policy-stats",
        "GET /tiers",
      ]
    `);
    const rehearsals = createRehearsalRoutes({ store: api.store, evaluator: shopEvaluator })
      .routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(rehearsals).toEqual(['GET /rehearsals/{id}', 'POST /promote', 'POST /rehearsals']);
    routes.push(...rehearsals);
    // Mounted at /api/v1 (insights, egress, coverage) and /api/v1/recommendations by app.ts.
    routes.push(
      ...createInsightsRoutes({ store: api.store, evaluator: shopEvaluator }).routes.map(
        (r) => `${r.method} ${r.path}`,
      ),
    );
    routes.push(
      ...createRecommendRoutes({ store: api.store, evaluator: shopEvaluator }).routes.map(
        (r) => `${r.method} /recommendations`,
      ),
    );
    routes.push(
      ...createChangeRoutes({
        store: { changes: async () => [] },
        clusterStatus: () => ({
          source: 'files',
          server: '',
          ready: true,
          kinds: [],
          warnings: [],
          lagMs: 0,
          calico: { version: '3.33', from: 'default' },
        }),
      }).routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    routes.push(
      ...createDnsRoutes({ answers: new DnsAnswers({ retentionSeconds: 60 }) }).routes.map(
        (r) => `${r.method} ${r.path}`,
      ),
    );
    routes.push(
      ...createPolicyRoutes({ evaluator: shopEvaluator }).routes.map(
        (r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`,
      ),
    );
    routes.sort();
    const documented = Object.entries(openApiDocument.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(routes);
    const served = await api.get<typeof openApiDocument>('/api/v1/openapi.json');
    expect(served.body.openapi).toBe('3.1.0');
    expect(Object.keys(served.body.paths).sort()).toEqual(Object.keys(openApiDocument.paths).sort());
  });

  it('keeps enriched fixture flows stable', () => {
    expect(enrich(shopEvaluator(), ALL_RAW)).toHaveLength(8);
  });
});
