// Web UI benchmark: the service graph at the scale of DESIGN.md in headless Chromium, served by the
// real `verdict serve`. A synthetic cluster of 3,000 namespaces × 2–3 workloads (7,500 workloads)
// talking over ~30,000 distinct workload → workload edges (~50,000 flow keys with enforced and
// pending traces) is stored directly in the memory store; then /graph is opened and measured:
// navigation → graph drawn, what is drawn, frame times and long tasks while panning (mouse drag)
// and zooming (wheel) for ~5 s, and the time to switch the grouping. The API is timed whole and
// folded to the UI's default node budget (`limit=150`, what the page asks).
// Run: npx tsx bench/web/graph.ts   (needs packages/web/dist: npm run build:web;
//      VERDICT_WEB_DIR=<dir> serves another build, e.g. one of the code before a change)
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { PolicyHit } from '@verdict/engine';
import { bucketStart, type Flow, type FlowKey } from '@verdict/flows';
import { resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../../packages/web/test/harness.ts';
import { seededRandom } from '../shared/synthetic.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WEB_DIR = resolve(process.env.VERDICT_WEB_DIR ?? join(ROOT, 'packages/web/dist'));
const NAMESPACES = 3_000;
const EDGES = 30_000;
const SERVICES = ['web', 'api', 'auth', 'cart', 'search', 'billing', 'worker', 'cache', 'db', 'queue'];
const PORTS = [80, 443, 8080, 5432, 6379, 9090];
const PAN_ZOOM_MS = 5_000;

if (!existsSync(join(WEB_DIR, 'index.html'))) {
  console.error(`${WEB_DIR} is missing: run npm run build:web first`);
  process.exit(1);
}

// --- Synthetic cluster and traffic -------------------------------------------------------------
const rand = seededRandom(7);
const randInt = (n: number) => Math.floor(rand() * n);
interface Workload {
  namespace: string;
  name: string;
  labels: string[];
}
const byNamespace: Workload[][] = [];
for (let n = 0; n < NAMESPACES; n++) {
  const list: Workload[] = [];
  for (let d = 0; d < 2 + (n % 2); d++) {
    const svc = SERVICES[(n + d * 3) % SERVICES.length]!;
    const name = `${svc}-${randInt(0xffffff).toString(16).padStart(6, '0')}-*`;
    list.push({ namespace: `tenant-${n}`, name, labels: [`app=${svc}`, `team=t${n % 40}`] });
  }
  byNamespace.push(list);
}
/** Cross-namespace traffic goes to popular namespaces more often (Zipf-like over a shuffled order). */
const popularity = byNamespace.map((_, i) => i).sort(() => rand() - 0.5);
const zipfNamespace = () => popularity[Math.min(NAMESPACES - 1, Math.floor(NAMESPACES ** rand()) - 1)]!;

const hit = (ns: string, name: string, action: PolicyHit['action'], staged: boolean): PolicyHit => ({
  kind: staged ? 'StagedNetworkPolicy' : 'NetworkPolicy',
  namespace: ns,
  name,
  tier: 'default',
  action,
  policyIndex: 0,
  ruleIndex: 0,
});

const t0 = bucketStart(Date.now() / 1000) - 120;
const flows: Flow[] = [];
const edgeSeen = new Set<string>();
while (edgeSeen.size < EDGES) {
  const srcNs = randInt(NAMESPACES);
  const src = byNamespace[srcNs]![randInt(byNamespace[srcNs]!.length)]!;
  const dstNs = rand() < 0.6 ? srcNs : zipfNamespace();
  const dst = byNamespace[dstNs]![randInt(byNamespace[dstNs]!.length)]!;
  const id = `${src.namespace}/${src.name}>${dst.namespace}/${dst.name}`;
  if (edgeSeen.has(id)) continue;
  edgeSeen.add(id);
  const deny = rand() < 0.15;
  const staged = rand() < 0.1;
  const keys = 1 + (rand() < 0.35 ? randInt(PORTS.length) : 0);
  for (let p = 0; p < keys; p++) {
    const enforced = [
      hit(dst.namespace, deny ? 'default-deny' : `allow-${dst.name.split('-')[0]}`, deny ? 'Deny' : 'Allow', false),
    ];
    const key: FlowKey = {
      sourceName: src.name,
      sourceNamespace: src.namespace,
      sourceType: 'WorkloadEndpoint',
      destName: dst.name,
      destNamespace: dst.namespace,
      destType: 'WorkloadEndpoint',
      destPort: PORTS[p]!,
      destServiceName: '-',
      destServiceNamespace: '-',
      destServicePortName: '-',
      destServicePort: 0,
      proto: 'tcp',
      reporter: 'Dst',
      action: deny ? 'Deny' : 'Allow',
      policies: {
        enforced,
        pending: staged ? [hit(dst.namespace, 'lockdown', deny ? 'Allow' : 'Deny', true)] : enforced,
      },
    };
    flows.push({
      key,
      startTime: t0 + (flows.length % 15),
      endTime: t0 + 15,
      sourceLabels: src.labels,
      destLabels: dst.labels,
      packetsIn: 10,
      packetsOut: 12,
      bytesIn: 1000,
      bytesOut: 4000,
      numConnectionsStarted: 1,
      numConnectionsCompleted: 1,
      numConnectionsLive: 0,
    });
  }
}

// --- Server ----------------------------------------------------------------------------------
const resolved = resolveConfig(
  { store: 'memory', 'http-port': '0', 'grpc-port': '-1', 'demo-traffic': false, 'web-dir': WEB_DIR },
  {},
);
if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
const running = await startVerdict(resolved.config, silentLogger);
await running.store.ingest(flows);
const stored = (await running.store.stats()).rows;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** `query`: group and, for what the UI asks since the server folds, `limit` (the node budget). */
async function timeApi(query: string) {
  const times: number[] = [];
  let body = '';
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await fetch(`${running.httpUrl}/api/v1/graph?start=-3600&end=0&${query}`);
    body = await res.text();
    times.push(performance.now() - t);
  }
  const g = JSON.parse(body) as { nodes: unknown[]; edges: unknown[] };
  return { ms: median(times), bytes: body.length, nodes: g.nodes.length, edges: g.edges.length };
}
const listTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const now = Date.now() / 1000;
  await running.store.list({ range: { gte: now - 3600, lt: now }, pageSize: 0 });
  listTimes.push(performance.now() - t);
}
const apiWorkload = await timeApi('group=workload');
const apiNamespace = await timeApi('group=namespace');
const apiAutoLimited = await timeApi('group=auto&limit=150');
const apiWorkloadLimited = await timeApi('group=workload&limit=150');

