// Web UI benchmark: the flow table under load in headless Chromium, served by the real `verdict serve`.
// 100,000 flows with traces are stored before the page opens; then 5,000 flows/s reach the page
// through the real live path (store rollover → SSE → EventSource → 500 ms batcher → buffer reducer
// → virtualized table) for 20 s while the table is scrolled and the quick search typed into.
// Run: npx tsx bench/web/main.ts   (needs packages/web/dist: npm run build:web)
//
// The store streams a 15 s bucket once the next one is complete, so live flows arrive in bursts
// every 15 s of wall time. To stream 5,000 flows every second the bench moves the store's clock
// instead: each second it stores 5,000 flows in the bucket being filled and rolls the store over
// one bucket (`store.tick`), so the page receives the previous second's 5,000 flows. Nothing in the
// server or the UI is bypassed; only the store's clock runs 15× faster than the wall clock.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createTrafficGenerator } from '@verdict/demo';
import { BUCKET_SECONDS, bucketStart, enrichRawFlow, type Flow } from '@verdict/flows';
import { resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../../packages/web/test/harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WEB_DIR = join(ROOT, 'packages/web/dist');
const PRELOADED = 100_000;
const RATE = 5_000;
const STREAM_SECONDS = 20;
const KEYSTROKES = 'storefront';
/** The UI's row bound (DEFAULT_MAX_ROWS) and the server's default stream buffer. */
const UI_ROWS = 20_000;

if (!existsSync(join(WEB_DIR, 'index.html'))) {
  console.error(`${WEB_DIR} is missing: run npm run build:web first`);
  process.exit(1);
}

const resolved = resolveConfig(
  { store: 'memory', 'http-port': '0', 'grpc-port': '-1', 'demo-traffic': false, 'web-dir': WEB_DIR },
  {},
);
if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
const running = await startVerdict(resolved.config, silentLogger);
const evaluator = running.evaluator();

/** RATE distinct flow keys with real traces: the demo's traffic, evaluated, fanned out over more pods. */
function templates(): Flow[] {
  const t0 = bucketStart(Date.now() / 1000) - 600;
  const raws = createTrafficGenerator({ cluster: evaluator.state, seed: 7, now: t0 }).next(t0 + 600);
  const distinct = new Map<string, Flow>();
  for (const raw of raws) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (!enriched.ok) continue;
    for (const flow of enriched.flows) distinct.set(JSON.stringify(flow.key), flow);
  }
  const base = [...distinct.values()];
  return Array.from({ length: RATE }, (_, i) => {
    const t = base[i % base.length]!;
    const copy = Math.floor(i / base.length);
    const sourceName = copy === 0 ? t.key.sourceName : t.key.sourceName.replace(/\*$|$/, `${copy.toString(36)}`);
    return { ...t, key: { ...t.key, sourceName } };
  });
}

const keys = templates();
const bucketOf = (start: number): Flow[] =>
  keys.map((f, i) => ({ ...f, startTime: start + (i % BUCKET_SECONDS), endTime: start + BUCKET_SECONDS }));

// Preload: PRELOADED flows in the 20 buckets up to the one filling now, then roll over so that all
// of them are complete and inside the page's default "last 5 minutes".
let filling = bucketStart(Date.now() / 1000);
const preloadBuckets = PRELOADED / RATE;
for (let b = preloadBuckets - 1; b >= 0; b--)
  await running.pipeline.submitFlows(bucketOf(filling - b * BUCKET_SECONDS), 'bench');
filling += 2 * BUCKET_SECONDS;
running.store.tick(filling);
const stored = (await running.store.stats()).rows;

const browser = await launchBrowser();
const { context } = browser;

