// ClickHouse read side at scale: List p50/p99 with namespace + action filters and a 10-policy
// rehearsal over N stored flows (default 100 M), each beside a floor measured in the same run: a
// bare `SELECT count()` with the same WHERE on the same server.
//
// The keys are real: flows between the pods of the synthetic cluster (15,000 pods, 3,000
// namespaces), enriched by the engine and ingested through the store, so `flow_keys` and
// `label_sets` hold what Verdict writes. The windows are then generated inside ClickHouse with
// `INSERT … SELECT … FROM numbers(N)`: each row takes a key drawn with a skew (some keys talk far
// more than others), a 15 s bucket spread over 7 days and its own counters.
//   npx tsx bench/clickhouse/query.ts [--rows 1e8] [--keys 200000] [--queries 40] [--data DIR | --url URL]
// With --data, the server's data stays in DIR and a later run with the same --rows reuses it; with
// --url, the queries run against a server already holding the rows (built by an earlier run).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEvaluator, type PolicySpec } from '@verdict/engine';
import { createClickHouseStore, enrichRawFlow, type Flow, startLocalClickHouse } from '@verdict/flows';
import { rehearseStore, touchedEndpoints } from '@verdict/rehearse';

import { buildCluster, SCALE, seededRandom } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1e8' },
    keys: { type: 'string', default: '200000' },
    queries: { type: 'string', default: '40' },
    data: { type: 'string' },
    url: { type: 'string' },
  },
});
const ROWS = Number(values.rows);
const KEYS = Number(values.keys);
const QUERIES = Number(values.queries);
// Statements small enough to answer within fetch's 300 s header timeout on a loaded machine.
const STATEMENT_ROWS = 2_000_000;
const SPAN = 7 * 86_400;

const keep = values.data !== undefined;
const given = values.url;
const server =
  given === undefined
    ? await startLocalClickHouse({ timeoutMs: 120_000, ...(keep ? { dir: values.data } : {}) })
    : { url: given, kill: async () => {}, close: async () => {} };
const spool = mkdtempSync(join(tmpdir(), 'verdict-bench-spool-'));
const sql = async (query: string): Promise<string> => {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(`${server.url}/?database=verdict&query=${encodeURIComponent(query)}`, { method: 'POST' });
      const text = await r.text();
      if (!r.ok) throw new Error(text);
      return text.trim();
    } catch (e) {
      // ClickHouse closes idle keep-alive connections after 3 s; the next request on one fails once.
      if (attempt >= 2 || (e as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw e;
    }
  }
};
const ms = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const load = () => loadavg()[0]!.toFixed(1);

