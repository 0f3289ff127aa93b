// ClickHouse store benchmark: ingest rate through the store against ClickHouse's own INSERT … FORMAT
// RowBinary and TabSeparated of the same rows, encoded before the clock starts (the floor, same run,
// same server); List p50/p99 with namespace and
// action filters as the stored rows grow (copies of the ingested rows made inside ClickHouse with
// INSERT … SELECT over numbers()); a 10-policy rehearsal at the largest size.
//   npx tsx bench/clickhouse/main.ts [--flows 1000000] [--rows 1e7,1e8] [--queries 40] [--parallel 2]

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEvaluator, type PolicySpec } from '@verdict/engine';
import { createClickHouseStore, enrichRawFlow, type Flow, startLocalClickHouse } from '@verdict/flows';
import { rehearseStore } from '@verdict/rehearse';
import { RowBinaryWriter } from '../../packages/flows/src/clickhouse/rowbinary.ts';
import {
  encodeWindows,
  keyPrefix,
  WINDOW_BINARY_COLUMNS,
  WINDOW_COLUMNS,
  WindowColumns,
  windowsTsv,
} from '../../packages/flows/src/clickhouse/rows.ts';
import { COUNTERS } from '../../packages/flows/src/key.ts';
import { bucketStart } from '../../packages/flows/src/time.ts';
import { buildCluster, SCALE } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    flows: { type: 'string', default: '1000000' },
    rows: { type: 'string', default: '1e7,1e8' },
    queries: { type: 'string', default: '40' },
    batch: { type: 'string', default: '50000' },
    parallel: { type: 'string', default: '2' },
  },
});
const FLOWS = Number(values.flows);
const ROWS = values.rows.split(',').map(Number);
const PARALLEL = Number(values.parallel);
const QUERIES = Number(values.queries);
const BATCH = Number(values.batch);

