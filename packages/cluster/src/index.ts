// @verdict/cluster: where the cluster state comes from: manifest files, a live API server
// (list+watch), the demo; and the policy change log entries those sources produce.
export { MissingPath, readManifestFiles } from './files.ts';
export type { KindRole, KindSource, ReadRule, WatchedKind } from './kinds.ts';
export { clusterReadRules, collectionPath, kindKey, sourceApiVersion, WATCHED_KINDS } from './kinds.ts';
export type { ClusterStatus, KindState, KindStatus, LiveCluster, LiveClusterOptions } from './live.ts';
export { ClusterUnreachable, loadKubeConfig, startLiveCluster } from './live.ts';
export type { ClusterMirror, MirrorBatch, MirrorOptions } from './mirror.ts';
export { createClusterMirror } from './mirror.ts';
export type { EngineUpdate, KubeObject, ReduceContext, Reduced, WatchEvent, WatchEventType } from './reduce.ts';
export { readableDiff, readableView, reduceWatchEvent } from './reduce.ts';
