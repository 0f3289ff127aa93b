// FlowCollector.Connect under a store that falls behind, over real sockets, with the real ingest
// pipeline, memory store and metrics: receipts are delayed and never stand for a lost flow; a drop
// is counted in verdict_ingest_dropped_total, logged, and the flows come back with Felix's resend.
import * as grpc from '@grpc/grpc-js';
import type { Flow, FlowStore } from '@verdict/flows';
import { createMemoryStore } from '@verdict/flows';
import { afterEach, describe, expect, it } from 'vitest';
import { flowBetween, silentLog, T0, testClock } from '../../test/fixtures.ts';
import { createIngestPipeline } from '../ingest/index.ts';
import type { Logger } from '../log.ts';
import { createMetrics, registerGoldmaneCollectorMetrics } from '../metrics/index.ts';
import { flowToProto } from './codec.ts';
import { loadGoldmaneGrpc } from './proto.ts';
import { createGoldmaneService, type GoldmaneServiceOptions } from './server.ts';

type Duplex = grpc.ClientDuplexStream<unknown, unknown>;

interface Rig {
  address: string;
  store: ReturnType<typeof createMemoryStore>;
  service: ReturnType<typeof createGoldmaneService>;
  pipeline: ReturnType<typeof createIngestPipeline>;
  metrics: ReturnType<typeof createMetrics>;
  warnings: string[];
  server: grpc.Server;
  clients: grpc.Client[];
}

let rig: Rig | undefined;
afterEach(() => {
  for (const c of rig?.clients ?? []) c.close();
  rig?.service.close();
  rig?.server.forceShutdown();
  rig = undefined;
});

/** The collector over the real pipeline and memory store; `slow` stands in front of the store's ingest. */
async function start(
  slow: (flows: readonly Flow[]) => Promise<void>,
  pipelineOptions: { queueLimit?: number; waitMs?: number } = {},
  collectorOptions: Partial<GoldmaneServiceOptions> = {},
): Promise<Rig> {
  const clock = testClock(T0 + 1);
  const store = createMemoryStore({ now: clock.now });
  const metrics = createMetrics();
  const warnings: string[] = [];
  const log: Logger = { ...silentLog, debug() {}, warn: (message) => void warnings.push(message) };
  const slowStore = {
    ingest: async (flows: Flow[]) => {
      await slow(flows);
      await store.ingest(flows);
    },
  } as unknown as FlowStore;
  const pipeline = createIngestPipeline({
    store: slowStore,
    evaluator: () => {
      throw new Error('Felix flows carry their traces');
    },
    log,
    acceptedStarts: () => store.acceptedStarts(),
    onDrop: (source, reason, count) => metrics.ingestDropped(source, reason, count),
    ...pipelineOptions,
  });
  const service = createGoldmaneService({
    store,
    ingest: (flows) => pipeline.submitFlows(flows, 'felix'),
    log: { ...silentLog, warn: (message: string) => void warnings.push(message) },
    now: clock.now,
    ...collectorOptions,
  });
  registerGoldmaneCollectorMetrics(metrics.registry, () => service.stats());
  const server = new grpc.Server();
  service.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  rig = { address: `127.0.0.1:${port}`, store, service, pipeline, metrics, warnings, server, clients: [] };
  return rig;
}

/** A node: its own TCP connection, as each calico-node has. */
function node(r: Rig): grpc.Client {
  const { FlowCollector } = loadGoldmaneGrpc();
  const client = new FlowCollector(r.address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  r.clients.push(client);
  return client;
}

const connect = (client: grpc.Client) => (client as unknown as { Connect(): Duplex }).Connect();

const flowOf = (n: number, i: number) =>
  flowBetween(`shop/node${n}-*`, `shop/api-${i % 13}-*`, { destPort: 1000 + i }, { startTime: T0, packetsIn: 1 });

/** Sends `flows` keeping up to `window` unacknowledged; resolves with the receipts, or the status that ended the stream. */
function push(
  client: grpc.Client,
  flows: Flow[],
  window: number,
): Promise<{ receipts: number; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const call = connect(client);
    let sent = 0;
    let receipts = 0;
    const fill = () => {
      while (sent < flows.length && sent - receipts < window) call.write({ flow: flowToProto(flows[sent++] as Flow) });
      if (receipts === flows.length) call.end();
    };
    call.on('data', () => {
      receipts++;
      fill();
    });
    call.on('end', () => resolve({ receipts }));
    call.on('error', (error: grpc.ServiceError) => resolve({ receipts, error }));
    fill();
  });
}

