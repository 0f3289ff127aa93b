// The public shapes of a recommendation.

import type { Dialect } from '@verdict/api';
import type { ClusterState } from '@verdict/engine';
import type { Flow, FlowResult } from '@verdict/flows';

export type { Dialect };

/** A flow as stored, optionally with the concrete addresses a raw source (NDJSON, the demo) knew. */
export interface ObservedFlow {
  flow: Flow;
  sourceIP?: string;
  destIP?: string;
}

export type FlowInput = Flow | FlowResult | ObservedFlow;

export interface RecommendScope {
  namespace: string;
  /** A workload of the namespace: its stable label value (`app.kubernetes.io/name` …) or owner name. */
  workload?: string;
}

export interface RecommendInput {
  state: ClusterState;
  flows: readonly FlowInput[];
  scope: RecommendScope;
  dialect: Dialect;
  /** Calico tier (default `default`). */
  tier?: string;
  /** Calico only: StagedNetworkPolicy (default) or NetworkPolicy. */
  staged?: boolean;
  /** Calico policy order (default 100). */
  order?: number;
  /** Size of the closed-path sample (default 20). */
  sampleSize?: number;
}

export interface Rationale {
  /** Aggregated flow records behind the rule. */
  flows: number;
  /** Connections those records counted. */
  connections: number;
  /** Unix seconds; 0 for a guardrail nobody used in the window. */
  firstSeen: number;
  lastSeen: number;
  /** A few `source → destination:port/proto` lines. */
  examples: string[];
  /** Why the rule exists beyond the flows: `dns`, `kube-apiserver`, `node-probes`. */
  guardrail?: string;
}

export interface RecommendedRule {
  direction: 'Ingress' | 'Egress';
  /** Index in the policy's `spec.ingress` / `spec.egress` as written. */
  index: number;
  /** Human form of the peers, e.g. `storefront/api-gateway`, `nodes`, `netset stripe-api`, `198.51.100.0/24`. */
  peer: string;
  /** E.g. `TCP http, TCP 9090`. */
  ports: string;
  rationale: Rationale;
}

export interface RecommendedPolicy {
  /** The workload the policy selects. */
  workload: string;
  yaml: string;
  object: unknown;
  rules: RecommendedRule[];
}

export interface ClosedPath {
  /** `namespace/workload`. */
  from: string;
  to: string;
  /** `TCP 8080`. */
  port: string;
}

export interface Coverage {
  /** Observed allowed connections (aggregated flow keys) in scope. */
  observedAllowed: number;
  /** How many of them the recommendation, enforced alone, allows (checked with the engine). */
  allowedByRecommendation: number;
  /** Observed allowed connections the engine could not resolve to concrete endpoints any more. */
  unresolved: number;
  /** A sample of unobserved workload paths that today's policy allows and the draft denies. */
  closedPaths: ClosedPath[];
  closedPathsTotal: number;
}

export interface Recommendation {
  scope: RecommendScope;
  dialect: Dialect;
  window: { firstSeen: number; lastSeen: number };
  policies: RecommendedPolicy[];
  coverage: Coverage;
  notes: string[];
}

export type RecommendErrorCode = 'unknown-namespace' | 'unknown-workload' | 'invalid-tier' | 'invalid-option';

export interface RecommendError {
  code: RecommendErrorCode;
  message: string;
  /** Which input: `scope.namespace`, `scope.workload`, `tier`. */
  path: string;
}
