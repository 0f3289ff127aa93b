// `verdict serve --kubeconfig` against the API emulator: readiness waits for the watch to sync and
// names each kind; policy changes on the watch reach /api/v1/changes and the policy's history.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeListResponse, ClusterStatusResponse } from '@verdict/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEmulator, startApiEmulator } from '../../../cluster/test/emulator.ts';
import {
  allowOnly,
  globalDeny,
  NO_ADMIN_POLICIES,
  namespace,
  pod,
  servedResources,
} from '../../../cluster/test/fixtures.ts';
import { resolveConfig, type ServeConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { type RunningVerdict, startVerdict } from '../serve.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-serve-live-'));
let emulator: ApiEmulator;
let verdict: RunningVerdict;

async function eventually<T>(check: () => Promise<T>, deadlineMs = 15_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(`${verdict.httpUrl}${path}`);
  return { status: response.status, body: (await response.json()) as T };
};

beforeAll(async () => {
  emulator = await startApiEmulator({ resources: servedResources(NO_ADMIN_POLICIES) });
  emulator.apply(namespace('shop'));
  emulator.apply(pod('shop', 'web', '10.0.0.1', { app: 'web' }));
  emulator.apply(pod('shop', 'api', '10.0.0.2', { app: 'api' }));
  emulator.apply(allowOnly('shop', 'api-from-web', 'api', 'web'));
  emulator.writeKubeconfig(join(dir, 'kubeconfig'));
  const config = configFor(dir);
  expect(config.demoTraffic).toBe(false);
  verdict = await startVerdict(config, silentLogger);
});

function configFor(folder: string): ServeConfig {
  const resolved = resolveConfig(
    {
      kubeconfig: join(folder, 'kubeconfig'),
      store: 'sqlite',
      db: join(folder, 'verdict.db'),
      'http-port': '0',
      'grpc-port': '-1',
    },
    {},
  );
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  return resolved.config;
}

