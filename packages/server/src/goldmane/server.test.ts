import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Flow, FlowStore } from '@verdict/flows';
import { createMemoryStore } from '@verdict/flows';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  eventually,
  flowBetween,
  profileAllow,
  silentLog,
  T0,
  testClock,
  trackSubscriptions,
} from '../../test/fixtures.ts';
import {
  flowResultFromProto,
  flowToProto,
  type PbFilterHintsResult,
  type PbFlow,
  type PbFlowListResult,
  type PbFlowResult,
  type PbStatisticsResult,
} from './codec.ts';
import { loadGoldmaneGrpc } from './proto.ts';
import { createGoldmaneService, type GoldmaneServiceOptions } from './server.ts';

type Unary = (req: unknown, cb: (e: grpc.ServiceError | null, res: unknown) => void) => void;

interface Harness {
  address: string;
  clock: ReturnType<typeof testClock>;
  store: ReturnType<typeof createMemoryStore>;
  ingested: Flow[][];
  flows: grpc.Client;
  collector: grpc.Client;
  statistics: grpc.Client;
  server: grpc.Server;
  service: ReturnType<typeof createGoldmaneService>;
}

async function start(
  options: Partial<GoldmaneServiceOptions> & { wrap?: (s: FlowStore) => FlowStore } = {},
): Promise<Harness> {
  const clock = testClock(T0 + 1);
  const store = createMemoryStore({ now: clock.now });
  const ingested: Flow[][] = [];
  const service = createGoldmaneService({
    store: options.wrap ? options.wrap(store) : store,
    ingest: async (flows) => {
      ingested.push(flows);
      await store.ingest(flows);
    },
    log: silentLog,
    now: clock.now,
    ...options,
  });
  const server = new grpc.Server();
  service.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;
  const creds = grpc.credentials.createInsecure();
  const { Flows, FlowCollector, Statistics } = loadGoldmaneGrpc();
  return {
    address,
    clock,
    store,
    ingested,
    server,
    service,
    flows: new Flows(address, creds),
    collector: new FlowCollector(address, creds),
    statistics: new Statistics(address, creds),
  };
}

function unary<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
  const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
  return new Promise((resolve, reject) => fn(req, (e, res) => (e ? reject(e) : resolve(res as T))));
}

/** Collects a server stream until it ends; resolves with the messages and the final status. */
function drain<T>(call: grpc.ClientReadableStream<unknown>): Promise<{ messages: T[]; error?: grpc.ServiceError }> {
  const messages: T[] = [];
  call.on('data', (m: T) => messages.push(m));
  return new Promise((resolve) => {
    call.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    call.on('end', () => resolve({ messages }));
  });
}

