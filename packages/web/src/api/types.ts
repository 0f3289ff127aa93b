// Wire shapes the UI uses. The /api/v1 shapes are the server's own (packages/server/src/api/types.ts);
// the rest (filters, whisker-backend, rehearsal and recommendation views) are declared here.

export type {
  Action,
  ApiErrorBody,
  ApiExplanation,
  ApiFlow,
  ApiPolicy,
  ApiPolicyHit,
  ApiPolicyRef,
  ApiSide,
  ApiStep,
  ApiTier,
  ClusterSummary,
  ExplainResponse,
  FlowListResponse,
  GraphData,
  GraphEdge,
  GraphGroup,
  GraphGrouping,
  GraphNode,
  GraphResponse,
  GraphShape,
  HitAction,
  PolicyStats,
  PolicyStatsResponse,
  RuleStats,
  StepOutcome,
  TiersResponse,
  VerdictCounts,
} from '@verdict/server/api-types';

import type { ApiErrorBody, ApiPolicyHit, ApiPolicyRef, HitAction } from '@verdict/server/api-types';

export type Reporter = 'Src' | 'Dst';
export type MatchType = 'Exact' | 'Fuzzy';

export interface Page {
  totalPages: number;
  totalResults: number;
}

export interface StringMatch {
  value: string;
  type: MatchType;
}

export interface PolicyMatch {
  kind?: string;
  tier?: StringMatch;
  namespace?: StringMatch;
  name?: StringMatch;
  action?: HitAction;
}

export interface PortRange {
  min: number;
  max: number;
}

/** The `filters` JSON of /api/v1. Every key is optional; absent means "no constraint". */
export interface VerdictFilters {
  sourceNames?: StringMatch[];
  sourceNamespaces?: StringMatch[];
  destNames?: StringMatch[];
  destNamespaces?: StringMatch[];
  protocols?: StringMatch[];
  destPorts?: number[];
  actions?: HitAction[];
  pendingActions?: HitAction[];
  reporter?: Reporter;
  policies?: PolicyMatch[];
  /** Calico selector over the source labels. */
  sourceSelector?: string;
  destSelector?: string;
  destPortRanges?: PortRange[];
  pendingDiffers?: boolean;
  /** Addition (not in the first contract draft): CIDRs the source / destination IP must fall in. */
  sourceCidrs?: string[];
  destCidrs?: string[];
}

/** The error body of submitted YAML that does not load (codes invalid-change-set, invalid-policies). */
export interface ApiIssuesErrorBody {
  error: ApiErrorBody['error'] & { issues?: ApiIssue[] };
}

export type SortField =
  | 'Time'
  | 'SourceName'
  | 'SourceNamespace'
  | 'SourceType'
  | 'DestName'
  | 'DestNamespace'
  | 'DestType';

// whisker-backend compatible API (reference calico-observability §4).

export type HintType =
  | 'SourceName'
  | 'DestName'
  | 'SourceNamespace'
  | 'DestNamespace'
  | 'PolicyTier'
  | 'PolicyName'
  | 'PolicyKind'
  | 'PolicyNamespace';

/** The snake_case Filters JSON of whisker-backend `/flows` and `/flows-filter-hints`. */
export interface WhiskerFilters {
  source_names?: StringMatch[];
  source_namespaces?: StringMatch[];
  dest_names?: StringMatch[];
  dest_namespaces?: StringMatch[];
  protocols?: StringMatch[];
  dest_ports?: { value: number; type: 'Exact' }[];
  actions?: HitAction[];
  pending_actions?: HitAction[];
  reporter?: Reporter;
  policies?: PolicyMatch[];
}

export interface FilterHintsResponse {
  total: Page;
  items: { value: string }[];
}

// Rehearsals, promotion, recommendations and staging (packages/rehearse, packages/recommend).

/** A problem in submitted YAML, positioned for an editor (engine `Issue`). */
export interface ApiIssue {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  path: string;
}

