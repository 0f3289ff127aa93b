// Named fixtures for the /api/v1 tests: a small shop cluster, flows enriched from it, and a server
// on a real socket.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createEvaluator, type Evaluator, loadResources } from '@verdict/engine';
import { createMemoryStore, type Flow, type MemoryFlowStore, type RawFlow } from '@verdict/flows';
import { Hono } from 'hono';
import { enrichRawFlow } from '../../../flows/src/enrich.ts';
import { createMetrics, type Metrics, timeQueries } from '../metrics/index.ts';
import { createApiRoutes } from './routes.ts';

/** A 15 s bucket boundary (2025-08-22T10:15:00Z). */
export const T0 = 1_755_857_700;

/**
 * `shop` (frontend, catalog) and `db` (postgres); tier `security` passes everything on; a Kubernetes
 * policy lets only catalog reach postgres; a staged policy would let only frontend reach catalog;
 * `partners` is a global network set.
 */
export const SHOP_CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {kubernetes.io/metadata.name: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: db, labels: {kubernetes.io/metadata.name: db}}
---
apiVersion: v1
kind: Pod
metadata:
  name: frontend-6d4b8c7f9-abcde
  namespace: shop
  labels: {app: frontend, tier: web}
  ownerReferences: [{kind: ReplicaSet, name: frontend-6d4b8c7f9, controller: true}]
status: {podIP: 10.244.1.10, podIPs: [{ip: 10.244.1.10}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: catalog-7d9f-xk2p4
  namespace: shop
  labels: {app: catalog}
  ownerReferences: [{kind: ReplicaSet, name: catalog-7d9f, controller: true}]
status: {podIP: 10.244.1.20, podIPs: [{ip: 10.244.1.20}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: postgres-0
  namespace: db
  labels: {app: postgres}
  ownerReferences: [{kind: StatefulSet, name: postgres, controller: true}]
status: {podIP: 10.244.2.30, podIPs: [{ip: 10.244.2.30}]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners, labels: {role: partner}}
spec: {nets: [198.51.100.0/24]}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.baseline}
spec:
  tier: security
  order: 100
  selector: all()
  types: [Ingress, Egress]
  ingress:
    - action: Pass
  egress:
    - action: Deny
      destination:
        nets: [169.254.169.254/32]
    - action: Pass
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: postgres-allow-catalog, namespace: db}
spec:
  podSelector:
    matchLabels: {app: postgres}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: shop}
          podSelector:
            matchLabels: {app: catalog}
      ports:
        - protocol: TCP
          port: 5432
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: catalog-lockdown, namespace: shop}
spec:
  selector: app == 'catalog'
  types: [Ingress]
  ingress:
    - action: Allow
      source:
        selector: app == 'frontend'
`;

export function shopEvaluator(): Evaluator {
  const loaded = loadResources([{ file: 'shop.yaml', text: SHOP_CLUSTER }]);
  const errors = loaded.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new Error(`fixture does not load: ${errors.map((e) => e.message).join('; ')}`);
  return createEvaluator(loaded.state);
}

const pod = (ref: string) => {
  const [namespace = '', name = ''] = ref.split('/');
  return { namespace, name };
};

/** A raw TCP observation at `T0` with one connection. */
export function rawFlow(
  source: RawFlow['source'],
  destination: RawFlow['destination'],
  destPort: number,
  startTime = T0,
): RawFlow {
  return {
    source,
    destination,
    destPort,
    protocol: 'TCP',
    startTime,
    packetsIn: 10,
    packetsOut: 8,
    connectionsStarted: 1,
  };
}

/** Allowed, and allowed by the staged policy too. */
export const frontendToCatalog = rawFlow(pod('shop/frontend-6d4b8c7f9-abcde'), pod('shop/catalog-7d9f-xk2p4'), 8080);
/** Allowed now (profile), denied once `catalog-lockdown` is enforced: pending differs. */
export const partnerToCatalog = rawFlow({ ip: '198.51.100.7' }, pod('shop/catalog-7d9f-xk2p4'), 8080);
/** Allowed by `postgres-allow-catalog` rule 0. */
export const catalogToPostgres = rawFlow(pod('shop/catalog-7d9f-xk2p4'), pod('db/postgres-0'), 5432);
/** Denied at the end of the default tier: postgres is selected, frontend is not allowed. */
export const frontendToPostgres = rawFlow(pod('shop/frontend-6d4b8c7f9-abcde'), pod('db/postgres-0'), 5432);
/** The public network to frontend: profile allow. */
export const publicToFrontend = rawFlow({ ip: '203.0.113.50' }, pod('shop/frontend-6d4b8c7f9-abcde'), 443);

export const ALL_RAW = [frontendToCatalog, partnerToCatalog, catalogToPostgres, frontendToPostgres, publicToFrontend];

export function enrich(evaluator: Evaluator, raws: readonly RawFlow[]): Flow[] {
  return raws.flatMap((raw) => {
    const r = enrichRawFlow(evaluator, raw);
    if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`);
    return r.flows;
  });
}

export interface Harness {
  base: string;
  store: MemoryFlowStore;
  evaluator: Evaluator;
  metrics: Metrics;
  clock: { now(): number; set(t: number): void };
  get<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The API mounted at /api/v1 with metrics, over a real socket, with the shop flows ingested at `T0`. */
export async function startApi(options: { keepAliveMs?: number } = {}): Promise<Harness> {
  let t = T0 + 20;
  const clock = { now: () => t, set: (v: number) => void (t = v) };
  const evaluator = shopEvaluator();
  const store = createMemoryStore({ now: clock.now });
  await store.ingest(enrich(evaluator, ALL_RAW));
  const metrics = createMetrics();
  const app = new Hono();
  app.use('*', timeQueries(metrics));
  app.route(
    '/api/v1',
    createApiRoutes({
      store,
      evaluator: () => evaluator,
      now: clock.now,
      metrics,
      log: { error() {} },
      ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    store,
    evaluator,
    metrics,
    clock,
    async get<T>(path: string) {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    },
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
        void store.close();
      }),
  };
}

/** `filters=<json>` for a query string. */
export const filtersParam = (f: unknown) =>
  `filters=${encodeURIComponent(typeof f === 'string' ? f : JSON.stringify(f))}`;
