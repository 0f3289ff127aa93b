// Verdict's own metrics, the query-timing middleware and the /metrics route.
import { Hono, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { CONTENT_TYPE, type Counter, createRegistry, type Gauge, type Histogram, type Registry } from './registry.ts';

/** Fixed query-duration buckets, in seconds (1 ms to 10 s). */
export const QUERY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Verdict's metrics as verbs; `registry` holds them for rendering or for adding more. */
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
  /** `verdict_evaluations_total`. */
  evaluated(count?: number): void;
  render(): string;
  /** Runs the registry's collectors, then renders. */
  scrape(): Promise<string>;
}

export function createMetrics(): Metrics {
  const registry = createRegistry();
  const ingestFlows: Counter<'source'> = registry.counter({
    name: 'verdict_ingest_flows_total',
    help: 'Flows ingested, by source.',
    labelNames: ['source'],
    maxSeries: 20,
  });
  const ingestDropped: Counter<'source' | 'reason'> = registry.counter({
    name: 'verdict_ingest_dropped_total',
    help: 'Flows dropped on ingest, by source and reason.',
    labelNames: ['source', 'reason'],
    maxSeries: 50,
  });
  const storeRows: Gauge = registry.gauge({
    name: 'verdict_store_rows',
    help: 'Aggregated flow rows held by the store.',
  });
  const storeBytes: Gauge = registry.gauge({
    name: 'verdict_store_bytes',
    help: 'Approximate bytes used by the store.',
  });
  const queryDuration: Histogram<'route'> = registry.histogram({
    name: 'verdict_query_duration_seconds',
    help: 'HTTP query duration by route pattern.',
    labelNames: ['route'],
    buckets: QUERY_BUCKETS,
    maxSeries: 64,
  });
  const streamClients: Gauge<'api'> = registry.gauge({
    name: 'verdict_stream_clients',
    help: 'Open streaming clients, by API.',
    labelNames: ['api'],
    maxSeries: 10,
  });
  const streamDropped: Counter<'api'> = registry.counter({
    name: 'verdict_stream_dropped_total',
    help: 'Flows not sent to a slow stream client (announced to it in a gap event), by API.',
    labelNames: ['api'],
    maxSeries: 10,
  });
  const evaluations: Counter = registry.counter({
    name: 'verdict_evaluations_total',
    help: 'Policy evaluations and explanations run.',
  });
  return {
    registry,
    ingestStored: (source, count) => ingestFlows.inc({ source }, count),
    ingestDropped: (source, reason, count) => ingestDropped.inc({ source, reason }, count),
    storeSize(rows, bytes) {
      storeRows.set(undefined, rows);
      storeBytes.set(undefined, bytes);
    },
    observeQuery: (route, seconds) => queryDuration.observe({ route }, seconds),
    streamOpened: (api) => streamClients.inc({ api }),
    streamClosed: (api) => streamClients.dec({ api }),
    streamDropped: (api, count) => streamDropped.inc({ api }, count),
    evaluated: (count = 1) => evaluations.inc(undefined, count),
    render: () => registry.render(),
    scrape: () => registry.scrape(),
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
      const pattern = routePath(c, -1);
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