try {
  const state = buildCluster(SCALE);
  const evaluator = createEvaluator(state);
  const built = given !== undefined || (keep && existsSync(join(values.data!, 'data', 'verdict', 'bench_meta')));
  const stored = built ? Number(await sql('SELECT count() FROM flow_windows')) : 0;
  // The ingested keys' bucket is a minute before the build's clock.
  let now = built ? Number(await sql('SELECT max(bucket) FROM flow_windows')) + 60 : Math.floor(Date.now() / 1000);
  now -= now % 15;
  const store = createClickHouseStore({
    url: server.url,
    spoolDir: spool,
    retentionDays: 8,
    requestTimeoutMs: 600_000,
    now: () => now,
    autoRollover: false,
  });
  await store.ready;

  if (stored < ROWS) {
    if (built) throw new Error(`--data ${values.data} holds ${stored} rows, not ${ROWS}: use another folder`);
    // Traffic: each pod talks to pods of its own namespace mostly and to any pod sometimes, on a
    // few ports; every raw flow gives a Src and (unless denied on egress) a Dst key.
    const random = seededRandom(7);
    const pods = state.pods.filter((p) => p.ips.length > 0);
    const byNamespace = new Map<string, typeof pods>();
    for (const p of pods) byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p]);
    const ports = [8080, 8080, 8080, 443, 5432, 6379, 9090];
    const distinct: Flow[] = [];
    for (let i = 0; distinct.length < KEYS && i < KEYS * 4; i++) {
      const a = pods[Math.floor(random() * pods.length)]!;
      const local = byNamespace.get(a.namespace)!;
      const b =
        random() < 0.7 ? local[Math.floor(random() * local.length)]! : pods[Math.floor(random() * pods.length)]!;
      const r = enrichRawFlow(evaluator, {
        source: { namespace: a.namespace, name: a.name },
        destination: { namespace: b.namespace, name: b.name },
        destPort: ports[Math.floor(random() * ports.length)]!,
        protocol: 'TCP',
        startTime: now - 60,
        packetsIn: 3,
        packetsOut: 2,
        bytesIn: 300,
        bytesOut: 200,
        connectionsStarted: 1,
      });
      if (r.ok) distinct.push(...r.flows);
    }
    const ingestMs = await ms(async () => {
      for (let i = 0; i < distinct.length; i += 50_000) await store.ingest(distinct.slice(i, i + 50_000));
    });
    const keys = Number(await sql('SELECT count() FROM flow_windows'));
    console.log(`keys: ${keys} distinct flow keys ingested through the store in ${(ingestMs / 1000).toFixed(1)} s`);

    // One row per key, numbered, to draw from; the ingested windows stay (they are real rows).
    await sql('CREATE TABLE key_rows ENGINE = Memory AS SELECT rowNumberInAllBlocks() AS k, * FROM flow_windows');
    const columns = (await sql("SELECT name FROM system.columns WHERE database = 'verdict' AND table = 'flow_windows'"))
      .split('\n')
      .filter((c) => c !== '');
    const generated: Record<string, string> = {
      bucket: `toUInt32(${now - SPAN} + (intHash32(number) % ${SPAN / 15}) * 15)`,
      batch: 'number + 1',
      seq: '0',
      packets_in: '1 + number % 40',
      packets_out: '1 + number % 30',
      bytes_in: '100 + number % 40000',
      bytes_out: '100 + number % 30000',
      connections_started: 'number % 3',
      connections_completed: 'number % 2',
      connections_live: '(number % 5) = 0',
    };
    const select = columns.map((c) => generated[c] ?? c).join(', ');
    // A rank drawn with weight falling as a power (the busiest keys have hundreds of times the rows
    // of the quietest), scattered over the keys (key_rows is in namespace order) by a multiplier
    // prime to their count.
    const rank = `toUInt64(floor(pow(intHash64(number) % 1000000007 / 1000000007, 2.5) * ${keys}))`;
    const draw = `toUInt64((${rank} * 2654435761) % ${keys})`;
    let rows = keys;
    const grow = await ms(async () => {
      for (let start = 0; rows < ROWS; start += STATEMENT_ROWS) {
        const n = Math.min(STATEMENT_ROWS, ROWS - rows);
        await sql(
          `INSERT INTO flow_windows (${columns.join(', ')}) SELECT ${select} FROM
             (SELECT number + ${start} AS number, ${draw} AS k FROM numbers(${n})) ANY INNER JOIN key_rows USING k`,
        );
        rows += n;
        process.stdout.write(`\r  ${rows} rows, load ${load()}   `);
      }
    });
    console.log(`\ngrew: ${rows} rows in ${(grow / 1000).toFixed(0)} s inside ClickHouse`);
    await sql('DROP TABLE key_rows');
    // Let background merges settle, as they would in a store that has been running.
    const merged = await ms(async () => {
      for (let i = 0; i < 600 && Number(await sql('SELECT count() FROM system.merges')) > 0; i++)
        await new Promise((r) => setTimeout(r, 1000));
    });
    console.log(`merges settled after ${(merged / 1000).toFixed(0)} s`);
    await sql('CREATE TABLE bench_meta (rows UInt64, now UInt32) ENGINE = TinyLog');
    await sql(`INSERT INTO bench_meta VALUES (${rows}, ${now})`);
  }
  const rows = Number(await sql('SELECT count() FROM flow_windows'));
  const [bytes, parts] = (
    await sql(
      "SELECT sum(bytes_on_disk), count() FROM system.parts WHERE database = 'verdict' AND table = 'flow_windows' AND active",
    )
  )
    .split('\t')
    .map(Number) as [number, number];
  const keyBytes = Number(
    await sql(
      "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'verdict' AND table != 'flow_windows' AND active",
    ),
  );
  console.log(
    `stored: ${rows} rows in ${parts} parts, flow_windows ${(bytes / 2 ** 30).toFixed(2)} GiB (${(((bytes / rows) * 1e6) / 2 ** 20).toFixed(1)} MiB per million flows), other tables ${(keyBytes / 2 ** 20).toFixed(0)} MiB`,
  );

  // List: a namespace (drawn across all) and an action, page of 100, as the UI asks.
  const range = { gte: now - SPAN, lt: now + 15 };
  const namespaces = (
    await sql('SELECT source_namespace FROM flow_windows GROUP BY source_namespace ORDER BY source_namespace')
  ).split('\n');
  const listTimes: number[] = [];
  const floorTimes: number[] = [];
  let listed = 0;
  for (let q = 0; q < QUERIES; q++) {
    const ns = namespaces[(q * 7919) % namespaces.length]!;
    const action = q % 4 === 3 ? 'Deny' : 'Allow';
    floorTimes.push(
      await ms(() =>
        sql(
          `SELECT count() FROM flow_windows WHERE bucket >= ${range.gte} AND bucket < ${range.lt} AND source_namespace = '${ns}' AND action = '${action}'`,
        ),
      ),
    );
    listTimes.push(
      await ms(async () => {
        const r = await store.list({
          range,
          filter: { sourceNamespaces: [{ value: ns, type: 'Exact' }], actions: [action] },
          pageSize: 100,
        });
        listed += r.totalResults;
      }),
    );
  }
  console.log(
    `list: ${QUERIES} queries over ${rows} rows, namespace + action, page of 100 (${Math.round(listed / QUERIES)} matching keys on average): p50 ${percentile(listTimes, 0.5).toFixed(0)} ms, p99 ${percentile(listTimes, 0.99).toFixed(0)} ms; floor (count() with the same WHERE) p50 ${percentile(floorTimes, 0.5).toFixed(0)} ms, p99 ${percentile(floorTimes, 0.99).toFixed(0)} ms; load ${load()}`,
  );

  // Rehearsal: ten namespaced policies that select pods of their namespace, their ingress turned to Deny.
  const apps = new Map(state.pods.map((p) => [p.namespace, p.labels.app]));
  const changed: PolicySpec[] = state.policies
    .filter(
      (p) =>
        p.kind === 'NetworkPolicy' && p.namespace !== undefined && p.selector === `app == '${apps.get(p.namespace)}'`,
    )
    .slice(0, 10)
    .map((p) => ({ ...p, ingress: p.ingress.map((r) => ({ ...r, action: 'Deny' as const })) }));
  const changeSet = { policies: changed, deletions: [], warnings: [] };
  const touched = touchedEndpoints(state, changeSet);
  const ends = (set: ReadonlySet<string>) =>
    [...set]
      .map((k) => k.split('\0'))
      .map(([, ns, name]) => `('${ns}', '${name}')`)
      .join(', ') || "('', '')";
  const floorMs = await ms(() =>
    sql(
      `SELECT uniqExact(key_id) FROM flow_windows WHERE bucket >= ${range.gte} AND bucket < ${range.lt} AND (reporter = 'Src' AND (source_namespace, source_name) IN (${ends(touched.Egress)}) OR reporter = 'Dst' AND (dest_namespace, dest_name) IN (${ends(touched.Ingress)}))`,
    ),
  );
  let result: Awaited<ReturnType<typeof rehearseStore>> | undefined;
  const rehearseMs = await ms(async () => {
    result = await rehearseStore({ store, range, before: evaluator, changeSet });
  });
  if (!result?.ok) throw new Error('rehearsal failed');
  const t = result.value.totals;
  console.log(
    `rehearse: ${changed.length} policies (${touched.Egress.size + touched.Ingress.size} touched endpoint sides) over ${rows} rows: ${rehearseMs.toFixed(0)} ms, ${t.flowsConsidered} aggregated flows considered, ${t.newlyDenied} newly denied; floor (uniqExact(key_id) with the same WHERE) ${floorMs.toFixed(0)} ms; load ${load()}`,
  );
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ClickHouse ${await sql('SELECT version()')}`,
  );
  await store.close();
} finally {
  if (keep) await server.kill();
  else await server.close();
  rmSync(spool, { recursive: true, force: true });
}
