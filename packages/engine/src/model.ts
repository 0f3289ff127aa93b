// The engine's data model: cluster resources as loaded, and the one internal policy form that
// every policy kind converts to. Selectors are kept as text here; `compile` turns them into
// matchers.

import type { CalicoVersion, PolicyKind } from './kinds.ts';

export type Labels = Readonly<Record<string, string>>;
export type Direction = 'Ingress' | 'Egress';
export type RuleAction = 'Allow' | 'Deny' | 'Pass' | 'Log';

/** Where a resource or a field came from, for messages and for highlighting in the UI. */
export interface SourceRef {
  file: string;
  /** 1-based line of the resource's first line in the file. */
  line: number;
}

/** One problem found while loading or validating. `path` is a field path such as `spec.ingress[0].ports[1]`. */
export interface Issue {
  code: IssueCode;
  severity: 'error' | 'warning';
  message: string;
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  path: string;
}

export type IssueCode =
  | 'yaml-syntax'
  | 'not-an-object'
  | 'unknown-kind'
  | 'missing-field'
  | 'wrong-type'
  | 'invalid-value'
  | 'invalid-name'
  | 'invalid-selector'
  | 'invalid-cidr'
  | 'invalid-port'
  | 'invalid-protocol'
  | 'invalid-rule'
  | 'duplicate'
  | 'unknown-field'
  /** A peer Calico cannot convert (ClusterNetworkPolicy `nodes`, `domainNames`): the rule fails. */
  | 'unsupported-peer'
  /** A policy of a kind the selected Calico version does not enforce: loaded and shown only. */
  | 'not-enforced';

// ---------------------------------------------------------------------------------------------
// Workloads and other endpoints

export interface Namespace {
  name: string;
  labels: Labels;
  source?: SourceRef;
}

export interface NamedPort {
  name: string;
  /** Protocol number (6 TCP, 17 UDP, 132 SCTP). */
  protocol: number;
  port: number;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Labels;
  ips: readonly string[];
  serviceAccount: string;
  ports: readonly NamedPort[];
  nodeName?: string;
  hostNetwork?: boolean;
  /** Workload owner for aggregation (Deployment name etc.); Goldmane's aggregated name. */
  owner?: string;
  source?: SourceRef;
}

export interface ServiceAccount {
  namespace: string;
  name: string;
  labels: Labels;
  source?: SourceRef;
}

export interface ServicePort {
  name: string;
  protocol: number;
  port: number;
  /** Number, or a container port name resolved per pod. */
  targetPort: number | string;
}

export interface Service {
  namespace: string;
  name: string;
  clusterIPs: readonly string[];
  /** Pod selector (k8s equality map); absent for selector-less services. */
  selector?: Labels;
  ports: readonly ServicePort[];
  source?: SourceRef;
}

export interface EndpointSlice {
  namespace: string;
  name: string;
  serviceName: string;
  addresses: readonly string[];
  ports: readonly { name: string; protocol: number; port?: number }[];
  source?: SourceRef;
}

export interface Tier {
  name: string;
  order?: number;
  defaultAction: 'Deny' | 'Pass';
  source?: SourceRef;
}

export interface NetworkSet {
  /** Absent for GlobalNetworkSet. */
  namespace?: string;
  name: string;
  labels: Labels;
  nets: readonly string[];
  allowedEgressDomains?: readonly string[];
  source?: SourceRef;
}

export interface HostEndpoint {
  name: string;
  node: string;
  labels: Labels;
  interfaceName: string;
  expectedIPs: readonly string[];
  profiles: readonly string[];
  ports: readonly NamedPort[];
  source?: SourceRef;
}

// ---------------------------------------------------------------------------------------------
// Policies, in one internal form (Calico semantics after conversion, reference §3, §7, §8)

export type StagedAction = 'Set' | 'Delete' | 'Learn' | 'Ignore';

export type PortMatch = { min: number; max: number } | { name: string };

export interface IcmpMatch {
  type: number;
  code?: number;
}

