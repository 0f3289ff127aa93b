// @verdict/flows: the flow model, aggregation, stores, filters and streams.

export type { ChangeOp, ChangeQuery, PolicyChange, PolicyChangeInput } from './changes.ts';
export { CHANGE_QUERY_LIMIT } from './changes.ts';
export type { FlowEndpoint } from './cidr.ts';
export { cidrsOverlap, endpointInCidrs } from './cidr.ts';
export { CLICKHOUSE_SCHEMA_VERSION } from './clickhouse/schema.ts';
export type { LocalClickHouse } from './clickhouse/server.ts';
export { startLocalClickHouse } from './clickhouse/server.ts';
export type { ClickHouseFlowStore, ClickHouseStoreOptions } from './clickhouse/store.ts';
export { createClickHouseStore, SpoolFull } from './clickhouse/store.ts';
export type { EnrichError, Enriched } from './enrich.ts';
export { enrichRawFlow } from './enrich.ts';
export type { StoreConfig } from './factory.ts';
export { createStore } from './factory.ts';
export type { CompiledFilter, FilterError } from './filter.ts';
export { compileFilter, compileFilterParts, hitMatches, matchesFilter } from './filter.ts';
export { buildGraph } from './graph.ts';
export type { ShownGraph } from './graphFold.ts';
export { nodeTraffic, OTHER_NODE_ID, shapeGraph } from './graphFold.ts';
export { IpSetInterner, LabelSetInterner, StringInterner, TraceInterner } from './intern.ts';
export { canonicalIp, ipSetInCidrs, ipSetOf, MAX_FLOW_IPS, mergeIpSets } from './ips.ts';
export {
  canonicalKey,
  flowKeyString,
  intersectLabels,
  mergeFlow,
  mergeLabels,
  parseFlowKey,
  pendingVerdict,
  sortHits,
} from './key.ts';
export { createMemoryStore } from './memory.ts';
export type * from './model.ts';
export { displayName, displayNamespace, isNetworkName, NAME_DISPLAY, NAMESPACE_DISPLAY } from './names.ts';
export { policyStats } from './policyStats.ts';
export type { FlowStoreError, FlowStoreErrorCode } from './query.ts';
export { isFlowStoreError } from './query.ts';
export type { RawGroups } from './raw-groups.ts';
export { groupRawFlows } from './raw-groups.ts';
export type { ResolveError } from './resolve.ts';
export { representativeQuery } from './resolve.ts';
export type { LevelCoverage, RangePlan, RangeSegment, RollupLevel, SummaryPart } from './rollup.ts';
export {
  levelBucketStart,
  planRange,
  ROLLUP_LEVELS,
  ROLLUP_SETTLE_SECONDS,
  SUMMARY_SECONDS,
  splitBySummaries,
} from './rollup.ts';
export type { SqliteStoreOptions } from './sqlite.ts';
export { createSqliteStore, SQLITE_SCHEMA_VERSION } from './sqlite.ts';
export type { DbCheck, DbRepair } from './sqlite-maintenance.ts';
export { checkSqliteFile, repairSqliteFile } from './sqlite-maintenance.ts';
export type {
  RuleDirection,
  StatisticsGroupBy,
  StatisticsQuery,
  StatisticsResult,
  StatisticType,
} from './stats.ts';
export { computeStatistics } from './stats.ts';
export type * from './store.ts';
export type { TimeRangeError } from './time.ts';
export { BUCKET_SECONDS, bucketStart, NUM_BUCKETS, normalizeRange } from './time.ts';
export { IntTupleMap } from './tuple-map.ts';
export type {
  CountedKeys,
  CountKeysQuery,
  KeyCount,
  KeyFold,
  MemoryFlowStore,
  ReportedByQuery,
  ReportingEndpoint,
  SqliteFlowStore,
  StoreOptions,
  VerdictFlowStore,
} from './types.ts';
export { DEFAULT_CLUSTER } from './types.ts';
