// ClickHouse roll-ups: disk per level and List latency over a long range answered at 15 s (before
// the roll-up) and at 5 min (after), each beside a floor measured in the same run: a bare
// `SELECT count()` with the same WHERE on the 15 s table.
//
// The traffic is the shape roll-ups are for: `--keys` flow keys active in every 15 s bucket for
// `--days` days (#13's 1,500-pod cluster has ~3,000; the default is a tenth, time-compressed load for
// this machine). The keys are real (synthetic cluster, enriched by the engine, ingested through the
// store); the windows are generated inside ClickHouse, one ingest batch per bucket, and then rolled
// up by the store's own folds.
//   npx tsx bench/clickhouse/rollups.ts [--keys 300] [--days 7] [--queries 20]

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEvaluator } from '@verdict/engine';
import { createClickHouseStore, enrichRawFlow, type Flow, startLocalClickHouse } from '@verdict/flows';

import { buildCluster, SCALE, seededRandom } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '300' },
    days: { type: 'string', default: '7' },
    queries: { type: 'string', default: '20' },
  },
});
const KEYS = Number(values.keys);
const SPAN = Number(values.days) * 86_400;
const QUERIES = Number(values.queries);
const STATEMENT_ROWS = 2_000_000;

const server = await startLocalClickHouse({ timeoutMs: 120_000 });
const spool = mkdtempSync(join(tmpdir(), 'verdict-bench-spool-'));
const sql = async (query: string): Promise<string> => {
  const r = await fetch(`${server.url}/?database=verdict&query=${encodeURIComponent(query)}`, { method: 'POST' });
  const text = await r.text();
  if (!r.ok) throw new Error(text);
  return text.trim();
};
const ms = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const load = () => loadavg()[0]!.toFixed(1);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

