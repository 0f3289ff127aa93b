export type { IngestCounters, IngestPipeline, IngestReport, PipelineOptions } from './pipeline.ts';
export { createIngestPipeline, IngestOverloaded } from './pipeline.ts';
