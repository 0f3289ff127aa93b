// End-to-end ingest benchmark on the synthetic 15,000-pod cluster: raw flows enriched and
// evaluated in process into the memory and SQLite stores, and Felix-style pushes over gRPC.
//   npx tsx bench/pipeline/ingest.ts [--flows 200000] [--repeat 10] [--memory-only]
// --repeat: the repeated-records case draws its raw flows from flows / repeat distinct observations
// (per-connection records of the same pods, port and 15 s bucket, as NDJSON imports and the demo send).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { createEvaluator } from '@verdict/engine';
import {
  createMemoryStore,
  createSqliteStore,
  enrichRawFlow,
  type Flow,
  type FlowStore,
  type RawFlow,
} from '@verdict/flows';
import { createIngestPipeline, silentLogger } from '@verdict/server';
import { createGoldmaneService, flowToProto, loadGoldmaneGrpc } from '../../packages/server/src/goldmane/index.ts';
import { type BenchRow, jsonParseFloor, printRows, rateOf, sqliteInsertFloor } from '../shared/floor.ts';
import { buildCluster, chance, pick, randomInt } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    flows: { type: 'string', default: '200000' },
    repeat: { type: 'string', default: '10' },
    'memory-only': { type: 'boolean', default: false },
  },
});
const FLOWS = Number(values.flows);
const REPEAT = Number(values.repeat);
const BATCH = 10_000;

const state = buildCluster();
const evaluator = createEvaluator(state);
const now = Math.floor(Date.now() / 1000);
const randomRaw = (): RawFlow => {
  const source = pick(state.pods);
  const target = pick(state.pods);
  return {
    source: { namespace: source.namespace, name: source.name },
    destination: chance(0.2)
      ? { ip: `${100 + randomInt(100)}.${randomInt(50)}.${randomInt(256)}.9` }
      : { ip: target.ips[0] ?? '' },
    destPort: pick([8080, 5432, 53, 443]),
    protocol: chance(0.9) ? 'TCP' : 'UDP',
    startTime: now - randomInt(600),
    packetsIn: 10,
    packetsOut: 12,
    bytesIn: 4_000,
    bytesOut: 9_000,
    connectionsStarted: 1,
  };
};
const raws: RawFlow[] = Array.from({ length: FLOWS }, randomRaw);

// The same number of raw records from FLOWS / REPEAT other distinct observations (not yet in the
// verdict cache): REPEAT records each, at random seconds of the observation's 15 s bucket, in time
// order of observation, so a batch of BATCH records holds the records of its period, shuffled.
const observations = Array.from({ length: Math.max(1, Math.floor(FLOWS / REPEAT)) }, randomRaw);
const repeated: RawFlow[] = observations.flatMap((o) =>
  Array.from({ length: REPEAT }, () => ({ ...o, startTime: o.startTime - (o.startTime % 15) + randomInt(15) })),
);
for (let from = 0; from < repeated.length; from += BATCH) {
  for (let i = Math.min(repeated.length, from + BATCH) - 1; i > from; i--) {
    const j = from + randomInt(i - from + 1);
    [repeated[i], repeated[j]] = [repeated[j]!, repeated[i]!];
  }
}