/** A policy hit as the engine reports it (`trigger` is absent rather than null). */
export interface ApiTraceHit extends Omit<ApiPolicyHit, 'trigger'> {
  trigger?: ApiPolicyRef;
}

/** What decided one side of a flow: a rule, the end of a tier (with its trigger) or a profile. */
export interface ApiDecision {
  kind: string;
  namespace: string;
  name: string;
  tier: string;
  action: HitAction;
  ruleIndex: number;
  trigger?: ApiPolicyRef;
}

export interface ApiExampleFlow {
  flow: {
    id: number;
    sourceNamespace: string;
    sourceName: string;
    destNamespace: string;
    destName: string;
    destPort: number;
    proto: string;
    reporter: Reporter;
    startTime: number;
    endTime: number;
  };
  before: ApiTraceHit[];
  after: ApiTraceHit[];
}

export interface ApiImpactGroup {
  /** The reporting endpoint, whose verdict changed. */
  namespace: string;
  workload: string;
  /** The other end, `namespace/name`, at most 20. */
  peers: string[];
  port: number;
  proto: string;
  direction: 'Ingress' | 'Egress';
  decidedBy: ApiDecision;
  previouslyDecidedBy: ApiDecision;
  flows: number;
  connections: number;
  firstSeen: number;
  lastSeen: number;
  examples: ApiExampleFlow[];
}

export interface ApiUnexercisedRule {
  policy: string;
  direction: 'Ingress' | 'Egress';
  ruleIndex: number;
  path: string;
}

export interface ApiImpactTotals {
  flowsConsidered: number;
  flowsReevaluated: number;
  flowsUnresolved: number;
  newlyDenied: number;
  newlyAllowed: number;
  decidedDifferently: number;
  acceptedBreakages: number;
}

export interface ImpactReport {
  semantics: string;
  range: { gte: number; lt: number } | null;
  changeSet: { policies: string[]; deletions: string[] };
  totals: ApiImpactTotals;
  newlyDenied: ApiImpactGroup[];
  newlyAllowed: ApiImpactGroup[];
  decidedDifferently: ApiImpactGroup[];
  acceptedBreakages: ApiImpactGroup[];
  unexercisedRules: ApiUnexercisedRule[];
  warnings: string[];
}

export interface Rehearsal {
  id: string;
  status: 'running' | 'done' | 'failed';
  progress: { done: number; total: number | null };
  report?: ImpactReport;
  error?: { code: string; message: string };
}

export interface Promotion {
  /** Multi-document YAML of the enforced policies; "" when the change only deletes. */
  yaml: string;
  deletions: { apiVersion: string; kind: string; namespace?: string; name: string; command: string }[];
}

export type Dialect = 'calico' | 'k8s';

export interface RecommendedRule {
  direction: 'Ingress' | 'Egress';
  index: number;
  peer: string;
  ports: string;
  rationale: {
    flows: number;
    connections: number;
    /** Unix seconds; 0 for a guardrail nobody used in the window. */
    firstSeen: number;
    lastSeen: number;
    examples: string[];
    guardrail?: string;
  };
}

export interface RecommendedPolicy {
  workload: string;
  yaml: string;
  object: unknown;
  rules: RecommendedRule[];
}

export interface Recommendation {
  scope: { namespace: string; workload?: string };
  dialect: Dialect;
  window: { firstSeen: number; lastSeen: number };
  policies: RecommendedPolicy[];
  coverage: {
    observedAllowed: number;
    allowedByRecommendation: number;
    unresolved: number;
    closedPaths: { from: string; to: string; port: string }[];
    closedPathsTotal: number;
  };
  notes: string[];
}

/** A policy in Verdict's cluster state, as POST/DELETE /api/v1/policies name it. */
export interface PolicyKey {
  kind: string;
  /** "" for global kinds. */
  namespace: string;
  name: string;
}

export interface AppliedPolicies {
  applied: PolicyKey[];
  issues: ApiIssue[];
}
