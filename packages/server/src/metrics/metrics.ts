// Verdict's own metrics on prom-client (with its default process and Node.js metrics), the
// query-timing middleware and the /metrics route.
import { Hono, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Fixed query-duration buckets, in seconds (1 ms to 10 s). */
export const QUERY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The text exposition format 0.0.4. */
export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Verdict's metrics as verbs; `registry` holds them (and the default metrics) for rendering or for adding more. */
export interface Metrics {
  readonly registry: Registry;
  /** `verdict_ingest_flows_total{source}`: flows stored, by source (`felix`, `demo`, `file`, …). */
  ingestStored(source: string, count: number): void;
  /** `verdict_ingest_dropped_total{source,reason}`: flows dropped or rejected on ingest. */
  ingestDropped(source: string, reason: string, count: number): void;
  /** `verdict_store_rows` and `verdict_store_bytes`. */
  storeSize(rows: number, bytes: number): void;
  /** `verdict_query_duration_seconds{route}`, by route pattern (`/api/v1/flows/:id/explain`), never raw path. */
  observeQuery(route: string, seconds: number): void;
  /** `verdict_stream_clients{api}` up / down, by API (`v1`, `whisker`, `goldmane`). */
  streamOpened(api: string): void;
  streamClosed(api: string): void;
  /** `verdict_stream_dropped_total{api}`: flows a slow stream client missed (each announced in a gap event). */
  streamDropped(api: string, count: number): void;
  /** `verdict_ingest_deduplicated_total{source}`: repeats of a flow already received (Felix resends after a reconnect), not stored again. */
  deduplicated(source: string, count: number): void;
  /** `verdict_evaluations_total`. */
  evaluated(count?: number): void;
  /** Every metric in the text exposition format. */
  scrape(): Promise<string>;
}

/**
 * Keeps at most `max` distinct label sets; further ones are counted under one set whose every label
 * is `other`, so an unexpected label value cannot grow memory without bound (prom-client has no such
 * bound of its own).
 */
function boundedLabels<L extends string>(
  names: readonly L[],
  max: number,
): (labels: Record<L, string>) => Record<L, string> {
  const seen = new Set<string>();
  const other = Object.fromEntries(names.map((n) => [n, 'other'])) as Record<L, string>;
  return (labels) => {
    const key = names.map((n) => labels[n]).join('\0');
    if (seen.has(key)) return labels;
    if (seen.size >= max) return other;
    seen.add(key);
    return labels;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const ingestFlows = new Counter({
    name: 'verdict_ingest_flows_total',
    help: 'Flows ingested, by source.',
    labelNames: ['source'] as const,
    registers,
  });
  const ingestSources = boundedLabels(['source'], 20);
  const ingestDropped = new Counter({
    name: 'verdict_ingest_dropped_total',
    help: 'Flows dropped on ingest, by source and reason.',
    labelNames: ['source', 'reason'] as const,
    registers,
  });
  const droppedSets = boundedLabels(['source', 'reason'], 50);
  const storeRows = new Gauge({
    name: 'verdict_store_rows',
    help: 'Aggregated flow rows held by the store.',
    registers,
  });
  const storeBytes = new Gauge({
    name: 'verdict_store_bytes',
    help: 'Approximate bytes used by the store.',
    registers,
  });
  const queryDuration = new Histogram({
    name: 'verdict_query_duration_seconds',
    help: 'HTTP query duration by route pattern.',
    labelNames: ['route'] as const,
    buckets: [...QUERY_BUCKETS],
    registers,
  });
  const routes = boundedLabels(['route'], 64);
  const streamClients = new Gauge({
    name: 'verdict_stream_clients',
    help: 'Open streaming clients, by API.',
    labelNames: ['api'] as const,
    registers,
  });
  const apis = boundedLabels(['api'], 10);
  const streamDropped = new Counter({
    name: 'verdict_stream_dropped_total',
    help: 'Flows not sent to a slow stream client (announced to it in a gap event), by API.',
    labelNames: ['api'] as const,
    registers,
  });
  const deduplicated = new Counter({
    name: 'verdict_ingest_deduplicated_total',
    help: 'Flows recognised as repeats of one already received (not stored again), by source.',
    labelNames: ['source'] as const,
    registers,
  });
  const evaluations = new Counter({
    name: 'verdict_evaluations_total',
    help: 'Policy evaluations and explanations run.',
    registers,
  });
  return {
    registry,
    ingestStored: (source, count) => ingestFlows.inc(ingestSources({ source }), count),
    ingestDropped: (source, reason, count) => ingestDropped.inc(droppedSets({ source, reason }), count),
    storeSize(rows, bytes) {
      storeRows.set(rows);
      storeBytes.set(bytes);
    },
    observeQuery: (route, seconds) => queryDuration.observe(routes({ route }), seconds),
    streamOpened: (api) => streamClients.inc(apis({ api })),
    streamClosed: (api) => streamClients.dec(apis({ api })),
    streamDropped: (api, count) => streamDropped.inc(apis({ api }), count),
    deduplicated: (source, count) => deduplicated.inc(ingestSources({ source }), count),
    evaluated: (count = 1) => evaluations.inc(count),
    scrape: () => registry.metrics(),
  };
}

/**
 * Records `verdict_query_duration_seconds{route}` for every request under it, labelled with the
 * matched route pattern (`unmatched` when only middleware matched). Streaming routes are timed
 * until their response starts.
 */
export function timeQueries(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // The handler that answered (the last one dispatched), not the last route matched (the UI's catch-all).
      const pattern = routePath(c);
      const route = pattern.endsWith('*') && c.res.status === 404 ? 'unmatched' : pattern;
      metrics.observeQuery(route, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}

/** `GET /metrics` in the text exposition format 0.0.4; mount at the root. */
export function createMetricsRoutes(metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await metrics.scrape(), 200, { 'Content-Type': CONTENT_TYPE }));
  return app;
}