/** In-page probes: SSE messages, long tasks, frame times, and keystroke-to-filtered-table latency. */
function probes() {
  interface Bench {
    messages: number;
    measuring: boolean;
    frames: number[];
    longTasks: number[];
    keystrokes: number[];
    inputEvents: number[];
  }
  const bench: Bench = { messages: 0, measuring: false, frames: [], longTasks: [], keystrokes: [], inputEvents: [] };
  (window as unknown as { __bench: Bench }).__bench = bench;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      this.addEventListener('message', () => bench.messages++);
    }
  };
  new PerformanceObserver((list) => {
    if (bench.measuring) for (const e of list.getEntries()) bench.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  new PerformanceObserver((list) => {
    if (!bench.measuring) return;
    for (const e of list.getEntries()) if (e.name === 'keydown') bench.inputEvents.push(e.duration);
  }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit);
  let last = 0;
  const frame = (t: number) => {
    if (bench.measuring && last > 0) bench.frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // Keystroke → the table has rendered the rows of the new search (data-query) → next frame.
  document.addEventListener(
    'keydown',
    (e) => {
      const input = e.target as HTMLInputElement | null;
      if (!bench.measuring || input?.dataset.testid !== 'flow-search' || e.key.length !== 1) return;
      const t0 = performance.now();
      const want = input.value + e.key;
      const table = document.querySelector('[data-testid="flow-table"]');
      if (!table) return;
      const done = () => requestAnimationFrame(() => setTimeout(() => bench.keystrokes.push(performance.now() - t0)));
      const observer = new MutationObserver(() => {
        if (table.getAttribute('data-query') !== want) return;
        observer.disconnect();
        done();
      });
      observer.observe(table, { attributes: true, attributeFilter: ['data-query'] });
    },
    true,
  );
}

const page: Page = await context.newPage();
// tsx compiles with keepNames, so functions serialized to the page call esbuild's `__name` helper.
await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
await page.addInitScript(probes);
const opened = performance.now();
await page.goto(`${running.httpUrl}/`);
await page.getByTestId('flow-row').first().waitFor({ timeout: 60_000 });
// The initial load is over when the table holds the newest UI_ROWS flows: the server sends at most
// that many of a backfill (its stream buffer, the newest first kept) and the UI keeps as many.
await page.waitForFunction(
  (n) => Number(document.querySelector('[data-testid="flow-table"]')?.getAttribute('data-rows')) >= n,
  UI_ROWS,
  { timeout: 120_000, polling: 100 },
);
const initialLoadMs = performance.now() - opened;
const rowsLoaded = Number(await page.getByTestId('flow-table').getAttribute('data-rows'));
const initialMessages = await page.evaluate(
  () => (window as unknown as { __bench: { messages: number } }).__bench.messages,
);

// Stream, scroll and type.
await page.evaluate(() => {
  (window as unknown as { __bench: { measuring: boolean } }).__bench.measuring = true;
});
const box = await page.getByTestId('flow-scroll').boundingBox();
if (!box) throw new Error('no flow table on the page');
await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
let pushed = 0;
let lagging = 0;
const streamStart = performance.now();
const pusher = (async () => {
  for (let s = 0; s < STREAM_SECONDS; s++) {
    const due = streamStart + s * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else lagging++;
    await running.pipeline.submitFlows(bucketOf(filling), 'bench');
    pushed += RATE;
    filling += BUCKET_SECONDS;
    running.store.tick(filling);
  }
  // Deliver the last second's bucket.
  running.store.tick(filling + BUCKET_SECONDS);
})();
const user = (async () => {
  // First half: scroll down and back up through the table.
  const scrollUntil = streamStart + (STREAM_SECONDS * 1000) / 2;
  for (let i = 0; performance.now() < scrollUntil; i++) {
    await page.mouse.wheel(0, i % 20 < 10 ? 400 : -400);
    await page.waitForTimeout(100);
  }
  // Second half: type the quick search one key at a time, then clear it, and again.
  const search = page.getByTestId('flow-search');
  const typeUntil = streamStart + STREAM_SECONDS * 1000 - 500;
  while (performance.now() < typeUntil) {
    await search.focus();
    for (const key of KEYSTROKES) {
      await page.keyboard.press(key);
      await page.waitForTimeout(250);
    }
    await search.fill('');
    await page.waitForTimeout(250);
  }
})();
await Promise.all([pusher, user]);
await page.waitForTimeout(1_500);
const m = await page.evaluate(() => {
  const b = (window as unknown as { __bench: Record<string, unknown> }).__bench;
  b.measuring = false;
  return b as { messages: number; frames: number[]; longTasks: number[]; keystrokes: number[]; inputEvents: number[] };
});
const rowsAfter = Number(await page.getByTestId('flow-table').getAttribute('data-rows'));

await browser.close();
await running.close();

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;
const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`machine: ${cpus().length} cores, ${cpu}, Node ${process.version}`);
console.log(`store: ${stored.toLocaleString('en')} flows preloaded (memory store)`);
console.log(
  `initial load: ${initialMessages.toLocaleString('en')} flows streamed, ` +
    `${rowsLoaded.toLocaleString('en')} rows in the table, ${ms(initialLoadMs)} from navigation to a full table`,
);
console.log(
  `stream: ${pushed.toLocaleString('en')} flows pushed at ${RATE.toLocaleString('en')}/s for ${STREAM_SECONDS} s` +
    `${lagging ? ` (${lagging} pushes late)` : ''}; page received ${(m.messages - initialMessages).toLocaleString('en')}; ` +
    `${rowsAfter.toLocaleString('en')} rows at the end`,
);
console.log(
  `frames: ${m.frames.length} measured; frame time p50 ${ms(pct(m.frames, 50))}, p95 ${ms(pct(m.frames, 95))}, ` +
    `p99 ${ms(pct(m.frames, 99))}, max ${ms(Math.max(...m.frames))}`,
);
console.log(
  `long tasks: ${m.longTasks.length}, total ${ms(m.longTasks.reduce((a, b) => a + b, 0))}, ` +
    `longest ${ms(m.longTasks.length ? Math.max(...m.longTasks) : 0)}`,
);
console.log(
  `search keystroke → filtered table painted: ${m.keystrokes.length} keystrokes, p50 ${ms(pct(m.keystrokes, 50))}, ` +
    `p95 ${ms(pct(m.keystrokes, 95))}, max ${ms(Math.max(...m.keystrokes))}`,
);
console.log(
  `keydown event → next paint (Event Timing, ≥ 16 ms only): ${m.inputEvents.length} events, ` +
    `p50 ${ms(pct(m.inputEvents, 50))}, max ${ms(m.inputEvents.length ? Math.max(...m.inputEvents) : 0)}`,
);
