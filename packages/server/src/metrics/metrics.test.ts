import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE, createMetrics, createMetricsRoutes, timeQueries } from './metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format 0.0.4: every line is empty (ignored by the format), a HELP, a TYPE or a sample. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    // prom-client writes NaN as `Nan`; Prometheus reads floats case-insensitively.
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN|Nan)$/.exec(line);
    if (!sample) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const labelText = sample[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (let m = re.exec(labelText); m; m = re.exec(labelText)) {
      labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      consumed = re.lastIndex;
      if (consumed === labelText.length) break;
    }
    expect(consumed).toBe(labelText.length);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]!.replace('+Inf', 'Infinity')) });
  }
  return { types, samples };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('createMetrics', () => {
  it('predefines Verdict metrics and renders them in the text format', async () => {
    const m = createMetrics();
    m.ingestStored('goldmane', 3);
    m.ingestDropped('file', 'out-of-range', 1);
    m.storeSize(42, 8400);
    m.streamOpened('v1');
    m.streamOpened('v1');
    m.streamClosed('v1');
    m.evaluated();
    m.observeQuery('/api/v1/flows', 0.003);
    m.observeQuery('/api/v1/flows', 0.2);
    m.observeQuery('/api/v1/flows', 60);
    const { types, samples } = parseExposition(await m.scrape());
    expect(Object.fromEntries(types)).toMatchObject({
      verdict_store_rows: 'gauge',
      verdict_store_bytes: 'gauge',
      verdict_ingest_flows_total: 'counter',
      verdict_ingest_dropped_total: 'counter',
      verdict_query_duration_seconds: 'histogram',
      verdict_stream_clients: 'gauge',
      verdict_stream_dropped_total: 'counter',
      verdict_evaluations_total: 'counter',
    });
    expect(find(samples, 'verdict_ingest_flows_total', { source: 'goldmane' })).toBe(3);
    expect(find(samples, 'verdict_ingest_dropped_total', { source: 'file', reason: 'out-of-range' })).toBe(1);
    expect(find(samples, 'verdict_store_rows')).toBe(42);
    expect(find(samples, 'verdict_store_bytes')).toBe(8400);
    expect(find(samples, 'verdict_stream_clients', { api: 'v1' })).toBe(1);
    expect(find(samples, 'verdict_evaluations_total')).toBe(1);
    const buckets = samples.filter((s) => s.name === 'verdict_query_duration_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual([
      '0.001',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
    expect(buckets.map((b) => b.value)).toEqual([0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3]);
    expect(find(samples, 'verdict_query_duration_seconds_count', { route: '/api/v1/flows' })).toBe(3);
    expect(find(samples, 'verdict_query_duration_seconds_sum')).toBeCloseTo(60.203);
  });

  it('includes the default process and Node.js metrics Prometheus users expect', async () => {
    const { types, samples } = parseExposition(await createMetrics().scrape());
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('process_start_time_seconds')).toBe('gauge');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(find(samples, 'process_start_time_seconds')).toBeGreaterThan(1_600_000_000);
  });

  it('bounds label sets by folding extra ones into an `other` series', async () => {
    const m = createMetrics();
    for (let i = 0; i < 70; i++) m.observeQuery(`/route/${i}`, 0.001);
    const { samples } = parseExposition(await m.scrape());
    const routes = new Set(
      samples.filter((s) => s.name === 'verdict_query_duration_seconds_count').map((s) => s.labels.route),
    );
    expect(routes.size).toBe(65);
    expect(find(samples, 'verdict_query_duration_seconds_count', { route: 'other' })).toBe(6);
  });

  it('escapes label values', async () => {
    const m = createMetrics();
    m.ingestStored('q"u\\o\nte', 1);
    const { samples } = parseExposition(await m.scrape());
    expect(find(samples, 'verdict_ingest_flows_total', { source: 'q"u\\o\nte' })).toBe(1);
  });
});

describe('timeQueries and /metrics', () => {
  it('times requests by route pattern and serves the exposition over HTTP', async () => {
    const m = createMetrics();
    const api = new Hono();
    api.get('/flows/:id/explain', (c) => c.json({ id: c.req.param('id') }));
    const app = new Hono();
    app.use('*', timeQueries(m));
    app.route('/api/v1', api);
    app.route('/', createMetricsRoutes(m));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const id of [1, 2, 3]) expect((await fetch(`${base}/api/v1/flows/${id}/explain`)).status).toBe(200);
      expect((await fetch(`${base}/nowhere`)).status).toBe(404);
      const res = await fetch(`${base}/metrics`);
      expect(res.headers.get('content-type')).toBe(CONTENT_TYPE);
      const { samples } = parseExposition(await res.text());
      expect(find(samples, 'verdict_query_duration_seconds_count', { route: '/api/v1/flows/:id/explain' })).toBe(3);
      expect(find(samples, 'verdict_query_duration_seconds_count', { route: 'unmatched' })).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
