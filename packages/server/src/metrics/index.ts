// Prometheus metrics for Verdict on prom-client: the predefined metrics, the query-timing
// middleware and the /metrics route.
export type { Metrics } from './metrics.ts';
export { CONTENT_TYPE, createMetrics, createMetricsRoutes, QUERY_BUCKETS, timeQueries } from './metrics.ts';
export type { CollectorBackpressure, WatchMetrics } from './sources.ts';
export { registerClusterMetrics, registerGoldmaneCollectorMetrics, registerGoldmaneTailMetrics } from './sources.ts';
export type { StoreBufferStatus } from './store.ts';
export { registerStoreBufferMetrics } from './store.ts';
