import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createMemoryStore, enrichRawFlow, type Flow } from '@verdict/flows';
import type { Recommendation } from '@verdict/recommend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecommendRoutes } from './routes.ts';

const START = 1_767_225_600;
const NOW = START + 600;

/** The demo cluster and ten minutes of its traffic in a memory store. */
async function demoRoutes() {
  const { state } = loadResources(demoClusterFiles());
  const evaluator = createEvaluator(state);
  const store = createMemoryStore({ now: () => NOW, autoRollover: false });
  const flows: Flow[] = [];
  for (const raw of createTrafficGenerator({ cluster: state, seed: 3, now: START }).next(NOW)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) flows.push(...enriched.flows);
  }
  await store.ingest(flows);
  return createRecommendRoutes({ store, evaluator: () => evaluator, now: () => NOW });
}

let app: Awaited<ReturnType<typeof demoRoutes>>;
beforeAll(async () => {
  app = await demoRoutes();
});

describe('GET /api/v1/recommendations', () => {
  it('drafts staged Calico policies for a namespace from the stored window', async () => {
    const res = await app.request('/?namespace=shop&dialect=calico&tier=application&start=-3600');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Recommendation;
    expect(body.policies.map((p) => p.workload)).toEqual(['cart', 'catalog', 'checkout', 'orders', 'recommendations']);
    expect(body.policies[0]?.yaml).toContain('kind: StagedNetworkPolicy');
    expect(body.coverage.observedAllowed).toBeGreaterThan(0);
    expect(body.coverage.allowedByRecommendation).toBe(body.coverage.observedAllowed);
  });

  it('drafts Kubernetes policy for one workload, as YAML on request', async () => {
    const res = await app.request('/?namespace=shop&workload=cart&dialect=k8s&start=-3600&format=yaml');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('kind: NetworkPolicy');
    expect(text).toContain('name: verdict-cart');
  });

  it('drafts ClusterNetworkPolicy guardrails in the Baseline tier with dialect=cnp', async () => {
    const res = await app.request('/?namespace=shop&dialect=cnp&start=-3600');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Recommendation;
    expect(body.dialect).toBe('cnp');
    expect(body.policies[0]?.yaml).toContain('kind: ClusterNetworkPolicy');
    expect(body.coverage.allowedByRecommendation).toBe(body.coverage.observedAllowed);
  });

  it.each([
    ['', 'namespace'],
    ['namespace=shop&dialect=istio', 'dialect'],
    ['namespace=nope', 'namespace'],
    ['namespace=shop&workload=nope', 'workload'],
    ['namespace=shop&dialect=calico&tier=Bad_Tier', 'tier'],
    ['namespace=shop&staged=maybe', 'staged'],
    ['namespace=shop&start=soon', 'start'],
  ])('answers 400 naming the bad parameter: %s', async (query, path) => {
    const res = await app.request(`/?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; path: string } };
    expect(body.error.path).toBe(path);
    expect(body.error.message).toContain(path);
  });
});
