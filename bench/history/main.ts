// Week-of-history benchmark: `--retention-days` of a 1,500-pod cluster (~3,000 active flow keys per
// 15 s) ingested into SQLite through the store's ingest, rolled up by the store's own maintenance,
// then the file size, List latency at each roll-up level and the rehearsal of a 10-policy change.
// Time is compressed: the clock is the store's, and each key reports one window per bucket of the
// level that will keep it (5 min older than a day, 1 min within the day, 15 s within the hour), with
// the counters of the whole bucket, so the stored rows are those a real week leaves behind.
//   npx tsx bench/history/main.ts [--retention-days 7] [--pods 1500] [--keys 3000] [--record]
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEvaluator, type Pod } from '@verdict/engine';
import { createSqliteStore, type Flow, type FlowKey, ROLLUP_LEVELS } from '@verdict/flows';
import { type ChangeSet, rehearse, rehearseStore } from '@verdict/rehearse';
import Database from 'better-sqlite3';
import { type BenchRow, printRows, sqliteInsertFloor } from '../shared/floor.ts';
import { APPS, dbIngressCluster, dbIngressPolicy, seededRandom } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    'retention-days': { type: 'string', default: '7' },
    pods: { type: 'string', default: '1500' },
    keys: { type: 'string', default: '3000' },
    record: { type: 'boolean', default: false },
  },
});
const DAYS = Number(values['retention-days']);
const POD_COUNT = Number(values.pods);
const KEY_COUNT = Number(values.keys);
const NAMESPACE_COUNT = Math.ceil(POD_COUNT / APPS.length);
/** End of the simulated week, on a day boundary. */
const END = 1_767_225_600;
const HOUR = 3600;
const DAY = 86_400;

const random = seededRandom(7);

