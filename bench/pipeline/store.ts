// Flow store benchmark: SQLite and memory ingest, footprint, and filtered List latency over
// 1,000,000 aggregated flows from a synthetic 15,000-pod / 3,000-namespace cluster.
// Run: npx tsx bench/pipeline/store.ts [--memory-only]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { HitKind, PolicyHit } from '@verdict/engine';
import type { Flow, FlowFilter, FlowKey, VerdictFlowStore } from '@verdict/flows';
import { createMemoryStore, createSqliteStore, flowKeyString } from '@verdict/flows';

const { values: args } = parseArgs({ options: { 'memory-only': { type: 'boolean', default: false } } });
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NAMESPACES = 3_000;
const PODS = 15_000;
const KEYS = 100_000;
const BUCKETS = 10;
const T0 = 1_755_860_100;
const SERVICES = ['web', 'api', 'auth', 'cart', 'search', 'billing', 'worker', 'cache', 'db', 'queue'];

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

interface Workload {
  namespace: string;
  name: string;
  labels: string[];
}
// 15,000 pods in 3,000 namespaces, owned by deployments named `<svc>-<hash>-*` (2–3 per namespace).
const workloads: Workload[] = [];
const byNamespace: Workload[][] = [];
let pods = 0;
for (let n = 0; n < NAMESPACES; n++) {
  const ns = `tenant-${n}`;
  const list: Workload[] = [];
  const deployments = 2 + (n % 2);
  for (let d = 0; d < deployments; d++) {
    const svc = SERVICES[(n + d * 3) % SERVICES.length]!;
    const hash = Math.floor(rand() * 0xffffff)
      .toString(16)
      .padStart(6, '0');
    const w = { namespace: ns, name: `${svc}-${hash}-*`, labels: [`app=${svc}`, `team=t${n % 40}`, 'tier=backend'] };
    list.push(w);
    workloads.push(w);
  }
  byNamespace.push(list);
  pods += PODS / NAMESPACES;
}

function hitOf(
  kind: HitKind,
  ns: string,
  name: string,
  tier: string,
  action: PolicyHit['action'],
  i: number,
  r: number,
) {
  return { kind, namespace: ns, name, tier, action, policyIndex: i, ruleIndex: r } satisfies PolicyHit;
}

const keys: FlowKey[] = [];
const seen = new Set<string>();
while (keys.length < KEYS) {
  const i = keys.length;
  const src = pick(workloads);
  const dstNs = rand() < 0.7 ? byNamespace[Number(src.namespace.slice(7))]! : pick(byNamespace);
  const dst = pick(dstNs);
  const deny = rand() < 0.2;
  const staged = rand() < 0.1;
  const enforced: PolicyHit[] = deny
    ? [
        {
          ...hitOf('EndOfTier', '', '', 'default', 'Deny', 0, -1),
          trigger: { kind: 'NetworkPolicy', namespace: dst.namespace, name: 'default-deny', tier: 'default' },
        },
      ]
    : [hitOf('NetworkPolicy', dst.namespace, `allow-${dst.name.split('-')[0]}`, 'default', 'Allow', 0, i % 4)];
  const pending = staged
    ? [hitOf('StagedNetworkPolicy', dst.namespace, 'lockdown', 'default', 'Deny', 0, 0)]
    : enforced;
  const key: FlowKey = {
    sourceName: src.name,
    sourceNamespace: src.namespace,
    sourceType: 'WorkloadEndpoint',
    destName: dst.name,
    destNamespace: dst.namespace,
    destType: 'WorkloadEndpoint',
    destPort: pick([80, 443, 8080, 5432, 6379, 9090]),
    destServiceName: '-',
    destServiceNamespace: '-',
    destServicePortName: '-',
    destServicePort: 0,
    proto: 'tcp',
    reporter: rand() < 0.5 ? 'Src' : 'Dst',
    action: deny ? 'Deny' : 'Allow',
    policies: { enforced, pending },
  };
  const ks = flowKeyString(key);
  if (seen.has(ks)) continue;
  seen.add(ks);
  keys.push(key);
}
seen.clear();
const labelsOf = new Map<string, string[]>(workloads.map((w) => [`${w.namespace}/${w.name}`, w.labels]));

/** Fresh flow objects (as a decoder would produce) for keys [from, to) in one bucket. */
function batch(bucket: number, from: number, to: number): Flow[] {
  const out: Flow[] = [];
  for (let i = from; i < to; i++) {
    const k = keys[i]!;
    out.push({
      key: { ...k, policies: { enforced: [...k.policies.enforced], pending: [...k.policies.pending] } },
      startTime: T0 - 15 * (BUCKETS - bucket) + (i % 15),
      endTime: T0 - 15 * (BUCKETS - bucket) + (i % 15),
      sourceLabels: [...labelsOf.get(`${k.sourceNamespace}/${k.sourceName}`)!],
      destLabels: [...labelsOf.get(`${k.destNamespace}/${k.destName}`)!],
      packetsIn: 10,
      packetsOut: 12,
      bytesIn: 1000,
      bytesOut: 4000,
      numConnectionsStarted: 1,
      numConnectionsCompleted: 1,
      numConnectionsLive: 1,
    });
  }
  return out;
}