const rate = (count: number, ms: number) => count / (ms / 1000);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average at start: ${load()}`);

async function throughPipeline(
  store: FlowStore,
  raws: readonly RawFlow[],
): Promise<{ cold: number; warm: number; records: number }> {
  const pipeline = createIngestPipeline({
    store,
    evaluator: () => evaluator,
    log: silentLogger,
    queueLimit: 1_000_000,
  });
  let records = 0;
  const run = async () => {
    const started = performance.now();
    for (let i = 0; i < raws.length; i += BATCH)
      records += (await pipeline.submitRaw(raws.slice(i, i + BATCH), 'bench')).stored;
    await pipeline.drain();
    return performance.now() - started;
  };
  const cold = await run();
  const warm = await run();
  return { cold: rate(raws.length, cold), warm: rate(raws.length, warm), records };
}

async function overGrpc(flows: readonly Flow[], streams: number, pipelined: boolean): Promise<number> {
  const store = createMemoryStore();
  const pipeline = createIngestPipeline({
    store,
    evaluator: () => evaluator,
    log: silentLogger,
    queueLimit: 1_000_000,
  });
  const service = createGoldmaneService({
    store,
    ingest: (batch) => pipeline.submitFlows(batch, 'felix'),
    log: silentLogger,
  });
  const server = new grpc.Server();
  service.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const { FlowCollector } = loadGoldmaneGrpc();
  const client = new FlowCollector(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    connect(): grpc.ClientDuplexStream<unknown, unknown>;
  };
  const perStream = Math.ceil(flows.length / streams);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: streams }, (_, s) => {
      const mine = flows.slice(s * perStream, (s + 1) * perStream).map(flowToProto);
      return new Promise<void>((resolve, reject) => {
        const call = client.connect();
        let receipts = 0;
        let sent = 0;
        const sendNext = () => {
          if (sent < mine.length) call.write({ flow: mine[sent++] });
          else call.end();
        };
        call.on('data', () => {
          receipts++;
          if (!pipelined) sendNext();
          if (receipts === mine.length) call.end();
        });
        call.on('end', resolve);
        call.on('error', (error: grpc.ServiceError) =>
          error.code === grpc.status.CANCELLED ? resolve() : reject(error),
        );
        if (pipelined) for (let i = 0; i < mine.length; i++) sendNext();
        else sendNext();
      });
    }),
  );
  const ms = performance.now() - started;
  client.close();
  service.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await store.close();
  return rate(flows.length, ms);
}

// Floors of the same work on this machine in this run: decoding the same flows from NDJSON, and a
// bare batched SQLite insert of the same number of naive rows.
const dir = mkdtempSync(join(tmpdir(), 'verdict-bench-'));
const parseFloor = jsonParseFloor(raws.map((raw) => JSON.stringify(raw)));
const insertFloor = sqliteInsertFloor(join(dir, 'floor.db'), FLOWS, BATCH);

// A worker thread gets its batch by structured clone (postMessage): the cheapest hand-off, to set
// beside what the pipeline does with the same batch in process.
const cloneFloor =
  rateOf(Math.ceil(FLOWS / BATCH), (i) => {
    structuredClone(raws.slice(i * BATCH, (i + 1) * BATCH));
  }) * BATCH;

// Evaluation alone of the same raw flows, by a fresh evaluator as the pipeline's first pass has
// (first-time work per endpoint included): what the pipeline would reach if everything else were free.
const evaluationAlone = (() => {
  const fresh = createEvaluator(state);
  const started = performance.now();
  for (const raw of raws) fresh.evaluate(raw);
  return rate(raws.length, performance.now() - started);
})();

const memory = await throughPipeline(createMemoryStore(), raws);
const memoryRepeated = await throughPipeline(createMemoryStore(), repeated);
if (values['memory-only']) {
  rmSync(dir, { recursive: true, force: true });
  printRows([
    memoryRow(),
    evaluationRow(),
    memoryWarmRow(),
    memoryRepeatedRow(),
    {
      measure: 'structured clone of the same raw flows (a worker hand-off, one way)',
      figure: cloneFloor,
      unit: 'flows/s',
      floor: parseFloor,
      floorName: 'JSON.parse',
    },
  ]);
  console.log(`load average at end: ${load()}`);
  process.exit(0);
}
const sqlite = await throughPipeline(createSqliteStore({ path: join(dir, 'bench.db') }), raws);
const sqliteRepeated = await throughPipeline(createSqliteStore({ path: join(dir, 'repeated.db') }), repeated);

// The stores' own share: `store.ingest` of the same raw flows already enriched and evaluated, in the
// pipeline's batches, so the SQLite figure sits beside the bare insert floor without the pipeline's work.
const enrichedBatches: Flow[][] = [];
for (let i = 0; i < raws.length; i += BATCH) {
  const batch: Flow[] = [];
  for (const raw of raws.slice(i, i + BATCH)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) batch.push(...enriched.flows);
  }
  enrichedBatches.push(batch);
}
const enrichedCount = enrichedBatches.reduce((n, b) => n + b.length, 0);
async function storeOnly(store: FlowStore): Promise<number> {
  const started = performance.now();
  for (const batch of enrichedBatches) await store.ingest(batch);
  const ms = performance.now() - started;
  await store.close();
  return rate(enrichedCount, ms);
}
const sqliteStoreOnly = await storeOnly(createSqliteStore({ path: join(dir, 'store-only.db') }));
const memoryStoreOnly = await storeOnly(createMemoryStore());
rmSync(dir, { recursive: true, force: true });

// The records of the first 50,000 raw flows.
const felixFlows: Flow[] = enrichedBatches.slice(0, Math.ceil(50_000 / BATCH)).flat();
const grpcStopAndWait = await overGrpc(felixFlows, 16, false);
const grpcPipelined = await overGrpc(felixFlows, 4, true);

const distinct = `${FLOWS.toLocaleString('en-US')} distinct raw flows`;
printRows([
  memoryRow(),
  evaluationRow(),
  memoryWarmRow(),
  memoryRepeatedRow(),
  {
    measure: `in process → SQLite store (synchronous=FULL), ${distinct}`,
    figure: sqlite.cold,
    unit: 'flows/s',
    floor: insertFloor,
    floorName: 'bare SQLite insert',
    goal: 200_000,
  },
  {
    measure: 'in process → SQLite store, the same flows again',
    figure: sqlite.warm,
    unit: 'flows/s',
    floor: insertFloor,
    floorName: 'bare SQLite insert',
  },
  {
    measure: `in process → SQLite store, ${FLOWS.toLocaleString('en-US')} raw records of ${observations.length.toLocaleString('en-US')} observations (first pass)`,
    figure: sqliteRepeated.cold,
    unit: 'flows/s',
    floor: insertFloor,
    floorName: 'bare SQLite insert',
    goal: 200_000,
  },
  {
    measure: `SQLite store.ingest alone, the same raw flows pre-enriched (${enrichedCount.toLocaleString('en-US')} flow records)`,
    figure: sqliteStoreOnly,
    unit: 'records/s',
    floor: insertFloor,
    floorName: 'bare SQLite insert',
  },
  {
    measure: 'memory store.ingest alone, the same pre-enriched flow records',
    figure: memoryStoreOnly,
    unit: 'records/s',
    floor: insertFloor,
    floorName: 'bare SQLite insert',
  },
  {
    measure: `gRPC FlowCollector.Connect, 16 streams, stop-and-wait as Felix (${felixFlows.length.toLocaleString('en-US')} flows)`,
    figure: grpcStopAndWait,
    unit: 'flows/s',
  },
  { measure: 'gRPC FlowCollector.Connect, 4 streams, pipelined writes', figure: grpcPipelined, unit: 'flows/s' },
  {
    measure: 'structured clone of the same raw flows (a worker hand-off, one way)',
    figure: cloneFloor,
    unit: 'flows/s',
    floor: parseFloor,
    floorName: 'JSON.parse',
  },
]);
console.log(`load average at end: ${load()}`);

function memoryRow(): BenchRow {
  return {
    measure: `in process → memory store, ${FLOWS.toLocaleString('en-US')} distinct raw flows (enrich + evaluate + aggregate)`,
    figure: memory.cold,
    unit: 'flows/s',
    floor: parseFloor,
    floorName: 'JSON.parse',
    goal: 500_000,
  };
}

function evaluationRow(): BenchRow {
  return {
    measure: `  the engine alone on the same flows (fresh evaluator, no enrichment or store): pipeline at ${(memory.cold / evaluationAlone).toFixed(2)} × it`,
    figure: evaluationAlone,
    unit: 'flows/s',
    floor: parseFloor,
    floorName: 'JSON.parse',
  };
}

function memoryWarmRow(): BenchRow {
  return {
    measure: 'in process → memory store, the same flows again (verdict cache warm)',
    figure: memory.warm,
    unit: 'flows/s',
    floor: parseFloor,
    floorName: 'JSON.parse',
  };
}

function memoryRepeatedRow(): BenchRow {
  return {
    measure: `in process → memory store, ${FLOWS.toLocaleString('en-US')} raw records of ${observations.length.toLocaleString('en-US')} observations (first pass)`,
    figure: memoryRepeated.cold,
    unit: 'flows/s',
    floor: parseFloor,
    floorName: 'JSON.parse',
    goal: 500_000,
  };
}