const namespaces = Array.from({ length: NAMESPACE_COUNT }, (_, i) => ({
  name: `ns-${i}`,
  labels: { 'kubernetes.io/metadata.name': `ns-${i}` },
}));
const pods: Pod[] = Array.from({ length: POD_COUNT }, (_, i) => {
  const app = APPS[i % APPS.length] as string;
  return {
    namespace: `ns-${Math.floor(i / APPS.length)}`,
    name: `${app}-${i}-abcde`,
    owner: `${app}-${i}`,
    labels: { app },
    ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i + 1) & 255}`],
    serviceAccount: app,
    ports: [{ name: 'http', protocol: 6, port: 8080 }],
  };
});
const state = dbIngressCluster(namespaces, pods);

/** The active keys: mostly a pod to its namespace's db, some across namespaces; both reporters. */
const keys: { key: FlowKey; src: Pod; dst: Pod }[] = [];
for (let i = 0; i < KEY_COUNT; i++) {
  const srcIndex = Math.floor(random() * pods.length);
  const dstIndex =
    random() < 0.8 ? Math.floor(srcIndex / APPS.length) * APPS.length + 3 : Math.floor(random() * pods.length);
  const src = pods[srcIndex] as Pod;
  const dst = pods[dstIndex] as Pod;
  keys.push({
    src,
    dst,
    key: {
      sourceName: `${src.owner}-*`,
      sourceNamespace: src.namespace,
      sourceType: 'WorkloadEndpoint',
      destName: `${dst.owner}-*`,
      destNamespace: dst.namespace,
      destType: 'WorkloadEndpoint',
      destPort: 8080 + (i % 7),
      destServiceName: '-',
      destServiceNamespace: '-',
      destServicePortName: '-',
      destServicePort: 0,
      proto: 'tcp',
      reporter: i % 2 === 0 ? 'Src' : 'Dst',
      action: 'Allow',
      policies: { enforced: [], pending: [] },
    },
  });
}

/** Seconds of history each window stands for at `t`: the width of the level that keeps `t` at the end. */
const widthAt = (t: number) => (t >= END - HOUR ? 15 : t >= END - DAY ? 60 : 300);

const dir = mkdtempSync(join(tmpdir(), 'verdict-history-'));
const path = join(dir, 'verdict.db');
let clock = END - DAYS * DAY;
const store = createSqliteStore({ path, now: () => clock, retentionDays: DAYS, autoRollover: false });

const started = performance.now();
let ingested = 0;
let rollUpMs = 0;
let nextRollUp = clock + HOUR;
for (let t = END - DAYS * DAY + 300; t < END; ) {
  const width = widthAt(t);
  const scale = width / 15;
  const batch: Flow[] = keys.map(({ key }, i) => ({
    key,
    startTime: t + (i % 15),
    endTime: t + 15,
    sourceLabels: [`app=${key.sourceName.split('-')[0]}`],
    destLabels: [`app=${key.destName.split('-')[0]}`],
    packetsIn: scale * (1 + (i % 5)),
    packetsOut: scale,
    bytesIn: scale * 100,
    bytesOut: scale * 120,
    numConnectionsStarted: scale,
    numConnectionsCompleted: scale,
    numConnectionsLive: 1,
  }));
  clock = t + 15;
  await store.ingest(batch);
  ingested += batch.length;
  t += width;
  if (clock >= nextRollUp) {
    const r0 = performance.now();
    await store.rollUp();
    rollUpMs += performance.now() - r0;
    nextRollUp = clock + HOUR;
    if ((clock - END) % (6 * HOUR) < HOUR) {
      const s = (performance.now() - started) / 1000;
      console.error(
        `${((clock - (END - DAYS * DAY)) / HOUR).toFixed(0)} h simulated: ${ingested.toLocaleString('en-US')} windows in ${s.toFixed(0)} s (${Math.round(ingested / s).toLocaleString('en-US')}/s), roll-up ${(rollUpMs / 1000).toFixed(0)} s`,
      );
    }
  }
}
clock = END;
const r0 = performance.now();
await store.rollUp();
rollUpMs += performance.now() - r0;
const ingestSeconds = (performance.now() - started) / 1000;

const db = new Database(path, { readonly: false });
db.pragma('wal_checkpoint(TRUNCATE)');
const rowsOf = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const tableRows = ['windows', 'windows_60', 'windows_300', 'summary_3600', 'summary_86400'].map(
  (t) => `${t}: ${rowsOf(t).toLocaleString('en-US')}`,
);
const fileBytes = statSync(path).size;

/** Median of `runs` timings of `f`, in ms. */
async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] as number, value: value as T };
}

const rows: BenchRow[] = [];
const before = createEvaluator(state);
const changeSet: ChangeSet = {
  policies: Array.from({ length: 10 }, (_, i) => dbIngressPolicy(`ns-${i * 7}`, "'api'", true)),
  deletions: [],
  warnings: [],
};
// One range per roll-up level (the plan reads a range at the coarsest level that answers it exactly),
// then the wider ranges a user picks.
const ranges = [
  { name: 'last 45 s', gte: END - 45, lt: END },
  { name: 'last 4 min', gte: END - 240 - 7, lt: END },
  { name: 'last 15 min', gte: END - 900 + 7, lt: END },
  { name: 'last 6 h', gte: END - 6 * HOUR + 7, lt: END },
  { name: `last ${DAYS} days`, gte: END - DAYS * DAY, lt: END },
];
const notes: string[] = [];
for (const range of ranges) {
  const listed = await timed(3, () => store.list({ range, pageSize: 100 }));
  // Floor: SQLite's own sum per key over the level tables the plan reads, without labels, addresses or JS.
  const floorMs = (
    await timed(3, async () => {
      const level = ROLLUP_LEVELS.findIndex((l) => l.seconds === listed.value.resolution);
      const table = level === 0 ? 'windows' : `windows_${ROLLUP_LEVELS[level]!.seconds}`;
      return db
        .prepare(`SELECT key_id, sum(packets_in) FROM ${table} WHERE bucket >= ? AND bucket < ? GROUP BY key_id`)
        .all(range.gte, range.lt).length;
    })
  ).ms;
  rows.push({
    measure: `List ${range.name} (${listed.value.totalResults} keys, read at ${listed.value.resolution} s)`,
    figure: listed.ms,
    unit: 'ms',
    floor: floorMs,
    floorName: 'bare SQL sum per key, coarsest table',
    lowerIsBetter: true,
  });
  const rehearsed = await timed(1, () => rehearseStore({ store, range, before, changeSet }));
  if (!rehearsed.value.ok) throw new Error(rehearsed.value.error.message);
  // Floor: the same rehearsal over the same flows already in memory (evaluation only, no store).
  const listedForChange = await rehearsed.value.value;
  const flows = (await store.list({ range, pageSize: 0 })).flows;
  const evalOnly = await timed(1, () => rehearse({ flows, total: flows.length, before, changeSet }));
  rows.push({
    measure: `Rehearse 10 policies over ${range.name}`,
    figure: rehearsed.ms,
    unit: 'ms',
    floor: evalOnly.ms,
    floorName: `rehearse over all ${flows.length} listed flows in memory`,
    ...(range.name.includes('days') ? { goal: 5000 } : {}),
    lowerIsBetter: true,
  });
  notes.push(
    `${range.name}: ${listedForChange.totals.flowsConsidered} flows considered, ${listedForChange.totals.newlyDenied} newly denied`,
  );
}
const floorRate = sqliteInsertFloor(join(dir, 'floor.db'), 200_000, 3000);
rows.unshift(
  {
    measure: `SQLite file after ${DAYS} days`,
    figure: fileBytes / 2 ** 20,
    unit: 'MiB',
    goal: 2048,
    lowerIsBetter: true,
  },
  {
    measure: `ingest + roll-up (${ingested.toLocaleString('en-US')} windows, ${ingestSeconds.toFixed(0)} s, roll-up ${(rollUpMs / 1000).toFixed(0)} s)`,
    figure: ingested / ingestSeconds,
    unit: 'windows/s',
    floor: floorRate,
    floorName: 'bare SQLite batched insert',
  },
);
db.close();
await store.close();

const header = [
  `cluster: ${POD_COUNT} pods in ${NAMESPACE_COUNT} namespaces, ${KEY_COUNT} active keys per 15 s, ${DAYS} days (time compressed)`,
  `rows kept: ${tableRows.join(', ')}`,
  ...notes,
];
console.log(header.join('\n'));
printRows(rows);
rmSync(dir, { recursive: true, force: true });

if (values.record) {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const fmt = (r: BenchRow) =>
    `- ${r.measure}: ${r.figure.toFixed(r.unit === 'ms' || r.unit === 'MiB' ? 0 : 0)} ${r.unit}${
      r.floor === undefined ? '' : ` (floor ${r.floor.toFixed(0)} ${r.unit}: ${r.floorName})`
    }${r.goal === undefined ? '' : `; goal ${r.lowerIsBetter ? '≤' : '≥'} ${r.goal}`}`;
  appendFileSync(
    new URL('../../docs/benchmarks.md', import.meta.url),
    [
      '',
      '## Week of history (SQLite roll-ups)',
      '',
      `Command: \`npx tsx bench/history/main.ts --retention-days ${DAYS} --record\``,
      '',
      `Machine: ${machine}`,
      '',
      ...header.map((line) => `- ${line}`),
      ...rows.map(fmt),
      '',
    ].join('\n'),
  );
}
