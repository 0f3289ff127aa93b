// Two Verdicts (clusters prod-eu and prod-us) writing into one ClickHouse database, read through the
// /api/v1 routes of one of them: every flow names its cluster, `clusters` filters, and
// /policy-stats groups by cluster. A real clickhouse-server on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiErrorBody, FlowListResponse, PolicyStatsResponse } from '@verdict/api';
import {
  type ClickHouseFlowStore,
  createClickHouseStore,
  type LocalClickHouse,
  startLocalClickHouse,
} from '@verdict/flows';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_RAW, catalogToPostgres, enrich, filtersParam, frontendToPostgres, shopEvaluator, T0 } from './fixtures.ts';
import { createApiRoutes } from './routes.ts';

describe('/api/v1 over two clusters sharing one ClickHouse database', () => {
  let clickhouse: LocalClickHouse;
  let eu: ClickHouseFlowStore;
  let us: ClickHouseFlowStore;
  let app: Hono;
  const spoolDir = mkdtempSync(join(tmpdir(), 'verdict-clusters-'));
  const evaluator = shopEvaluator();
  const euFlows = enrich(evaluator, ALL_RAW);
  const usFlows = enrich(evaluator, [catalogToPostgres, frontendToPostgres]);
  const now = () => T0 + 20;

  beforeAll(async () => {
    clickhouse = await startLocalClickHouse();
    const open = (cluster: string) =>
      createClickHouseStore({ url: clickhouse.url, database: 'shared', cluster, spoolDir, now });
    eu = open('prod-eu');
    us = open('prod-us');
    await Promise.all([eu.ready, us.ready]);
    await Promise.all([eu.ingest(euFlows), us.ingest(usFlows)]);
    app = new Hono();
    app.route('/api/v1', createApiRoutes({ store: eu, evaluator: () => evaluator, now, log: { error() {} } }));
  }, 60_000);
  afterAll(async () => {
    await eu?.close();
    await us?.close();
    await clickhouse?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  const get = async <T>(path: string) => {
    const res = await app.request(`/api/v1${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  const clustersOf = (list: FlowListResponse) => list.items.map((f) => f.cluster).sort();

  it("lists both clusters' flows, each naming the cluster that stored it", async () => {
    const { status, body } = await get<FlowListResponse>('/flows?start=0&end=0&pageSize=100');
    expect(status).toBe(200);
    expect(body.total.totalResults).toBe(euFlows.length + usFlows.length);
    expect(clustersOf(body)).toEqual([
      ...Array(euFlows.length).fill('prod-eu'),
      ...Array(usFlows.length).fill('prod-us'),
    ]);
  });

  it('filters by cluster, alone and with other filters', async () => {
    const onlyUs = await get<FlowListResponse>(`/flows?start=0&end=0&${filtersParam({ clusters: ['prod-us'] })}`);
    expect(clustersOf(onlyUs.body)).toEqual(Array(usFlows.length).fill('prod-us'));
    const denied = await get<FlowListResponse>(
      `/flows?start=0&end=0&${filtersParam({ clusters: ['prod-eu'], actions: ['Deny'], destNamespaces: [{ value: 'db' }] })}`,
    );
    const expected = euFlows.filter((f) => f.key.action === 'Deny' && f.key.destNamespace === 'db').length;
    expect(expected).toBeGreaterThan(0);
    expect(denied.body.items.map((f) => [f.cluster, f.action, f.destNamespace])).toEqual(
      Array(expected).fill(['prod-eu', 'Deny', 'db']),
    );
    const nowhere = await get<FlowListResponse>(`/flows?start=0&end=0&${filtersParam({ clusters: ['prod-ap'] })}`);
    expect(nowhere.body.total).toEqual({ totalPages: 0, totalResults: 0 });
  });

  it('groups policy statistics by cluster, each group counting what that cluster alone counts', async () => {
    const grouped = await get<PolicyStatsResponse>('/policy-stats?start=0&end=0&groupBy=cluster');
    expect(grouped.status).toBe(200);
    const clusters = grouped.body.items.map((i) => i.cluster);
    expect([...new Set(clusters)]).toEqual(['prod-eu', 'prod-us']);
    for (const cluster of ['prod-eu', 'prod-us']) {
      const alone = await get<PolicyStatsResponse>(
        `/policy-stats?start=0&end=0&${filtersParam({ clusters: [cluster] })}`,
      );
      expect(grouped.body.items.filter((i) => i.cluster === cluster).map(({ cluster: _, ...rest }) => rest)).toEqual(
        alone.body.items,
      );
    }
    const postgres = (cluster: string) =>
      grouped.body.items.find((i) => i.cluster === cluster && i.name === 'postgres-allow-catalog');
    // catalog → postgres is allowed by the policy in both clusters; frontend → postgres is denied at its tier's end.
    expect([postgres('prod-eu')?.allowed, postgres('prod-us')?.allowed]).toEqual([1, 1]);
    const across = await get<PolicyStatsResponse>('/policy-stats?start=0&end=0');
    expect(across.body.items.every((i) => i.cluster === undefined)).toBe(true);
    expect(across.body.items.find((i) => i.name === 'postgres-allow-catalog')?.allowed).toBe(2);
  });

  it('refuses an unknown grouping with a coded error naming the parameter', async () => {
    const { status, body } = await get<ApiErrorBody>('/policy-stats?groupBy=namespace');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid-parameter', path: 'groupBy' });
    expect(body.error.message).toMatch(/expected one of cluster/);
  });
});
