import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createMemoryStore, enrichRawFlow, type MemoryFlowStore } from '@verdict/flows';
import type { ImpactReport } from '@verdict/rehearse';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRehearsalRoutes, type Rehearsal } from './index.ts';

const START = 1_767_225_600;
const NOW = START + 600;

/** data's redis ingress without recommendations. */
const DROP_RECOMMENDATIONS_REDIS = `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: application.redis, namespace: data}
spec:
  stagedAction: Set
  tier: application
  order: 100
  selector: app == 'redis'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      source: {namespaceSelector: projectcalico.org/name == 'shop', selector: app == 'cart'}
      destination: {ports: [redis]}
`;

let base: string;
let store: MemoryFlowStore;
let close: () => Promise<void>;

beforeAll(async () => {
  const evaluator = createEvaluator(loadResources(demoClusterFiles()).state);
  store = createMemoryStore({ now: () => NOW, autoRollover: false });
  const raws = createTrafficGenerator({ cluster: evaluator.state, seed: 7, now: START }).next(NOW - 15);
  await store.ingest(
    raws.flatMap((raw) => {
      const enriched = enrichRawFlow(evaluator, raw);
      return enriched.ok ? enriched.flows : [];
    }),
  );
  store.tick(NOW);
  const app = new Hono();
  app.route(
    '/api/v1',
    createRehearsalRoutes({ store, evaluator: () => evaluator, now: () => NOW, log: { error() {} } }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await close();
  await store.close();
});

async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

describe('POST /api/v1/rehearsals', () => {
  it('starts a job (202) that a poll finds done with the report', async () => {
    const started = await post<Rehearsal>('/api/v1/rehearsals', {
      changeSet: DROP_RECOMMENDATIONS_REDIS,
      start: -3600,
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', progress: { done: 0 } });
    let job: Rehearsal = started.body;
    for (let i = 0; i < 100 && job.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = (await (await fetch(`${base}/api/v1/rehearsals/${started.body.id}`)).json()) as Rehearsal;
    }
    expect(job.status).toBe('done');
    expect(job.progress.done).toBe(job.progress.total);
    const report = job.report as ImpactReport;
    expect(report.newlyDenied.map((g) => [g.namespace, g.port, g.peers.length])).toEqual([['data', 6379, 2]]);
    expect(report.semantics).toContain('what-if');
    expect(report.range).toEqual({ gte: NOW - 3600, lt: NOW });
  });

  it('answers with the finished report when wait=true', async () => {
    const { status, body } = await post<Rehearsal>('/api/v1/rehearsals?wait=true', {
      changeSet: DROP_RECOMMENDATIONS_REDIS,
    });
    expect(status).toBe(200);
    expect(body.status).toBe('done');
    expect(body.report?.totals.newlyDenied).toBeGreaterThan(0);
  });

  it('rejects a bad change set with every issue, positioned', async () => {
    const { status, body } = await post<{ error: { code: string; issues: { line: number; path: string }[] } }>(
      '/api/v1/rehearsals',
      { changeSet: DROP_RECOMMENDATIONS_REDIS.replace("selector: app == 'redis'", 'selector: app ==') },
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid-change-set');
    expect(body.error.issues).toEqual([expect.objectContaining({ line: 8, path: 'spec.selector' })]);
  });

  it('rejects a body without a change set and unknown ids', async () => {
    const missing = await post<{ error: { code: string; path: string } }>('/api/v1/rehearsals', { start: 0 });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'invalid-parameter', path: 'changeSet' } } });
    const res = await fetch(`${base}/api/v1/rehearsals/nope`);
    expect(res.status).toBe(404);
  });
});

describe('POST /api/v1/promote', () => {
  it('returns the enforced YAML and deletions', async () => {
    const changeSet = `${DROP_RECOMMENDATIONS_REDIS}---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: allow-orders-legacy, namespace: payments}
spec: {stagedAction: Delete}
`;
    const { status, body } = await post<{ yaml: string; deletions: { command: string }[] }>('/api/v1/promote', {
      changeSet,
    });
    expect(status).toBe(200);
    expect(body.yaml).toMatch(/^apiVersion: projectcalico.org\/v3\nkind: NetworkPolicy\n/);
    expect(body.deletions.map((d) => d.command)).toEqual([
      'kubectl delete networkpolicies.networking.k8s.io allow-orders-legacy -n payments',
    ]);
  });
});