afterAll(async () => {
  await verdict?.close();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('verdict serve --kubeconfig', () => {
  it('is ready once the watch has synced; absent kinds are warnings in /readyz and the cluster status', async () => {
    const ready = await eventually(async () => {
      const r = await get<{ status: string; warnings: string[]; kinds: { kind: string; state: string }[] }>('/readyz');
      expect(r.status).toBe(200);
      return r.body;
    });
    expect(ready.kinds.find((k) => k.kind === 'Pod')?.state).toBe('synced');
    expect(ready.warnings.map((w) => w.split(':')[0])).toEqual([
      'AdminNetworkPolicy.policy.networking.k8s.io',
      'BaselineAdminNetworkPolicy.policy.networking.k8s.io',
      'ClusterNetworkPolicy.policy.networking.k8s.io',
    ]);
    const status = await get<ClusterStatusResponse>('/api/v1/cluster/status');
    expect(status.body).toMatchObject({ source: 'kubernetes', server: emulator.url, ready: true });
    expect(status.body.kinds.find((k) => k.kind === 'Pod')).toMatchObject({ objects: 2, apiVersion: 'v1' });
  });

  it('logs a policy added, changed and deleted on the watch, listed by /changes and the policy history', async () => {
    const started = Date.now();
    const deny = globalDeny('projectcalico.org/v3', 'deny-api', 'api');
    emulator.apply(deny);
    await eventually(async () => {
      expect(
        verdict.evaluator().evaluate({
          source: { namespace: 'shop', name: 'web' },
          destination: { namespace: 'shop', name: 'api' },
          protocol: 'TCP',
          destPort: 8080,
        }),
      ).toMatchObject({ ok: true, value: { enforced: { action: 'Deny' } } });
    });
    emulator.apply({ ...deny, spec: { ...deny.spec, order: 20 } });
    emulator.remove('projectcalico.org/v3', 'GlobalNetworkPolicy', undefined, 'deny-api');
    const history = await eventually(async () => {
      const r = await get<ChangeListResponse>('/api/v1/policies/GlobalNetworkPolicy/-/deny-api/history');
      expect(r.body.items.map((c) => c.op)).toEqual(['added', 'modified', 'deleted']);
      return r.body.items;
    });
    expect(history[1]!.diff).toContain('-  order: 10');
    expect(history[1]!.diff).toContain('+  order: 20');
    const since = await get<ChangeListResponse>(`/api/v1/changes?since=${new Date(started).toISOString()}`);
    expect(since.body.items.map((c) => c.name)).toEqual(['deny-api', 'deny-api', 'deny-api']);
    const all = await get<ChangeListResponse>('/api/v1/changes');
    expect(all.body.items[0]).toMatchObject({ op: 'added', kind: 'KubernetesNetworkPolicy', name: 'api-from-web' });
    const after = await get<ChangeListResponse>(`/api/v1/changes?after=${history[1]!.id}`);
    expect(after.body.items.map((c) => c.op)).toEqual(['deleted']);
  });

  it('rejects a bad since with a coded error naming the parameter', async () => {
    const r = await get<{ error: { code: string; path: string } }>('/api/v1/changes?since=yesterday');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid-parameter', path: 'since' });
  });

  it('counts watch events by kind and type, relists and lag in Prometheus series', async () => {
    const scrape = async () => (await fetch(`${verdict.httpUrl}/metrics`)).text();
    const gnp = 'GlobalNetworkPolicy.projectcalico.org';
    const text = await scrape();
    // The test before added, changed and deleted one GlobalNetworkPolicy; the first list added two pods.
    for (const [type, count] of [
      ['ADDED', 1],
      ['MODIFIED', 1],
      ['DELETED', 1],
    ] as const)
      expect(text).toContain(`verdict_cluster_watch_events_total{kind="${gnp}",type="${type}"} ${count}`);
    expect(text).toContain('verdict_cluster_watch_events_total{kind="Pod",type="ADDED"} 2');
    expect(text).toContain('verdict_cluster_relists_total{kind="Pod"} 0');
    expect(text).toContain('verdict_cluster_kind_synced{kind="Pod"} 1');
    expect(text).toContain('verdict_cluster_objects{kind="Pod"} 2');
    expect(text).toMatch(/^verdict_cluster_watch_lag_seconds \d/m);
    emulator.compact();
    emulator.apply(pod('shop', 'late', '10.0.0.9', { app: 'web' }));
    await eventually(async () => {
      const after = await scrape();
      expect(after).toMatch(/verdict_cluster_relists_total\{kind="Pod"\} [1-9]/);
      expect(after).toContain('verdict_cluster_watch_events_total{kind="Pod",type="ADDED"} 3');
    });
  });

  it('logs a policy deleted while Verdict was down as deleted after the first list at start-up', async () => {
    await verdict.close();
    emulator.remove('networking.k8s.io/v1', 'NetworkPolicy', 'shop', 'api-from-web');
    emulator.apply(allowOnly('shop', 'web-from-api', 'web', 'api'));
    verdict = await startVerdict(configFor(dir), silentLogger);
    const history = await eventually(async () => {
      const r = await get<ChangeListResponse>('/api/v1/policies/KubernetesNetworkPolicy/shop/api-from-web/history');
      expect(r.body.items.map((c) => c.op)).toEqual(['added', 'deleted']);
      return r.body.items;
    });
    expect(history[1]).toMatchObject({ source: 'relist', before: history[0]!.after, after: null });
    expect(history[1]!.diff).toContain('-  name: api-from-web');
    const added = await get<ChangeListResponse>('/api/v1/policies/KubernetesNetworkPolicy/shop/web-from-api/history');
    expect(added.body.items.map((c) => c.op)).toEqual(['added']);
    // The GlobalNetworkPolicy deleted before the restart is not deleted again.
    const gnp = await get<ChangeListResponse>('/api/v1/policies/GlobalNetworkPolicy/-/deny-api/history');
    expect(gnp.body.items.map((c) => c.op)).toEqual(['added', 'modified', 'deleted']);
  });

  it('--cluster and --kubeconfig are exclusive', () => {
    const resolved = resolveConfig({ kubeconfig: true, cluster: ['x.yaml'] }, {});
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.errors[0]?.message).toMatch(/exclusive/);
  });
});
