// Wire shapes of /api/v1. The web UI imports these types as `@verdict/server/api-types`, so the
// two sides cannot drift apart.

export type Action = 'Allow' | 'Deny';

/** The keys of the `filters` JSON of /api/v1 (FlowFilter plus the CIDR filters), in display order. */
export const FILTER_FIELDS = [
  'sourceNames',
  'sourceNamespaces',
  'destNames',
  'destNamespaces',
  'protocols',
  'destPorts',
  'actions',
  'pendingActions',
  'reporter',
  'policies',
  'sourceSelector',
  'destSelector',
  'destPortRanges',
  'pendingDiffers',
  'sourceCidrs',
  'destCidrs',
] as const;
export type HitAction = 'Allow' | 'Deny' | 'Pass';

export interface ApiErrorBody {
  error: { code: string; message: string; path?: string };
}

export interface ApiPolicyRef {
  kind: string;
  name: string;
  namespace: string;
  tier: string;
}

export interface ApiPolicyHit {
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
  id: number;
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
  reporter: 'Src' | 'Dst';
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
  /** Source addresses seen, sorted, at most 100; `[]` when the source of the flow reported none. */
  sourceIps: string[];
  /** Source addresses seen beyond the ones listed. */
  sourceIpsBeyond: number;
  destIps: string[];
  destIpsBeyond: number;
  policies: { enforced: ApiPolicyHit[]; pending: ApiPolicyHit[] };
}

export interface FlowListResponse {
  total: { totalPages: number; totalResults: number };
  items: ApiFlow[];
}

export type StepOutcome = 'matched' | 'no-match' | 'end-of-tier' | 'profile' | 'skipped-tier' | 'pass';

export interface ApiStep {
  tier: string;
  policy: { kind: string; name: string; namespace: string } | null;
  outcome: StepOutcome;
  action?: HitAction;
  ruleIndex?: number;
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
  /** Addition: the same counts from the pending traces. */
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

/** Nodes and edges; what graph folding works on. */
export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** `group` of GET /graph: "auto" = workloads, or namespaces when there are more workloads than `limit`. */
export type GraphGrouping = GraphGroup | 'auto';

/** How the answer was shaped from the listed flows (see graphFold.ts). */
export interface GraphShape {
  /** Nodes before collapsing and folding (workloads, or namespaces with `group=namespace`). */
  totalNodes: number;
  /** Workloads were shown as their namespaces (`group=auto` above the limit, or a `focus`). */
  collapsed: boolean;
  /** Nodes folded into the one "other" node (id `other:`); 0 = none. */
  folded: number;
}

export interface GraphResponse extends GraphData {
  /** Addition: present in every answer of GET /graph. */
  shape: GraphShape;
}

export interface ClusterSummary {
  namespaces: string[];
  workloads: number;
  policies: number;
  staged: number;
  store: string;
}