/** Felix's Go client: one FlowUpdate, wait for its FlowReceipt, then the next. */
async function felixPush(client: grpc.Client, flows: PbFlow[]): Promise<number> {
  const call = (client as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
  let receipts = 0;
  for (const flow of flows) {
    const receipt = once(call, 'data');
    call.write({ flow });
    await receipt;
    receipts++;
  }
  call.end();
  await once(call, 'end');
  return receipts;
}

function stop(h: Harness) {
  for (const c of [h.flows, h.collector, h.statistics]) c.close();
  h.service.close();
  h.server.forceShutdown();
}

const shopFlow = flowBetween('shop/frontend-6d4b8c7f9-*', 'shop/checkout-5c8f9-*');
const publicFlow = flowBetween('-/pub', 'shop/web-7c9d-*', { destPort: 443, action: 'Deny' }, { sourceLabels: [] });

describe('Goldmane gRPC over a socket', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await start();
  });
  afterEach(() => stop(h));

  it('takes Felix pushes and returns them from List, Stream, FilterHints and Statistics', async () => {
    const live = (h.flows as unknown as { Stream(r: unknown): grpc.ClientReadableStream<PbFlowResult> }).Stream({
      startTimeGte: 0,
    });
    const received: PbFlowResult[] = [];
    live.on('data', (m: PbFlowResult) => received.push(m));
    live.on('error', () => {});
    await eventually(() => h.service.stats().streams === 1);

    expect(await felixPush(h.collector, [flowToProto(shopFlow), flowToProto(publicFlow)])).toBe(2);
    expect(h.ingested.flat()).toEqual([shopFlow, publicFlow]);

    // The bucket [T0, T0+15) is complete and streamed once the clock is two buckets on.
    h.clock.set(T0 + 31);
    h.store.tick();
    await eventually(() => received.length === 2);
    const streamed = received.map((r) => flowResultFromProto(r));
    expect(streamed.every((r) => r.ok)).toBe(true);
    expect(received[0]?.flow?.startTime).toBe(T0);
    expect(received[0]?.flow?.endTime).toBe(T0 + 15);

    const list = await unary<PbFlowListResult>(h.flows, 'List', { startTimeGte: -300 });
    expect(list.meta).toEqual({ totalPages: 1, totalResults: 2 });
    const first = list.flows.find((f) => f.flow?.Key?.destName === 'checkout-5c8f9-*');
    expect(first?.flow?.packetsIn).toBe(30);
    const pending = first?.flow?.Key?.policies?.pendingPolicies[0];
    expect(pending).toMatchObject({ kind: 'EndOfTier', tier: 'security', action: 'Deny', ruleIndex: -1 });
    expect(pending?.trigger).toMatchObject({
      kind: 'StagedNetworkPolicy',
      namespace: 'shop',
      name: 'lockdown',
      action: 'ActionUnspecified',
    });

    const filtered = await unary<PbFlowListResult>(h.flows, 'List', {
      filter: { sourceNames: [{ value: 'pub', type: 'Exact' }] },
    });
    expect(filtered.flows.map((f) => f.flow?.Key?.destPort)).toEqual([443]);

    const sorted = await unary<PbFlowListResult>(h.flows, 'List', { sortBy: [{ sortBy: 'DestName' }], pageSize: 1 });
    expect(sorted.meta).toEqual({ totalPages: 2, totalResults: 2 });
    expect(sorted.flows[0]?.flow?.Key?.destName).toBe('checkout-5c8f9-*');

    const hints = await unary<PbFilterHintsResult>(h.flows, 'FilterHints', { type: 'FilterTypeSourceNamespace' });
    expect(hints.hints).toEqual([{ value: '-' }, { value: 'shop' }]);
    const kinds = await unary<PbFilterHintsResult>(h.flows, 'FilterHints', { type: 'FilterTypePolicyKind' });
    expect(kinds.hints).toEqual([{ value: 'StagedNetworkPolicy' }]);

    const stats = await drain<PbStatisticsResult>(
      (h.statistics as unknown as { List(r: unknown): grpc.ClientReadableStream<unknown> }).List({
        type: 'PacketCount',
        groupBy: 'Policy',
      }),
    );
    expect(stats.error).toBeUndefined();
    const profile = stats.messages.find((m) => m.policy?.kind === 'Profile');
    expect(profile).toMatchObject({ direction: 'Any', allowedIn: [60], allowedOut: [56] });
    live.cancel();
    await eventually(() => h.service.stats().streams === 0);
  });

  it('acknowledges each update only after ingest resolved, in order', async () => {
    stop(h);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    h = await start({ ingest: () => gate.then(() => undefined) });
    const call = (h.collector as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    let receipts = 0;
    call.on('data', () => receipts++);
    call.write({ flow: flowToProto(shopFlow) });
    call.write({ flow: flowToProto(publicFlow) });
    await new Promise((r) => setTimeout(r, 100));
    expect(receipts).toBe(0);
    release();
    await eventually(() => receipts === 2);
    call.end();
    await once(call, 'end');
  });

  it('acknowledges but does not re-ingest a resend on the same connection', async () => {
    const call = (h.collector as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    let receipts = 0;
    call.on('data', () => receipts++);
    for (const f of [shopFlow, shopFlow, publicFlow, shopFlow]) call.write({ flow: flowToProto(f) });
    await eventually(() => receipts === 4);
    expect(h.ingested.flat()).toEqual([shopFlow, publicFlow]);
    expect(h.service.stats().duplicates).toBe(2);
    call.end();
    await once(call, 'end');
    // A reconnect over the same TCP connection is still deduplicated...
    expect(await felixPush(h.collector, [flowToProto(shopFlow)])).toBe(1);
    expect(h.ingested.flat()).toHaveLength(2);
    // ...a new connection is a new peer port, so the flow is ingested again (as in Goldmane).
    const { FlowCollector } = loadGoldmaneGrpc();
    const other = new FlowCollector(h.address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    expect(await felixPush(other, [flowToProto(shopFlow)])).toBe(1);
    expect(h.ingested.flat()).toHaveLength(3);
    other.close();
  });

  it('batches updates that arrive while an ingest is running into the next ingest', async () => {
    stop(h);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const batches: number[] = [];
    h = await start({
      ingest: async (flows) => {
        batches.push(flows.length);
        if (batches.length === 1) await gate;
      },
    });
    const first = felixPush(h.collector, [flowToProto(flowBetween('shop/a-*', 'shop/checkout-*'))]);
    await eventually(() => batches.length === 1);
    const { FlowCollector } = loadGoldmaneGrpc();
    const separateConnection = { 'grpc.use_local_subchannel_pool': 1 };
    const nodes = [1, 2, 3, 4].map(
      () => new FlowCollector(h.address, grpc.credentials.createInsecure(), separateConnection),
    );
    const rest = nodes.map((c, i) => felixPush(c, [flowToProto(flowBetween(`shop/n${i}-*`, 'shop/checkout-*'))]));
    await eventually(() => h.service.stats().received === 5);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([1, 1, 1, 1, 1]);
    expect(batches).toEqual([1, 4]);
    for (const c of nodes) c.close();
  });

  it('ends a Connect stream on undecodable bytes with INVALID_ARGUMENT and keeps serving', async () => {
    const raw = new grpc.Client(h.address, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest(
      '/goldmane.FlowCollector/Connect',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    call.on('data', () => {});
    const failed = once(call, 'error');
    // Field 1 (flow), length-delimited, claiming 255 bytes but carrying one.
    call.write(Buffer.from([0x0a, 0xff, 0x01, 0x00]));
    const [error] = (await failed) as [grpc.ServiceError];
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^malformed FlowUpdate: cannot decode protobuf/);
    raw.close();

    expect(await felixPush(h.collector, [flowToProto(shopFlow)])).toBe(1);
    const list = await unary<PbFlowListResult>(h.flows, 'List', {});
    expect(list.meta.totalResults).toBe(1);
  });

  it('ends a Connect stream on a FlowUpdate that cannot be a flow, naming the field', async () => {
    const call = (h.collector as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    call.on('data', () => {});
    const failed = once(call, 'error');
    const bad = flowToProto(shopFlow);
    call.write({ flow: { ...bad, Key: { ...bad.Key, sourceType: 'EndpointTypeUnspecified' } } });
    const [error] = (await failed) as [grpc.ServiceError];
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain('invalid FlowUpdate: flow.Key.source_type: EndpointTypeUnspecified');

    const empty = (h.collector as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    empty.on('data', () => {});
    const failedEmpty = once(empty, 'error');
    empty.write({});
    const [emptyError] = (await failedEmpty) as [grpc.ServiceError];
    expect(emptyError.details).toBe('invalid FlowUpdate: flow: missing');
  });

  it('answers undecodable unary requests with INVALID_ARGUMENT', async () => {
    const raw = new grpc.Client(h.address, grpc.credentials.createInsecure());
    // A v3.31 PolicyMatch (tier as a plain string) misread as a v3.32 StringMatch.
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      raw.makeUnaryRequest(
        '/goldmane.Flows/List',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x32, 0x09, 0x42, 0x07, 0x12, 0x05, 0x74, 0x69, 0x65, 0x72, 0x31]),
        (e) => resolve(e as grpc.ServiceError),
      ),
    );
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^malformed FlowListRequest/);
    raw.close();
  });

  it('rejects bad List and FilterHints requests with Goldmane messages as UNKNOWN', async () => {
    const cases: [string, unknown, string][] = [
      ['List', { sortBy: [{ sortBy: 'Time' }, { sortBy: 'DestName' }] }, 'at most one sort order is supported'],
      ['List', { sortBy: [{ sortBy: 'DestType' }] }, 'unsupported sort order'],
      [
        'List',
        { startTimeGte: T0 + 100, startTimeLt: T0 },
        `startTimeGte (${T0 + 100}) must be less than startTimeLt (${T0})`,
      ],
      ['FilterHints', { type: 'FilterTypeUnspecified' }, 'unsupported filter type'],
    ];
    for (const [method, req, details] of cases) {
      const e = await unary(h.flows, method, req).catch((e: grpc.ServiceError) => e);
      expect(e).toMatchObject({ code: grpc.status.UNKNOWN, details });
    }
  });

  it('backfills a Stream from a past start time, oldest first', async () => {
    await felixPush(h.collector, [flowToProto(shopFlow)]);
    h.clock.set(T0 + 16);
    h.store.tick();
    await felixPush(h.collector, [flowToProto({ ...publicFlow, startTime: T0 + 16, endTime: T0 + 16 })]);
    h.clock.set(T0 + 46);
    h.store.tick();
    const call = (h.flows as unknown as { Stream(r: unknown): grpc.ClientReadableStream<PbFlowResult> }).Stream({
      startTimeGte: -120,
    });
    const got: PbFlowResult[] = [];
    call.on('data', (m: PbFlowResult) => got.push(m));
    call.on('error', () => {});
    await eventually(() => got.length === 2);
    expect(got.map((r) => r.flow?.startTime)).toEqual([T0, T0 + 15]);
    call.cancel();
  });

  it('sends a backfill far larger than the stream buffer whole to a client that keeps reading', async () => {
    stop(h);
    h = await start();
    const keys = 3000;
    await h.store.ingest(
      Array.from({ length: keys }, (_, i) => ({ ...shopFlow, key: { ...shopFlow.key, destPort: i } })),
    );
    h.clock.set(T0 + 46);
    h.store.tick();
    const call = (h.flows as unknown as { Stream(r: unknown): grpc.ClientReadableStream<PbFlowResult> }).Stream({
      startTimeGte: -120,
    });
    const ports: number[] = [];
    call.on('data', (m: PbFlowResult) => ports.push(m.flow?.Key?.destPort ?? -1));
    call.on('error', () => {});
    await eventually(() => ports.length === keys, 15_000);
    expect(new Set(ports).size).toBe(keys);
    expect(h.service.stats().dropped).toBe(0);
    call.cancel();
  });

  it('refuses streams beyond the limit with RESOURCE_EXHAUSTED', async () => {
    stop(h);
    const tracked = { open: () => 0 };
    h = await start({
      maxStreams: 2,
      wrap: (s) => {
        const t = trackSubscriptions(s);
        tracked.open = t.open;
        return t.store;
      },
    });
    const open = () =>
      (h.flows as unknown as { Stream(r: unknown): grpc.ClientReadableStream<PbFlowResult> }).Stream({});
    const a = open();
    const b = open();
    for (const s of [a, b]) s.on('error', () => {});
    await eventually(() => tracked.open() === 2);
    const third = await drain(open());
    expect(third.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(third.error?.details).toBe('max number of streams reached, try again later');
    a.cancel();
    await eventually(() => tracked.open() === 1);
    const fourth = open();
    fourth.on('error', () => {});
    await eventually(() => tracked.open() === 2);
    b.cancel();
    fourth.cancel();
    await eventually(() => tracked.open() === 0);
  });

  it('sends one empty StatisticsResult then NOT_FOUND when there is no data', async () => {
    const result = await drain<PbStatisticsResult>(
      (h.statistics as unknown as { List(r: unknown): grpc.ClientReadableStream<unknown> }).List({}),
    );
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toMatchObject({ policy: null, allowedIn: [], x: [] });
    expect(result.error?.code).toBe(grpc.status.NOT_FOUND);
  });

  it('computes statistics from per-bucket lists for a store without its own', async () => {
    stop(h);
    h = await start({ wrap: (s) => trackSubscriptions(s).store });
    await felixPush(h.collector, [flowToProto(shopFlow)]);
    h.clock.set(T0 + 31);
    h.store.tick();
    const req = { type: 'PacketCount', groupBy: 'PolicyRule', timeSeries: true, policyMatch: { kind: 'Profile' } };
    const result = await drain<PbStatisticsResult>(
      (h.statistics as unknown as { List(r: unknown): grpc.ClientReadableStream<unknown> }).List(req),
    );
    expect(result.error).toBeUndefined();
    expect(result.messages).toEqual([
      {
        policy: {
          kind: 'Profile',
          namespace: '',
          name: profileAllow.name,
          tier: '',
          action: 'Allow',
          policyIndex: 0,
          ruleIndex: 0,
          trigger: null,
        },
        direction: 'Ingress',
        groupBy: 'PolicyRule',
        type: 'PacketCount',
        allowedIn: [30],
        allowedOut: [28],
        deniedIn: [0],
        deniedOut: [0],
        passedIn: [0],
        passedOut: [0],
        x: [T0],
      },
    ]);
  });
});