// --- Browser ---------------------------------------------------------------------------------
const browser = await launchBrowser();
const { context } = browser;

/** In-page probes: long tasks and frame times while `measuring`. */
function probes() {
  const bench = { measuring: false, frames: [] as number[], longTasks: [] as number[] };
  (window as unknown as { __bench: typeof bench }).__bench = bench;
  new PerformanceObserver((list) => {
    if (bench.measuring) for (const e of list.getEntries()) bench.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  let last = 0;
  const frame = (t: number) => {
    if (bench.measuring && last > 0) bench.frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

const page: Page = await context.newPage();
// tsx compiles with keepNames, so functions serialized to the page call esbuild's `__name` helper.
await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
await page.addInitScript(probes);

/** Resolves after the next two animation frames (the graph has been painted). */
const painted = () =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
const drawn = () =>
  page.evaluate(() => ({
    nodes: document.querySelectorAll('[data-testid="graph-node"]').length,
    edges: document.querySelectorAll('[data-testid="graph-edge"]').length,
    elements: document.querySelector('[data-testid="graph-svg"]')?.querySelectorAll('*').length ?? 0,
    stats: document.querySelector('[data-testid="graph-stats"]')?.textContent ?? '',
  }));

const opened = performance.now();
await page.goto(`${running.httpUrl}/graph`);
await page.getByTestId('graph-node').first().waitFor({ timeout: 180_000 });
await painted();
const firstGraphMs = performance.now() - opened;
const initial = await drawn();

// Pan (drag) for half the time, zoom (wheel, in and out around the pointer) for the other half.
const box = await page.getByTestId('graph-svg').boundingBox();
if (!box) throw new Error('no graph on the page');
const cx = box.x + box.width / 2;
const cy = box.y + box.height / 2;
await page.evaluate(() => {
  (window as unknown as { __bench: { measuring: boolean } }).__bench.measuring = true;
});
const panStart = performance.now();
let panMoves = 0;
await page.mouse.move(cx, cy);
await page.mouse.down();
while (performance.now() - panStart < PAN_ZOOM_MS / 2) {
  const a = panMoves / 10;
  await page.mouse.move(cx + 200 * Math.cos(a), cy + 150 * Math.sin(a));
  panMoves++;
  await page.waitForTimeout(16);
}
await page.mouse.up();
let wheels = 0;
while (performance.now() - panStart < PAN_ZOOM_MS) {
  await page.mouse.wheel(0, wheels % 30 < 15 ? -120 : 120);
  wheels++;
  await page.waitForTimeout(30);
}
await painted();
const interaction = performance.now() - panStart;
const m = await page.evaluate(() => {
  const b = (window as unknown as { __bench: { measuring: boolean; frames: number[]; longTasks: number[] } }).__bench;
  b.measuring = false;
  return { frames: b.frames, longTasks: b.longTasks };
});

/** Selects a grouping and waits until the graph shows it (the stats line changes) and is painted. */
async function switchTo(value: string) {
  const before = (await drawn()).stats;
  const t = performance.now();
  await page.getByTestId('graph-group').selectOption(value);
  await page.waitForFunction(
    (prev) => {
      const s = document.querySelector('[data-testid="graph-stats"]')?.textContent ?? '';
      return s !== '' && s !== prev && document.querySelector('[data-testid="graph-node"]') !== null;
    },
    before,
    { timeout: 180_000, polling: 20 },
  );
  await painted();
  return { ms: performance.now() - t, ...(await drawn()) };
}
const toNamespace = await switchTo('namespace');
const toWorkload = await switchTo('workload');
const toAuto = await switchTo('auto');

await browser.close();
await running.close();

// --- Report ----------------------------------------------------------------------------------
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const n = (v: number) => v.toLocaleString('en');
const ms = (v: number) => `${v.toFixed(0)} ms`;
const kb = (v: number) => `${n(Math.round(v / 1024))} KiB`;
const what = (d: { nodes: number; edges: number; elements: number }) =>
  `${n(d.nodes)} nodes, ${n(d.edges)} edges (${n(d.elements)} SVG elements)`;
const rows: [string, string][] = [
  [
    'machine',
    `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, load ${loadavg()[0]!.toFixed(1)}`,
  ],
  ['web build', WEB_DIR],
  [
    'flows in the store',
    `${n(stored)} (${n(NAMESPACES)} namespaces, ${n(byNamespace.flat().length)} workloads, ${n(EDGES)} workload edges)`,
  ],
  ['store list, whole range (median of 5)', ms(median(listTimes))],
  [
    'GET /graph?group=workload (median of 5)',
    `${ms(apiWorkload.ms)}, ${kb(apiWorkload.bytes)}, ${n(apiWorkload.nodes)} nodes, ${n(apiWorkload.edges)} edges`,
  ],
  [
    'GET /graph?group=namespace (median of 5)',
    `${ms(apiNamespace.ms)}, ${kb(apiNamespace.bytes)}, ${n(apiNamespace.nodes)} nodes, ${n(apiNamespace.edges)} edges`,
  ],
  [
    'GET /graph?group=auto&limit=150 (median of 5)',
    `${ms(apiAutoLimited.ms)}, ${kb(apiAutoLimited.bytes)}, ${n(apiAutoLimited.nodes)} nodes, ${n(apiAutoLimited.edges)} edges`,
  ],
  [
    'GET /graph?group=workload&limit=150 (median of 5)',
    `${ms(apiWorkloadLimited.ms)}, ${kb(apiWorkloadLimited.bytes)}, ${n(apiWorkloadLimited.nodes)} nodes, ${n(apiWorkloadLimited.edges)} edges`,
  ],
  ['navigation → graph painted (auto)', ms(firstGraphMs)],
  ['drawn (auto)', what(initial)],
  ['stats line (auto)', initial.stats],
  [
    `pan + zoom for ${(interaction / 1000).toFixed(1)} s`,
    `${n(panMoves)} drag moves, ${n(wheels)} wheel steps, ${n(m.frames.length)} frames (${(m.frames.length / (interaction / 1000)).toFixed(0)} fps)`,
  ],
  [
    'frame time p50 / p95 / p99 / max',
    `${ms(pct(m.frames, 50))} / ${ms(pct(m.frames, 95))} / ${ms(pct(m.frames, 99))} / ${ms(Math.max(...m.frames))}`,
  ],
  [
    'long tasks during pan + zoom',
    `${m.longTasks.length}, ${ms(m.longTasks.reduce((a, b) => a + b, 0))} in total, longest ${ms(m.longTasks.length ? Math.max(...m.longTasks) : 0)}`,
  ],
  ['switch auto → namespace', `${ms(toNamespace.ms)}; ${what(toNamespace)}`],
  ['switch namespace → workload', `${ms(toWorkload.ms)}; ${what(toWorkload)}`],
  ['switch workload → auto', `${ms(toAuto.ms)}; ${what(toAuto)}`],
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
