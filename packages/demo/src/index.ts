// @verdict/demo: the embedded demo cluster (a microservice shop) and its traffic generator.
export type { Bytes, CallDestination, CallEdge, CallSource } from './callgraph.ts';
export { DEMO_CALL_GRAPH, SCAN_PORTS } from './callgraph.ts';
export { demoClusterFiles } from './files.ts';
export type { DemoStagedImpact, DemoSuspiciousFlow } from './suspicious.ts';
export { DEMO_STAGED_IMPACT, DEMO_SUSPICIOUS } from './suspicious.ts';
export type { TaggedFlow, TrafficCluster, TrafficGenerator, TrafficGeneratorOptions } from './traffic.ts';
export { createTrafficGenerator } from './traffic.ts';
