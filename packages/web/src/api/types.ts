// Wire shapes of the Verdict REST API (/api/v1) and the whisker-backend compatible API.
// This file is the contract with packages/server; keep it in step with it.

export type Action = 'Allow' | 'Deny';
export type HitAction = 'Allow' | 'Deny' | 'Pass';
export type Reporter = 'Src' | 'Dst';
export type MatchType = 'Exact' | 'Fuzzy';

export interface Page {
  totalPages: number;
  totalResults: number;
}

export interface ApiPolicyRef {
  kind: string;
  name: string;
  namespace: string;
  tier: string;
}

export interface ApiPolicyHit {
  /** Goldmane PolicyKind name: CalicoNetworkPolicy, NetworkPolicy, EndOfTier, Profile, Staged*, … */
  kind: string;
  name: string;
  namespace: string;
  tier: string;
  action: HitAction;
  policyIndex: number;
  ruleIndex: number;
  trigger: ApiPolicyRef | null;
}

export interface ApiFlow {
  /** Same id = same flow key; one ApiFlow per key per 15 s bucket, so (id, startTime) is unique. */
  id: number;
  /** Unix seconds. */
  startTime: number;
  endTime: number;
  sourceName: string;
  sourceNamespace: string;
  sourceType: string;
  destName: string;
  destNamespace: string;
  destType: string;
  destPort: number;
  destServiceName: string;
  destServiceNamespace: string;
  destServicePortName: string;
  destServicePort: number;
  proto: string;
  reporter: Reporter;
  action: Action;
  pendingAction: Action;
  sourceLabels: string[];
  destLabels: string[];
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  numConnectionsStarted: number;
  numConnectionsCompleted: number;
  numConnectionsLive: number;
  policies: { enforced: ApiPolicyHit[]; pending: ApiPolicyHit[] };
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

export interface ApiErrorBody {
  error: { code: string; message: string; path?: string };
}

/** The error body of submitted YAML that does not load (codes invalid-change-set, invalid-policies). */
export interface ApiIssuesErrorBody {
  error: ApiErrorBody['error'] & { issues?: ApiIssue[] };
}

export interface FlowListResponse {
  total: Page;
  items: ApiFlow[];
}

export type SortField =
  | 'Time'
  | 'SourceName'
  | 'SourceNamespace'
  | 'SourceType'
  | 'DestName'
  | 'DestNamespace'
  | 'DestType';

/** `pass`: a rule with action Pass matched and handed the flow to the next tier. */
export type StepOutcome = 'matched' | 'no-match' | 'end-of-tier' | 'profile' | 'skipped-tier' | 'pass';

export interface ApiStep {
  tier: string;
  policy: { kind: string; name: string; namespace: string } | null;
  outcome: StepOutcome;
  action?: HitAction;
  ruleIndex?: number;
  /** Human sentences, e.g. "selector app == 'web' matched labels app=web". */
  because: string[];
  /** The deciding policy as written, rendered as YAML. */
  yaml?: string;
  /** 1-based lines of `yaml` that hold the deciding rule. */
  highlight?: { line: number; reason: string }[];
}

export interface ApiSide {
  direction: 'Egress' | 'Ingress';
  endpoint: string;
  action: Action;
  steps: ApiStep[];
}

export interface ApiExplanation {
  action: Action;
  sides: ApiSide[];
}

export interface ExplainResponse {
  enforced: ApiExplanation;
  pending: ApiExplanation;
}

export interface ApiPolicy {
  kind: string;
  name: string;
  namespace: string;
  tier: string;
  order: number | null;
  staged: boolean;
  stagedAction: string | null;
  yaml: string;
  ingressRules: number;
  egressRules: number;
}

export interface ApiTier {
  name: string;
  order: number | null;
  defaultAction: 'Deny' | 'Pass';
  policies: ApiPolicy[];
}

export interface TiersResponse {
  items: ApiTier[];
}

export interface VerdictCounts {
  allowed: number;
  denied: number;
  passed: number;
}

export interface RuleStats extends VerdictCounts {
  direction: 'Ingress' | 'Egress';
  /** -1 = end of tier. */
  ruleIndex: number;
}

export interface PolicyStats extends VerdictCounts {
  kind: string;
  name: string;
  namespace: string;
  tier: string;
  rules: RuleStats[];
  /** The same counts from the pending traces (staged policies enforced). */
  pending: VerdictCounts & { rules: RuleStats[] };
}

export interface PolicyStatsResponse {
  items: PolicyStats[];
}

export type GraphGroup = 'workload' | 'namespace';

export interface GraphNode {
  id: string;
  label: string;
  namespace: string;
  type: string;
}

export interface GraphEdge {
  source: string;
  target: string;
  flows: number;
  enforced: { allowed: number; denied: number };
  pending: { allowed: number; denied: number };
}

export interface GraphResponse {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface ClusterSummary {
  namespaces: string[];
  workloads: number;
  policies: number;
  staged: number;
  store: string;
}

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