/** Packets stored (every test flow carries one), i.e. flows stored whatever the aggregation. */
async function packetsStored(r: Rig): Promise<number> {
  const { flows } = await r.store.list({ range: { gte: T0 - 60, lt: T0 + 60 }, pageSize: 0 });
  return flows.reduce((sum, { flow }) => sum + flow.packetsIn, 0);
}

/** A sample's value in the scrape, 0 when absent. */
const scraped = async (r: Rig, sample: string) => {
  const line = (await r.metrics.scrape()).split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.split(' ').pop());
};
const droppedMetric = (r: Rig, reason: string) =>
  scraped(r, `verdict_ingest_dropped_total{source="felix",reason="${reason}"}`);

describe('FlowCollector backpressure over real sockets', () => {
  it('with a slow store and many pipelining streams, stops reading and delays receipts; every acknowledged flow is stored', async () => {
    const batches: number[] = [];
    const r = await start(
      async (flows) => {
        batches.push(flows.length);
        // A store that takes a while for each commit.
        await new Promise((resolve) => setTimeout(resolve, 3));
      },
      {},
      { maxCollectorWaiting: 40, maxStreamInFlight: 8 },
    );
    const NODES = 24;
    const PER_NODE = 60;
    const results = await Promise.all(
      Array.from({ length: NODES }, (_, n) =>
        push(
          node(r),
          Array.from({ length: PER_NODE }, (_, i) => flowOf(n, i)),
          // More in flight than the collector lets one stream have, as no Felix does.
          20,
        ),
      ),
    );
    expect(results.map((x) => x.error)).toEqual(results.map(() => undefined));
    const acknowledged = results.reduce((sum, x) => sum + x.receipts, 0);
    expect(acknowledged).toBe(NODES * PER_NODE);
    expect(await packetsStored(r)).toBe(acknowledged);
    const stats = r.service.stats();
    // Backpressure engaged, and the waiting room was never exceeded.
    expect(stats.pauses).toBeGreaterThan(0);
    expect(stats.peakWaiting).toBeLessThanOrEqual(40);
    expect(stats.waiting).toBe(0);
    // ...and is visible to Prometheus.
    expect(await scraped(r, 'verdict_goldmane_collector_pauses_total')).toBe(stats.pauses);
    expect(await scraped(r, 'verdict_goldmane_collector_waiting')).toBe(0);
    // Group commit: every flow went in exactly once, many streams' flows in one commit.
    expect(batches.reduce((a, b) => a + b, 0)).toBe(acknowledged);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect(await droppedMetric(r, 'queue-full')).toBe(0);
  });

  it('Felix stop-and-wait streams behind a full ingest queue: flows dropped are counted, logged, unacknowledged, and stored on resend', async () => {
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await start(() => blocked, { queueLimit: 10, waitMs: 20 });
    // Another source fills the ingest queue while the store is stuck.
    const other = r.pipeline.submitFlows(
      Array.from({ length: 10 }, (_, i) => flowOf(99, i)),
      'file',
    );
    const NODES = 6;
    const firstTry = await Promise.all(Array.from({ length: NODES }, (_, n) => push(node(r), [flowOf(n, 0)], 1)));
    for (const result of firstTry) {
      expect(result.receipts).toBe(0);
      expect(result.error?.code).toBe(grpc.status.UNAVAILABLE);
      expect(result.error?.details).toMatch(/flows not stored, resend: ingest queue full/);
    }
    expect(await droppedMetric(r, 'queue-full')).toBe(NODES);
    expect(r.warnings.filter((w) => w === 'ingest queue full: flows dropped').length).toBeGreaterThan(0);
    expect(r.warnings.filter((w) => w.includes('FlowCollector stream from')).length).toBe(NODES);

    release();
    await other;
    // Felix reconnects and resends what it has no receipt for.
    const resent = await Promise.all(Array.from({ length: NODES }, (_, n) => push(node(r), [flowOf(n, 0)], 1)));
    expect(resent.map((x) => x.receipts)).toEqual(resent.map(() => 1));
    expect(await packetsStored(r)).toBe(10 + NODES);
    expect(await droppedMetric(r, 'queue-full')).toBe(NODES);
  });
});
