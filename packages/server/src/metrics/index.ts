// Prometheus metrics for Verdict, hand-written: a small registry, the predefined metrics, the
// query-timing middleware and the /metrics route.
export type { Metrics } from './metrics.ts';
export { createMetrics, createMetricsRoutes, QUERY_BUCKETS, timeQueries } from './metrics.ts';
export type { Counter, Gauge, Histogram, Labels, MetricOptions, Registry } from './registry.ts';
export { CONTENT_TYPE, createRegistry } from './registry.ts';