try {
  const state = buildCluster(SCALE);
  const evaluator = createEvaluator(state);
  let now = Math.floor(Date.now() / 1000);
  now -= now % 300;
  const store = createClickHouseStore({
    url: server.url,
    spoolDir: spool,
    retentionDays: Math.ceil(SPAN / 86_400) + 1,
    requestTimeoutMs: 600_000,
    fineDropQuietSeconds: 0,
    now: () => now,
    autoRollover: false,
  });
  await store.ready;

  // Keys between pods of one namespace mostly, as in bench/clickhouse/query.ts.
  const random = seededRandom(7);
  const pods = state.pods.filter((p) => p.ips.length > 0);
  const distinct: Flow[] = [];
  for (let i = 0; distinct.length < KEYS && i < KEYS * 4; i++) {
    const a = pods[Math.floor(random() * pods.length)]!;
    const b = pods[Math.floor(random() * pods.length)]!;
    const r = enrichRawFlow(evaluator, {
      source: { namespace: a.namespace, name: a.name },
      destination: { namespace: b.namespace, name: b.name },
      destPort: 8080,
      protocol: 'TCP',
      startTime: now - SPAN,
      packetsIn: 3,
      packetsOut: 2,
      bytesIn: 300,
      bytesOut: 200,
      connectionsStarted: 1,
    });
    if (r.ok) distinct.push(...r.flows.slice(0, KEYS - distinct.length));
  }
  await store.ingest(distinct);
  const keys = Number(await sql('SELECT count() FROM flow_windows'));
  await sql('CREATE TABLE key_rows ENGINE = Memory AS SELECT rowNumberInAllBlocks() AS k, * FROM flow_windows');
  await sql('TRUNCATE TABLE flow_windows');
  const columns = (await sql("SELECT name FROM system.columns WHERE database = 'verdict' AND table = 'flow_windows'"))
    .split('\n')
    .filter((c) => c !== '');
  // Row `number`: key number % keys in bucket number / keys; one ingest batch per bucket.
  const generated: Record<string, string> = {
    bucket: `toUInt32(${now - SPAN} + intDiv(number, ${keys}) * 15)`,
    batch: `intDiv(number, ${keys}) + 1`,
    seq: `toUInt32(number % ${keys})`,
    packets_in: '1 + number % 40',
    packets_out: '1 + number % 30',
    bytes_in: '100 + number % 40000',
    bytes_out: '100 + number % 30000',
    connections_started: 'number % 3',
    connections_completed: 'number % 2',
    connections_live: '(number % 5) = 0',
  };
  const select = columns.map((c) => generated[c] ?? c).join(', ');
  const total = keys * (SPAN / 15);
  const grow = await ms(async () => {
    for (let start = 0; start < total; start += STATEMENT_ROWS) {
      const n = Math.min(STATEMENT_ROWS, total - start);
      await sql(
        `INSERT INTO flow_windows (${columns.join(', ')}) SELECT ${select} FROM
           (SELECT number + ${start} AS number, toUInt64(number % ${keys}) AS k FROM numbers(${n})) ANY INNER JOIN key_rows USING k`,
      );
      process.stdout.write(`\r  ${start + n} rows, load ${load()}   `);
    }
  });
  console.log(`\nwindows: ${total} rows (${keys} keys × ${SPAN / 15} buckets) in ${(grow / 1000).toFixed(0)} s`);
  await sql('DROP TABLE key_rows');

  const range = { gte: now - SPAN, lt: now };
  const namespaces = (
    await sql('SELECT source_namespace FROM flow_windows GROUP BY source_namespace ORDER BY source_namespace')
  ).split('\n');
  const measure = async () => {
    const filtered: number[] = [];
    const floors: number[] = [];
    const all: number[] = [];
    let resolution = 0;
    for (let q = 0; q < QUERIES; q++) {
      const ns = namespaces[(q * 7919) % namespaces.length]!;
      floors.push(
        await ms(() =>
          sql(
            `SELECT count() FROM flow_windows WHERE bucket >= ${range.gte} AND bucket < ${range.lt} AND source_namespace = '${ns}' AND action = 'Allow'`,
          ),
        ),
      );
      filtered.push(
        await ms(async () => {
          const r = await store.list({
            range,
            filter: { sourceNamespaces: [{ value: ns, type: 'Exact' }], actions: ['Allow'] },
            pageSize: 100,
          });
          resolution = r.resolution ?? 15;
        }),
      );
      if (q < Math.min(QUERIES, 5)) all.push(await ms(() => store.list({ range, pageSize: 100 })));
    }
    return `namespace + action p50 ${percentile(filtered, 0.5).toFixed(0)} ms, p99 ${percentile(filtered, 0.99).toFixed(0)} ms (floor p50 ${percentile(floors, 0.5).toFixed(0)} ms); unfiltered page of 100 p50 ${percentile(all, 0.5).toFixed(0)} ms; answered at ${resolution} s; load ${load()}`;
  };
  const disk = async () => {
    const parts = await sql(
      `SELECT table, if(table = 'flow_rollups', toString(partition), ''), sum(rows), sum(bytes_on_disk) FROM system.parts
       WHERE database = 'verdict' AND active AND table IN ('flow_windows', 'flow_rollups') GROUP BY table, partition FORMAT TabSeparated`,
    );
    const levels = new Map<string, { rows: number; bytes: number }>();
    for (const line of parts.split('\n').filter((l) => l !== '')) {
      const [table, partition, rows, bytes] = line.split('\t');
      const level = table === 'flow_windows' ? '15 s' : `${/^\((\d+)/.exec(partition!)?.[1]} s`;
      const e = levels.get(level) ?? { rows: 0, bytes: 0 };
      e.rows += Number(rows);
      e.bytes += Number(bytes);
      levels.set(level, e);
    }
    return [...levels]
      .map(([level, e]) => `${level}: ${e.rows} rows, ${mib(e.bytes)} MiB (${(e.bytes / e.rows).toFixed(1)} B/row)`)
      .join('; ');
  };
  console.log(`before roll-up, List over ${SPAN / 86_400} days: ${await measure()}`);
  let folds = 0;
  const rolled = await ms(async () => {
    folds = await store.rollUp();
  });
  console.log(
    `roll-up: ${folds} folds of ${total} windows in ${(rolled / 1000).toFixed(1)} s (${Math.round(total / (rolled / 1000))} windows/s); load ${load()}`,
  );
  for (let i = 0; i < 300 && Number(await sql('SELECT count() FROM system.merges')) > 0; i++)
    await new Promise((r) => setTimeout(r, 1000));
  console.log(`disk: ${await disk()}`);
  console.log(`after roll-up, List over ${SPAN / 86_400} days: ${await measure()}`);
  // Retention per level, as the store applies it: the 15 s days past their hour and the 1 min days
  // past their day dropped whole, once folded (the bench's windows are all written, so no quiet wait).
  const dropped = await store.prune();
  console.log(`disk after the store's retention per level (${dropped} day partitions dropped): ${await disk()}`);
  console.log(`after retention, List over ${SPAN / 86_400} days: ${await measure()}`);
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ClickHouse ${await sql('SELECT version()')}`,
  );
  await store.close();
} finally {
  await server.close();
  rmSync(spool, { recursive: true, force: true });
}
