import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { FINDING_TYPES as API_FINDING_TYPES, SEVERITIES as API_SEVERITIES, insightsResponseSchema } from '@verdict/api';
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
  const app = new Hono();
  app.route(
    '/api/v1/insights',
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
    const body = (await (await empty.request('/?since=1h')).json()) as InsightsReport;
    expect(new Set(body.findings.map((f) => f.type))).toEqual(new Set(['policy-selects-nothing', 'unreachable-rule']));
  });

  it.each(['soon', '-5', '0', '99999999d'])('answers 400 naming since for since=%s', async (value) => {
    const res = await fetch(`${base}/api/v1/insights?since=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; path: string } };
    expect(body.error).toMatchObject({ code: 'invalid-parameter', path: 'since' });
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
