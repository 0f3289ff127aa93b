export type { IngestCounters, IngestPipeline, IngestReport, PipelineOptions, RejectCode } from './pipeline.ts';
export { createIngestPipeline, IngestOverloaded } from './pipeline.ts';
