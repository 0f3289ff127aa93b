// @verdict/cluster: where the cluster state comes from: manifest files, a live API server
// (list+watch), the demo; and the policy change log entries those sources produce.

export type { ChangeRecorder, ListedResources } from './changelog.ts';
export { changeIdentity, createChangeRecorder, deletedWhileAway, reconcileWithLog } from './changelog.ts';
export type { DemoChanges } from './demo.ts';
export { createDemoChanges } from './demo.ts';
export { MissingPath, readManifestFiles } from './files.ts';
export type { KindRole, KindSource, ReadRule, WatchedKind } from './kinds.ts';
export { clusterReadRules, collectionPath, kindKey, sourceApiVersion, WATCHED_KINDS } from './kinds.ts';
export type {
  CalicoMode,
  CalicoVersionOrigin,
  ClusterStatus,
  KindState,
  KindStatus,
  LiveCluster,
  LiveClusterOptions,
} from './live.ts';
export { ClusterUnreachable, loadKubeConfig, startLiveCluster } from './live.ts';
export type { ClusterMirror, MirrorBatch, MirrorOptions } from './mirror.ts';
export { createClusterMirror } from './mirror.ts';
export type { EngineUpdate, KubeObject, ReduceContext, Reduced, WatchEvent, WatchEventType } from './reduce.ts';
export { readableDiff, readableView, reduceWatchEvent } from './reduce.ts';
export type { ClusterSource, ClusterSourceConfig, ClusterSourceOptions, SourceStatus } from './source.ts';
export { startClusterSource } from './source.ts';