export interface ServiceAccountMatch {
  names?: readonly string[];
  selector?: string;
}

export interface ServiceMatch {
  name: string;
  namespace?: string;
}

/** Calico EntityRule; every present field is AND-ed (reference §1.9). */
export interface EntitySpec {
  nets?: readonly string[];
  notNets?: readonly string[];
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  serviceAccounts?: ServiceAccountMatch;
  services?: ServiceMatch;
  ports?: readonly PortMatch[];
  notPorts?: readonly PortMatch[];
}

export interface HttpMatch {
  methods?: readonly string[];
  paths?: readonly ({ exact: string } | { prefix: string })[];
}

export interface RuleSpec {
  action: RuleAction;
  ipVersion?: 4 | 6;
  /** Protocol number. */
  protocol?: number;
  notProtocol?: number;
  icmp?: IcmpMatch;
  notICMP?: IcmpMatch;
  source: EntitySpec;
  destination: EntitySpec;
  http?: HttpMatch;
  /** Rule name (ANP rule name, or Calico rule metadata annotation `name`). */
  name?: string;
  /** Field path of the rule in the resource as written, e.g. `spec.ingress[0]`; for a
   * k8s rule expanded to several Calico rules every expansion names the same k8s rule. */
  path: string;
  /** Set on the unconditional Deny that replaces a rule Calico could not convert: why it failed. */
  failed?: string;
}

/**
 * The internal policy form. Selector fields are as Calico stores them after conversion;
 * scoping to the policy namespace (reference §3 and §6.2) is the compiler's job.
 */
export interface PolicySpec {
  kind: PolicyKind;
  name: string;
  /** Present for namespaced kinds. */
  namespace?: string;
  tier: string;
  /** Absent = +∞ (evaluated last in its tier). */
  order?: number;
  staged: boolean;
  stagedAction?: StagedAction;
  /** Endpoint selector (Calico syntax); "" = all(). */
  selector: string;
  /** GNP/SGNP only. */
  namespaceSelector?: string;
  serviceAccountSelector?: string;
  types: readonly Direction[];
  ingress: readonly RuleSpec[];
  egress: readonly RuleSpec[];
  /** doNotTrack or preDNAT: not part of workload evaluation. */
  skipForWorkloads: boolean;
  /** The resource as the user wrote it (parsed), for display. */
  original: unknown;
  source?: SourceRef;
}

/** Everything the engine knows about a cluster. Plain data; `compile` indexes it. */
export interface ClusterState {
  namespaces: readonly Namespace[];
  pods: readonly Pod[];
  serviceAccounts: readonly ServiceAccount[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  tiers: readonly Tier[];
  networkSets: readonly NetworkSet[];
  hostEndpoints: readonly HostEndpoint[];
  policies: readonly PolicySpec[];
  /** The Calico release whose behaviour to reproduce; absent = the newest Verdict knows. */
  calicoVersion?: CalicoVersion;
}

// ---------------------------------------------------------------------------------------------
// Traces (reference §4.4 and calico-observability §2.2 PolicyHit)

/** Goldmane PolicyKind names, in the order of the proto enum's numbers 1–11. */
export const HIT_KINDS = [
  'CalicoNetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'NetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'Profile',
  'EndOfTier',
  'ClusterNetworkPolicy',
] as const;

export type HitKind = (typeof HIT_KINDS)[number];

export type HitAction = 'Allow' | 'Deny' | 'Pass';

export interface PolicyHit {
  kind: HitKind;
  /** "" for global kinds and profiles. */
  namespace: string;
  /** "" for EndOfTier (see trigger). */
  name: string;
  /** "" for profiles. */
  tier: string;
  action: HitAction;
  policyIndex: number;
  /** -1 for end of tier. */
  ruleIndex: number;
  /** EndOfTier only: the policy that selected the endpoint (kind, name, namespace, tier). */
  trigger?: PolicyHitRef;
}

export interface PolicyHitRef {
  kind: HitKind;
  namespace: string;
  name: string;
  tier: string;
}
