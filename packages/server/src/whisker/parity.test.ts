// Calico 3.33 parity of the two flow APIs over real sockets: whisker-backend HTTP and Goldmane gRPC
// read one store and must agree on hit order, the service fields and every 3.32 filter field.
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { serve } from '@hono/node-server';
import type { PolicyHit } from '@verdict/engine';
import { createMemoryStore } from '@verdict/flows';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowBetween, silentLog, T0, testClock } from '../../test/fixtures.ts';
import type { PbFilter, PbFlowListResult } from '../goldmane/codec.ts';
import { loadGoldmaneGrpc } from '../goldmane/proto.ts';
import { createGoldmaneService } from '../goldmane/server.ts';
import type { FlowResponse } from './response.ts';
import { createWhiskerRoutes } from './routes.ts';

const policyHit = (
  kind: PolicyHit['kind'],
  tier: string,
  namespace: string,
  name: string,
  action: PolicyHit['action'],
  policyIndex: number,
): PolicyHit => ({ kind, tier, namespace, name, action, policyIndex, ruleIndex: 0 });

const guard = policyHit('AdminNetworkPolicy', 'adminnetworkpolicy', '', 'guard', 'Pass', 0);
const allowApi = policyHit('CalicoNetworkPolicy', 'default', 'shop', 'allow-api', 'Allow', 1);
const lockdown = policyHit('StagedNetworkPolicy', 'default', 'shop', 'lockdown', 'Deny', 0);
const denyDb = policyHit('GlobalNetworkPolicy', 'security', '', 'deny-db', 'Deny', 0);
const profile = policyHit('Profile', '', '', 'kns.shop', 'Allow', 0);

/** web → api through the `api` service, its hits recorded out of policy_index order. */
const toApi = flowBetween('shop/web-*', 'shop/api-*', {
  destServiceName: 'api',
  destServiceNamespace: 'shop',
  destServicePortName: 'http',
  destServicePort: 80,
  policies: { enforced: [allowApi, guard], pending: [lockdown] },
});
const toDb = flowBetween('shop/web-*', 'db/postgres-*', {
  reporter: 'Src',
  action: 'Deny',
  policies: { enforced: [denyDb], pending: [profile] },
});
const fromPublic = flowBetween('-/pub', 'shop/web-*', { policies: { enforced: [profile], pending: [profile] } });

type Unary = (req: unknown, cb: (e: grpc.ServiceError | null, res: unknown) => void) => void;

let httpBase = '';
let flowsClient: grpc.Client;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  const clock = testClock(T0 + 1);
  const store = createMemoryStore({ now: clock.now });
  await store.ingest([toApi, toDb, fromPublic]);
  const app = new Hono();
  app.route('/whisker-backend', createWhiskerRoutes({ store, now: clock.now, log: silentLog }));
  const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}/whisker-backend`;
  const service = createGoldmaneService({
    store,
    ingest: async (flows) => {
      await store.ingest(flows);
      return undefined;
    },
    log: silentLog,
    now: clock.now,
  });
  const server = new grpc.Server();
  service.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const { Flows } = loadGoldmaneGrpc();
  flowsClient = new Flows(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  closeAll = async () => {
    flowsClient.close();
    service.close();
    server.forceShutdown();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
});
afterAll(() => closeAll());

async function httpList(filters?: object): Promise<FlowResponse[]> {
  const query = filters ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
  const res = await fetch(`${httpBase}/flows${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: FlowResponse[] }).items;
}

function grpcList(filter?: Partial<PbFilter>): Promise<PbFlowListResult> {
  const list = (flowsClient as unknown as Record<string, Unary>).List!.bind(flowsClient);
  const req = { startTimeGte: 0, startTimeLt: 0, page: 0, pageSize: 0, ...(filter ? { filter } : {}) };
  return new Promise((resolve, reject) => list(req, (e, res) => (e ? reject(e) : resolve(res as PbFlowListResult))));
}

const httpDests = async (filters: object) => (await httpList(filters)).map((f) => f.dest_name).sort();
const grpcDests = async (filter: Partial<PbFilter>) =>
  (await grpcList(filter)).flows.map((r) => r.flow?.Key?.destName).sort();

describe('Calico 3.33 parity over HTTP and gRPC', () => {
  it('sends hits sorted by policy_index on both', async () => {
    const http = (await httpList()).find((f) => f.dest_name === 'api-*');
    expect(http?.policies.enforced.map((h) => [h.policy_index, h.name])).toEqual([
      [0, 'guard'],
      [1, 'allow-api'],
    ]);
    const pb = (await grpcList()).flows.find((r) => r.flow?.Key?.destName === 'api-*');
    expect(pb?.flow?.Key?.policies?.enforcedPolicies.map((h) => [Number(h.policyIndex), h.name])).toEqual([
      [0, 'guard'],
      [1, 'allow-api'],
    ]);
  });

  it('carries the service object where the flow has one, and leaves it out where not', async () => {
    const items = await httpList();
    expect(items.find((f) => f.dest_name === 'api-*')?.service).toEqual({
      name: 'api',
      namespace: 'shop',
      port: 80,
      port_name: 'http',
    });
    expect(items.find((f) => f.dest_name === 'postgres-*')).not.toHaveProperty('service');
    const key = (await grpcList()).flows.find((r) => r.flow?.Key?.destName === 'api-*')?.flow?.Key;
    expect([
      key?.destServiceName,
      key?.destServiceNamespace,
      Number(key?.destServicePort),
      key?.destServicePortName,
    ]).toEqual(['api', 'shop', 80, 'http']);
  });

  const exact = (value: string) => ({ value, type: 'Exact' as const });
  const fuzzy = (value: string) => ({ value, type: 'Fuzzy' as const });
  it.each([
    [
      'policy kind',
      { policies: [{ kind: 'GlobalNetworkPolicy' }] },
      { policies: [{ kind: 'GlobalNetworkPolicy' }] },
      ['postgres-*'],
    ],
    [
      'policy namespace (exact)',
      { policies: [{ namespace: exact('shop') }] },
      { policies: [{ namespace: exact('shop') }] },
      ['api-*'],
    ],
    [
      'policy name (fuzzy)',
      { policies: [{ name: fuzzy('deny') }] },
      { policies: [{ name: fuzzy('deny') }] },
      ['postgres-*'],
    ],
    [
      'policy tier (exact)',
      { policies: [{ tier: exact('security') }] },
      { policies: [{ tier: exact('security') }] },
      ['postgres-*'],
    ],
    [
      'policy tier (fuzzy)',
      { policies: [{ tier: fuzzy('admin') }] },
      { policies: [{ tier: fuzzy('admin') }] },
      ['api-*'],
    ],
    ['reporter', { reporter: 'Src' }, { reporter: 'Src' }, ['postgres-*']],
    ['pending actions', { pending_actions: ['Deny'] }, { pendingActions: ['Deny'] }, ['api-*']],
    [
      'policy kind and action together',
      { policies: [{ kind: 'CalicoNetworkPolicy', action: 'Allow' }] },
      { policies: [{ kind: 'CalicoNetworkPolicy', action: 'Allow' }] },
      ['api-*'],
    ],
  ])('filters by %s the same way on both', async (_name, whisker, goldmane, expected) => {
    expect(await httpDests(whisker)).toEqual(expected);
    expect(await grpcDests(goldmane as Partial<PbFilter>)).toEqual(expected);
  });
});