const server = await startLocalClickHouse({ timeoutMs: 120_000 });
const spool = mkdtempSync(join(tmpdir(), 'verdict-bench-spool-'));
const sql = async (query: string, body?: string | Uint8Array<ArrayBuffer>): Promise<string> => {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(`${server.url}/?database=verdict&query=${encodeURIComponent(query)}`, {
        method: 'POST',
        ...(body === undefined ? {} : { body }),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(text);
      return text;
    } catch (e) {
      // ClickHouse closes idle keep-alive connections after 3 s; the next request on one fails once.
      if (attempt >= 2 || (e as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw e;
    }
  }
};

try {
  // Cluster and traffic: pod to pod within and across namespaces, enriched by the engine.
  const state = buildCluster(SCALE);
  const evaluator = createEvaluator(state);
  const distinct: Flow[] = [];
  const pods = state.pods;
  for (let i = 0; distinct.length < 50_000 && i < 200_000; i++) {
    const a = pods[(i * 7919) % pods.length]!;
    const b = pods[(i * 104729 + (i % 3 === 0 ? 0 : 1)) % pods.length]!;
    const r = enrichRawFlow(evaluator, {
      source: { namespace: a.namespace, name: a.name },
      destination: { namespace: b.namespace, name: b.name },
      destPort: 8080,
      protocol: 'TCP',
      startTime: 0,
      packetsIn: 3,
      packetsOut: 2,
      bytesIn: 300,
      bytesOut: 200,
      connectionsStarted: 1,
    });
    if (r.ok) distinct.push(...r.flows);
  }
  const now = Math.floor(Date.now() / 1000);
  const span = 6 * 86_400;
  const flows: Flow[] = Array.from({ length: FLOWS }, (_, k) => {
    const base = distinct[k % distinct.length]!;
    return { ...base, startTime: now - span + ((k * 7919) % (span / 15)) * 15 };
  });

  const store = createClickHouseStore({
    url: server.url,
    spoolDir: spool,
    retentionDays: 7,
    requestTimeoutMs: 300_000,
  });
  await store.ready;

  // Every distinct key once, before the timed ingest: new keys cost a flow_keys row each, which
  // the steady state (keys seen before) does not pay. Reported apart.
  let t = performance.now();
  for (let i = 0; i < distinct.length; i += BATCH)
    await store.ingest(distinct.slice(i, i + BATCH).map((f) => ({ ...f, startTime: now - span - 900 })));
  const newKeysRate = distinct.length / ((performance.now() - t) / 1000);

  // Floors: the same flows, one row each, POSTed by the same process as RowBinary and as
  // TabSeparated, encoded before the clock starts.
  await sql('CREATE TABLE floor_windows AS flow_windows');
  const floorBodies: string[] = [];
  const floorBinary: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < flows.length; i += BATCH) {
    const cols = new WindowColumns();
    const writer = new RowBinaryWriter();
    flows.slice(i, i + BATCH).forEach((f, row) => {
      cols.add(bucketStart(f.startTime), 1, keyPrefix('default', 1, f.key), 0, 0);
      cols.sourceIps[row] = f.sourceIps;
      cols.destIps[row] = f.destIps;
      cols.counters.set(
        [
          f.packetsIn,
          f.packetsOut,
          f.bytesIn,
          f.bytesOut,
          f.numConnectionsStarted,
          f.numConnectionsCompleted,
          f.numConnectionsLive,
        ],
        row * COUNTERS,
      );
    });
    encodeWindows(writer, i, cols);
    floorBinary.push(new Uint8Array(writer.view()));
    const rows = flows.slice(i, i + BATCH).map((f, seq) => ({
      bucket: bucketStart(f.startTime),
      keyId: 1,
      seq,
      key: f.key,
      sourceLabels: 0,
      destLabels: 0,
      sourceIps: f.sourceIps,
      destIps: f.destIps,
      packetsIn: f.packetsIn,
      packetsOut: f.packetsOut,
      bytesIn: f.bytesIn,
      bytesOut: f.bytesOut,
      started: f.numConnectionsStarted,
      completed: f.numConnectionsCompleted,
      live: f.numConnectionsLive,
    }));
    floorBodies.push(windowsTsv('default', i, rows));
  }
  const insertTsv = `INSERT INTO floor_windows (${WINDOW_COLUMNS.join(', ')}) FORMAT TabSeparated`;
  // Posted with as many requests in flight as the store gets batches.
  const post = async (query: string, bodies: readonly (string | Uint8Array<ArrayBuffer>)[]) => {
    let k = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (k < bodies.length) await sql(query, bodies[k++]!);
      }),
    );
  };
  t = performance.now();
  await post(insertTsv, floorBodies);
  const floorTsv = FLOWS / ((performance.now() - t) / 1000);
  await sql('TRUNCATE TABLE floor_windows');
  const insertBinary = `INSERT INTO floor_windows (${WINDOW_BINARY_COLUMNS.join(', ')}) FORMAT RowBinary`;
  t = performance.now();
  await post(insertBinary, floorBinary);
  const floorRowBinary = FLOWS / ((performance.now() - t) / 1000);
  const floorRate = Math.max(floorTsv, floorRowBinary);

  // Batches in flight at once: each ingest resolves once ClickHouse acknowledged it, so a sender
  // keeping two in flight overlaps preparing one batch with the server storing the other.
  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let i = next; i < flows.length; i = next) {
        next += BATCH;
        await store.ingest(flows.slice(i, i + BATCH));
      }
    }),
  );
  const ingestRate = FLOWS / ((performance.now() - t) / 1000);
  console.log(
    `ingest: ${FLOWS} flows of ${distinct.length} keys seen before, batches of ${BATCH}, ${PARALLEL} in flight: verdict ${Math.round(ingestRate)} flows/s; ClickHouse INSERT FORMAT RowBinary of the same rows, ${PARALLEL} in flight, ${Math.round(floorRowBinary)} rows/s, TabSeparated ${Math.round(floorTsv)} rows/s; ratio to the faster ${(ingestRate / floorRate).toFixed(2)}`,
  );
  console.log(`ingest of the ${distinct.length} keys when new (one flow each): ${Math.round(newKeysRate)} flows/s`);

  const namespaces = [...new Set(distinct.map((f) => f.key.sourceNamespace))];
  const range = { gte: now - 7 * 86_400, lt: now + 60 };
  const percentile = (xs: number[], p: number) =>
    xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  await sql('CREATE TABLE seed_windows AS flow_windows');
  await sql('INSERT INTO seed_windows SELECT * FROM flow_windows');
  const seedRows = Number((await sql('SELECT count() FROM seed_windows')).trim());
  let copied = 1;
  for (const target of ROWS) {
    // Grow the table inside ClickHouse: copy n of the ingested rows shifted back by n buckets, in
    // statements of at most 10 M rows.
    const copies = Math.ceil(target / seedRows);
    const grown = performance.now();
    while (copied < copies) {
      const count = Math.min(copies - copied, Math.max(1, Math.floor(10_000_000 / seedRows)));
      await sql(
        `INSERT INTO flow_windows SELECT cluster, bucket - n * 15, key_id, batch + n, seq, source_namespace,
           dest_namespace, action, source_name, dest_name, dest_port, proto, reporter, pending_verdict, source_labels,
           dest_labels, source_ips, source_ips_beyond, dest_ips, dest_ips_beyond, packets_in, packets_out, bytes_in,
           bytes_out, connections_started, connections_completed, connections_live
         FROM seed_windows CROSS JOIN (SELECT number + ${copied} AS n FROM numbers(${count}))`,
      );
      copied += count;
    }
    console.log(`grew to ${copies} copies in ${((performance.now() - grown) / 1000).toFixed(0)} s`);
    const rows = Number((await sql('SELECT count() FROM flow_windows')).trim());
    const times: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const ns = namespaces[(q * 31) % namespaces.length]!;
      const started = performance.now();
      await store.list({
        range,
        filter: {
          sourceNamespaces: [{ value: ns, type: 'Exact' }],
          actions: [q % 2 === 0 ? 'Allow' : 'Deny'],
        },
        pageSize: 100,
      });
      times.push(performance.now() - started);
    }
    const bytes = Number(
      (
        await sql(
          "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'verdict' AND table = 'flow_windows' AND active",
        )
      ).trim(),
    );
    console.log(
      `list: ${rows} stored rows (${(bytes / rows).toFixed(1)} bytes/row on disk): namespace+action filter, page of 100: p50 ${percentile(times, 0.5).toFixed(0)} ms, p99 ${percentile(times, 0.99).toFixed(0)} ms`,
    );
  }

  // Rehearsal: ten namespaced policies of the cluster turned into deny-all-ingress.
  const changed: PolicySpec[] = state.policies
    .filter((p) => p.kind === 'NetworkPolicy' && p.namespace !== undefined && namespaces.includes(p.namespace))
    .slice(0, 10)
    .map((p) => ({ ...p, ingress: p.ingress.map((r) => ({ ...r, action: 'Deny' as const })) }));
  // The store's share of the rehearsal: time inside its List queries.
  let listMs = 0;
  const timed = {
    ...store,
    list: async (q: Parameters<typeof store.list>[0]) => {
      const started = performance.now();
      try {
        return await store.list(q);
      } finally {
        listMs += performance.now() - started;
      }
    },
  };
  t = performance.now();
  const rehearsed = await rehearseStore({
    store: timed,
    range,
    before: evaluator,
    changeSet: { policies: changed, deletions: [], warnings: [] },
  });
  const rehearseMs = performance.now() - t;
  if (!rehearsed.ok) throw new Error(rehearsed.error.message);
  const rows = Number((await sql('SELECT count() FROM flow_windows')).trim());
  console.log(
    `rehearse: ${changed.length} policies over ${rows} stored rows: ${rehearseMs.toFixed(0)} ms (store List queries ${listMs.toFixed(0)} ms), ${rehearsed.value.totals.flowsConsidered} aggregated flows considered`,
  );
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ClickHouse ${(await sql('SELECT version()')).trim()}`,
  );
  await store.close();
} finally {
  await server.close();
  rmSync(spool, { recursive: true, force: true });
}
