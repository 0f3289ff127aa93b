// @verdict/api: the wire contract of /api/v1 (and the whisker-backend filters) as zod schemas.
// Types are inferred from the schemas; the server decodes with them, the OpenAPI document is
// generated from them and the web UI imports the types. No behaviour beyond decoding.
export type {
  ApiDecision,
  ApiExampleFlow,
  ApiImpactGroup,
  ApiImpactTotals,
  ApiTraceHit,
  ApiUnexercisedRule,
  Dialect,
  ImpactReport,
  Promotion,
  Recommendation,
  RecommendedPolicy,
  RecommendedRule,
  Rehearsal,
  RehearsalRequest,
} from './change.ts';
export {
  DIALECTS,
  dialectSchema,
  impactReportSchema,
  promoteRequestSchema,
  promotionSchema,
  recommendationSchema,
  rehearsalRequestSchema,
  rehearsalSchema,
} from './change.ts';
export type {
  ApiPolicyChange,
  ChangeListResponse,
  ChangeOp,
  ClusterStatusResponse,
  KindStatus,
} from './changes.ts';
export {
  CHANGE_OPS,
  CLUSTER_SOURCES,
  changeListResponseSchema,
  clusterStatusSchema,
  KIND_STATES,
  kindStatusSchema,
  policyChangeSchema,
} from './changes.ts';
export type { FieldName, WireIssue, WireIssueCode } from './decode.ts';
export { decode, decodeJson, describeValue, expecting, joinPath } from './decode.ts';
export type { ApiErrorBody, ApiErrorCode, ApiIssuesErrorBody } from './errors.ts';
export { API_ERROR_CODES, API_ERROR_STATUS, errorBodySchema } from './errors.ts';
export type { ApiExplanation, ApiSide, ApiStep, ExplainResponse, StepOutcome } from './explain.ts';
export { DIRECTIONS, explainResponseSchema, STEP_OUTCOMES } from './explain.ts';
export type {
  Action,
  FilterField,
  HitAction,
  MatchType,
  PolicyMatch,
  PortRange,
  Reporter,
  StringMatch,
  VerdictFilters,
} from './filters.ts';
export {
  ACTIONS,
  FILTER_FIELDS,
  FILTER_LIST_LIMIT,
  filtersSchema,
  HIT_ACTIONS,
  MATCH_TYPES,
  policyMatchSchema,
  REPORTERS,
  stringMatchSchema,
} from './filters.ts';
export type { ApiFlow, ApiPolicyHit, ApiPolicyRef, FlowListResponse, Page, SortField } from './flow.ts';
export { flowListResponseSchema, flowSchema, SORT_FIELDS, UNSUPPORTED_SORT_FIELDS } from './flow.ts';
export type {
  GraphData,
  GraphEdge,
  GraphGroup,
  GraphGrouping,
  GraphNode,
  GraphResponse,
  GraphShape,
} from './graph.ts';
export { GRAPH_GROUPINGS, graphResponseSchema, MAX_GRAPH_LIMIT } from './graph.ts';
export type { CoverageResponse, EgressResponse, Finding, InsightsResponse } from './insights.ts';
export {
  coverageResponseSchema,
  egressResponseSchema,
  FINDING_TYPES,
  findingFlowSchema,
  findingPolicySchema,
  findingSchema,
  insightsResponseSchema,
  SEVERITIES,
} from './insights.ts';
export type { JsonSyntaxError } from './json.ts';
export { parseJson } from './json.ts';
export { openApiDocument } from './openapi.ts';
export type {
  ApiIssue,
  ApiPolicy,
  ApiTier,
  AppliedPolicies,
  ClusterSummary,
  PolicyKey,
  PolicyStats,
  PolicyStatsGrouping,
  PolicyStatsResponse,
  RuleStats,
  TiersResponse,
  VerdictCounts,
} from './policy.ts';
export {
  appliedPoliciesSchema,
  clusterSummarySchema,
  POLICY_STATS_GROUPINGS,
  policyStatsResponseSchema,
  tiersResponseSchema,
} from './policy.ts';
export type { DecodedWhiskerFilters, FilterHintsResponse, HintType, WhiskerFilters } from './whisker.ts';
export { HINT_TYPES, whiskerFiltersSchema } from './whisker.ts';
