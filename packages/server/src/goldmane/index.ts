// Goldmane-compatible gRPC API: services, the proto codec and Felix's policy-hit strings.
export type {
  CodecIssue,
  PbFilter,
  PbFilterHintsRequest,
  PbFilterHintsResult,
  PbFlow,
  PbFlowKey,
  PbFlowListRequest,
  PbFlowListResult,
  PbFlowResult,
  PbFlowStreamRequest,
  PbFlowUpdate,
  PbPolicyHit,
  PbPolicyMatch,
  PbRuleDirection,
  PbStatisticsGroupBy,
  PbStatisticsRequest,
  PbStatisticsResult,
  PbStatisticType,
  PbStringMatch,
  StreamQuery,
} from './codec.ts';
export {
  describeIssue,
  filterFromProto,
  filterToProto,
  flowFromProto,
  flowResultFromProto,
  flowResultToProto,
  flowToProto,
  hintsQueryFromProto,
  hintsResultToProto,
  listQueryFromProto,
  listResultToProto,
  policyHitFromProto,
  policyHitToProto,
  rangeFromProto,
  statisticsQueryFromProto,
  statisticsResultToProto,
  streamQueryFromProto,
  streamStart,
} from './codec.ts';
export type { GoldmaneGrpc } from './proto.ts';
export { GOLDMANE_PROTO_PATH, loadGoldmaneGrpc, PROTO_LOADER_OPTIONS } from './proto.ts';
export type {
  GoldmaneLog,
  GoldmaneObserver,
  GoldmaneService,
  GoldmaneServiceEntry,
  GoldmaneServiceOptions,
} from './server.ts';
export { createGoldmaneService, GOLDMANE_SERVER_OPTIONS } from './server.ts';
export type { GoldmaneTail, GoldmaneTailOptions, TailState, TailStatus } from './tail.ts';
export { GOLDMANE_BACKFILL_SECONDS, GOLDMANE_CURSOR_FILE, startGoldmaneTail } from './tail.ts';
export type { CursorStore, TailCursor } from './tail-cursor.ts';
export { fileCursorStore, memoryCursorStore, resumeFrom, trackCursor } from './tail-cursor.ts';