/** Ingests KEYS × BUCKETS flows in batches; returns flows/s counting only ingest time. */
async function load(store: VerdictFlowStore, batchSize: number): Promise<number> {
  let spent = 0;
  for (let b = 0; b < BUCKETS; b++) {
    for (let i = 0; i < KEYS; i += batchSize) {
      const flows = batch(b, i, Math.min(KEYS, i + batchSize));
      const t = performance.now();
      await store.ingest(flows);
      spent += performance.now() - t;
    }
  }
  return (KEYS * BUCKETS) / (spent / 1000);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function listLatency(
  store: VerdictFlowStore,
  queries: number,
): Promise<{ p50: number; p99: number; avg: number }> {
  const qrand = rng(7);
  const times: number[] = [];
  let results = 0;
  for (let q = 0; q < queries; q++) {
    const ns = `tenant-${Math.floor(qrand() * NAMESPACES)}`;
    const filter: FlowFilter =
      q % 2 === 0
        ? { destNamespaces: [{ value: ns, type: 'Exact' }], actions: ['Deny'] }
        : { sourceNamespaces: [{ value: ns, type: 'Exact' }], actions: ['Allow'] };
    const t = performance.now();
    const r = await store.list({ range: { gte: 0, lt: T0 + 1 }, filter, pageSize: 100 });
    times.push(performance.now() - t);
    results += r.totalResults;
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), avg: results / queries };
}

const rows: [string, string][] = [];
const now = () => T0 + 1;
const dir = mkdtempSync(join(tmpdir(), 'verdict-bench-'));
console.log(
  `synthetic cluster: ${pods} pods, ${NAMESPACES} namespaces, ${workloads.length} workloads; ${KEYS} keys x ${BUCKETS} buckets = ${KEYS * BUCKETS} aggregated flows`,
);
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  if (!args['memory-only']) await sqliteRows();
  await memoryRows();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function sqliteRows(): Promise<void> {
  // SQLite, small batches (one fsync per 1,000 flows) on a throwaway file.
  {
    const small = createSqliteStore({ path: join(dir, 'small.db'), now });
    let spent = 0;
    const n = 50_000;
    for (let i = 0; i < n; i += 1000) {
      const flows = batch(0, i, i + 1000);
      const t = performance.now();
      await small.ingest(flows);
      spent += performance.now() - t;
    }
    await small.close();
    rows.push([
      'sqlite ingest, batches of 1,000 (synchronous=FULL)',
      `${Math.round(n / (spent / 1000)).toLocaleString()} flows/s`,
    ]);
  }
  const path = join(dir, 'flows.db');
  const sqlite = createSqliteStore({ path, now });
  const sqliteRate = await load(sqlite, 10_000);
  rows.push([
    'sqlite ingest, batches of 10,000 (synchronous=FULL)',
    `${Math.round(sqliteRate).toLocaleString()} flows/s`,
  ]);
  const stats = await sqlite.stats();
  const lat = await listLatency(sqlite, 200);
  rows.push([
    'sqlite List p50 / p99, namespace+action filter, 1M flows',
    `${lat.p50.toFixed(2)} ms / ${lat.p99.toFixed(2)} ms (avg ${lat.avg.toFixed(1)} results)`,
  ]);
  const t = performance.now();
  const unfiltered = await sqlite.list({ range: { gte: 0, lt: T0 + 1 }, pageSize: 100 });
  rows.push([
    'sqlite List, no filter (100k keys), one run',
    `${(performance.now() - t).toFixed(0)} ms (${unfiltered.totalResults} results)`,
  ]);
  await sqlite.close();
  const size = statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  rows.push(['sqlite rows', stats.rows.toLocaleString()]);
  rows.push([
    'sqlite bytes on disk per stored flow',
    `${(size / stats.rows).toFixed(1)} B (${(size / 2 ** 20).toFixed(1)} MiB)`,
  ]);
}

/** Heap plus the typed arrays' backing stores, which live outside the JS heap. */
function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function memoryRows(): Promise<void> {
  // Memory store (auto rollover off; the clock is pinned so all 10 buckets are inside history).
  gc();
  const before = usedBytes();
  const memory = createMemoryStore({ now });
  const memRate = await load(memory, 10_000);
  gc();
  const after = usedBytes();
  const memRows = (await memory.stats()).rows;
  rows.push(['memory ingest, batches of 10,000', `${Math.round(memRate).toLocaleString()} flows/s`]);
  rows.push([
    'memory bytes per stored flow (heap + array buffers)',
    `${((after - before) / memRows).toFixed(1)} B (${memRows.toLocaleString()} rows)`,
  ]);
  const memLat = await listLatency(memory, 50);
  rows.push([
    'memory List p50 / p99, namespace+action filter',
    `${memLat.p50.toFixed(2)} ms / ${memLat.p99.toFixed(2)} ms`,
  ]);
  const t = performance.now();
  await memory.list({ range: { gte: 0, lt: T0 + 1 }, pageSize: 100 });
  rows.push(['memory List, no filter, one run', `${(performance.now() - t).toFixed(0)} ms`]);
  await memory.close();
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${'measure'.padEnd(width)}  value`);
console.log(`${'-'.repeat(width)}  ${'-'.repeat(40)}`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
