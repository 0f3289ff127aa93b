import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  FINDING_TYPES as API_FINDING_TYPES,
  SEVERITIES as API_SEVERITIES,
  coverageResponseSchema,
  egressResponseSchema,
  insightsResponseSchema,
} from '@verdict/api';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createMemoryStore, enrichRawFlow, type Flow } from '@verdict/flows';
import { FINDING_TYPES, type InsightsReport, SEVERITIES } from '@verdict/insights';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInsightsRoutes } from './routes.ts';

const START = 1_767_225_600;
const NOW = START + 1200;

let base = '';
let close = () => {};

/** The demo cluster with twenty minutes of traffic in a memory store, served on a loopback port. */
beforeAll(async () => {
  const { state } = loadResources(demoClusterFiles());
  const evaluator = createEvaluator(state);
  const store = createMemoryStore({ now: () => NOW, autoRollover: false });
  const flows: Flow[] = [];
  for (const raw of createTrafficGenerator({ cluster: state, seed: 3, now: START }).next(NOW)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) flows.push(...enriched.flows);
  }
  await store.ingest(flows);
  await store.recordChanges([
    {
      // Before the window: it dates isolation but is not listed.
      time: (START - 7200) * 1000,
      op: 'added',
      kind: 'KubernetesNetworkPolicy',
      namespace: 'payments',
      name: 'default-deny',
      resourceVersion: '1',
      source: 'watch',
      before: null,
      after: null,
      diff: '',
    },
    {
      time: (START + 300) * 1000,
      op: 'modified',
      kind: 'KubernetesNetworkPolicy',
      namespace: 'payments',
      name: 'default-deny',
      resourceVersion: '7',
      source: 'demo',
      before: null,
      after: null,
      diff: '',
    },
    {
      time: (START + 400) * 1000,
      op: 'added',
      kind: 'Tier',
      namespace: '',
      name: 'ignored',
      resourceVersion: '8',
      source: 'demo',
      before: null,
      after: null,
      diff: '',
    },
  ]);
  const app = new Hono();
  app.route(
    '/api/v1',
    createInsightsRoutes({ store, evaluator: () => evaluator, now: () => NOW, log: { error() {} } }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

describe('GET /api/v1/insights', () => {
  it('finds the demo problems in the window, with the previous window as baseline', async () => {
    const res = await fetch(`${base}/api/v1/insights?since=10m`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as InsightsReport;
    const types = new Set(body.findings.map((f) => f.type));
    for (const type of [
      'policy-selects-nothing',
      'unreachable-rule',
      'staged-would-deny',
      'dns-blocked',
      'public-egress',
    ]) {
      expect(types).toContain(type);
    }
    // The exfiltration to 203.0.113.66 runs in both windows: it is not new.
    const egress = body.findings.find((f) => f.type === 'public-egress');
    expect(egress?.evidence.explanation).not.toContain('new since');
    expect(egress?.evidence.explanation).toContain('203.0.113.66/32');
  });

  it('with no stored flows, only the findings the policies prove', async () => {
    const { state } = loadResources(demoClusterFiles());
    const evaluator = createEvaluator(state);
    const empty = createInsightsRoutes({ store: createMemoryStore({ now: () => NOW }), evaluator: () => evaluator });
    const body = (await (await empty.request('/insights?since=1h')).json()) as InsightsReport;
    expect(new Set(body.findings.map((f) => f.type))).toEqual(new Set(['policy-selects-nothing', 'unreachable-rule']));
  });

  it.each(['soon', '-5', '0', '99999999d'])('answers 400 naming since for since=%s', async (value) => {
    const res = await fetch(`${base}/api/v1/insights?since=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; path: string } };
    expect(body.error).toMatchObject({ code: 'invalid-parameter', path: 'since' });
  });
});

describe('GET /api/v1/egress', () => {
  it("lists the namespace's external destinations and a lockdown rehearsed over the stored flows", async () => {
    const res = await fetch(`${base}/api/v1/egress?namespace=shop&since=30m`);
    expect(res.status).toBe(200);
    const body = egressResponseSchema.parse(await res.json());
    expect(body.namespace).toBe('shop');
    const exfil = body.workloads
      .flatMap((w) => w.destinations.map((d) => ({ workload: w.workload, ...d })))
      .find((d) => d.port === 4444);
    expect(exfil).toMatchObject({ network: '203.0.113.66/32', proto: 'tcp' });
    expect(exfil?.workload).toMatch(/^recommendations/);
    expect(body.proposal.yaml).toContain('kind: StagedNetworkPolicy');
    expect(body.proposal.changeSet).toContain('203.0.113.66/32');
    expect(body.proposal.rehearsal?.flowsConsidered).toBeGreaterThan(0);
  });

  it('answers 404 for a namespace the cluster does not have', async () => {
    const res = await fetch(`${base}/api/v1/egress?namespace=nowhere`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'not-found', path: 'namespace' });
  });

  it.each([
    ['namespace', ''],
    ['namespace', 'Shop'],
    ['namespace', '../etc'],
    ['namespace', 'a'.repeat(64)],
    ['namespace', 'x'.repeat(5000)],
    ['namespace', 'shop\u0000'],
    ['since', '1y'],
    ['since', '32d'],
  ])('answers a coded 400 naming %s', async (name, value) => {
    const params = new URLSearchParams({ namespace: 'shop', [name]: value });
    const res = await fetch(`${base}/api/v1/egress?${params}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; path: string; message: string } };
    expect(body.error).toMatchObject({ code: 'invalid-parameter', path: name });
    expect(body.error.message.length).toBeLessThan(400);
  });
});

describe('GET /api/v1/coverage', () => {
  it('reports isolation, flows decided by policy, staged denies and the policy changes of the log', async () => {
    const res = await fetch(`${base}/api/v1/coverage?since=1h`);
    expect(res.status).toBe(200);
    const body = coverageResponseSchema.parse(await res.json());
    expect(body.cluster.workloads).toBeGreaterThan(0);
    expect(body.cluster.flows).toBeGreaterThan(0);
    expect(body.staged.some((s) => s.wouldDeny > 0)).toBe(true);
    expect(body.changeLog).toBe(true);
    expect(body.changeLogSince).toBe(START - 7200);
    // Policy changes only: the tier change is left out.
    expect(body.changes).toEqual([
      {
        time: START + 300,
        operation: 'updated',
        kind: 'KubernetesNetworkPolicy',
        namespace: 'payments',
        name: 'default-deny',
        isolates: 2,
      },
    ]);
  });

  it('answers the print-ready HTML report with format=html', async () => {
    const res = await fetch(`${base}/api/v1/coverage?since=1h&format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('KubernetesNetworkPolicy payments/default-deny');
    expect(html).not.toMatch(/<script/);
  });

  it.each([
    ['format', 'pdf'],
    ['format', 'HTML'],
    ['since', 'yesterday'],
    ['since', '0'],
    ['since', '1e9'],
  ])('answers a coded 400 naming %s', async (name, value) => {
    const res = await fetch(`${base}/api/v1/coverage?${new URLSearchParams({ [name]: value })}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid-parameter', path: name });
  });
});

describe('the wire contract', () => {
  it('lists the same finding types and severities as @verdict/insights, and the answer parses with its schema', async () => {
    expect([...API_FINDING_TYPES]).toEqual([...FINDING_TYPES]);
    expect([...API_SEVERITIES]).toEqual([...SEVERITIES]);
    const res = await fetch(`${base}/api/v1/insights?since=10m`);
    expect(insightsResponseSchema.safeParse(await res.json()).success).toBe(true);
  });
});
