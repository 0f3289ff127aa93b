// @verdict/server: ingest, the HTTP and gRPC APIs, and `verdict serve`.
export { createApp } from './app.ts';
export type { ConfigError, ServeConfig, ServeFlag } from './config.ts';
export { resolveConfig, SERVE_FLAGS } from './config.ts';
export { isStartupError, StartupError } from './health/index.ts';
export type { IngestPipeline, IngestReport } from './ingest/index.ts';
export { createIngestPipeline, IngestOverloaded } from './ingest/index.ts';
export type { FlowLine } from './ingest/ndjson.ts';
export { parseFlowLine } from './ingest/ndjson.ts';
export type { Logger, LogLevel } from './log.ts';
export { createLogger, silentLogger } from './log.ts';
export type { RunningVerdict } from './serve.ts';
export { exposureProblem, isLoopbackHost, loadClusterState, startVerdict } from './serve.ts';
