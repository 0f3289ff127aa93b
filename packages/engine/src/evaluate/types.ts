// The evaluator's public shapes: flow queries, verdicts, explanations and the Evaluator facade.
import type { CalicoVersion, PolicyKind } from '../kinds.ts';
import type {
  ClusterState,
  Direction,
  HitAction,
  IcmpMatch,
  Pod,
  PolicyHit,
  PolicyHitRef,
  PolicySpec,
  SourceRef,
  Tier,
} from '../model.ts';
import type { Result } from '../result.ts';
import type { BothScopes } from './annotate.ts';

export type EndpointRef = { namespace: string; name: string } | { ip: string } | { hostEndpoint: string };

export interface FlowQuery {
  source: EndpointRef;
  destination: EndpointRef;
  /** Name (`TCP`, `udp`) or number. */
  protocol: string | number;
  /** Post-DNAT destination port (0 for protocols without ports). */
  destPort: number;
  sourcePort?: number;
  icmp?: IcmpMatch;
}

export type EndpointType = 'WorkloadEndpoint' | 'HostEndpoint' | 'NetworkSet' | 'Network';

/** How a flow endpoint looks in flow logs (calico-observability §7). */
export interface EndpointInfo {
  type: EndpointType;
  /** Pod, host endpoint or network set name; `pub` / `pvt` for other IPs. */
  name: string;
  /** Goldmane's aggregated name: `<owner>-*` for pods with an owner. */
  aggregatedName: string;
  /** "-" when not namespaced. */
  namespace: string;
  ip: string;
  /** Sorted `k=v`, without Calico's own labels. */
  labels: readonly string[];
}

export type Verdict = 'Allow' | 'Deny';
export type Scope = 'enforced' | 'pending' | 'whatIf';

export interface SideVerdict {
  action: Verdict;
  hits: readonly PolicyHit[];
}

export interface ScopeVerdict {
  action: Verdict;
  /** Present when the source is a policy-enforced endpoint. */
  egress?: SideVerdict;
  /** Present when the destination is a policy-enforced endpoint. */
  ingress?: SideVerdict;
}

export interface FlowVerdict {
  source: EndpointInfo;
  destination: EndpointInfo;
  protocol: number;
  enforced: ScopeVerdict;
  pending: ScopeVerdict;
  /** Only when asked for: staged Set replaces and staged Delete removes the same-named policy. */
  whatIf?: ScopeVerdict;
}

export interface EvaluateError {
  code: 'unknown-endpoint' | 'invalid-ip' | 'invalid-protocol' | 'invalid-port' | 'mixed-families';
  message: string;
  /** Which part of the query: `source`, `destination`, `protocol`, `destPort`. */
  path: string;
}

export type StepOutcome = 'matched' | 'no-match' | 'end-of-tier' | 'profile' | 'skipped-tier' | 'pass';

export interface ExplainStep {
  tier: string;
  policy: PolicyHitRef | null;
  outcome: StepOutcome;
  action?: HitAction;
  ruleIndex?: number;
  /** Sentences, one per rule clause or decision. */
  because: string[];
  /** Field path of the deciding rule in the resource as written. */
  rulePath?: string;
  policySource?: SourceRef;
}

export interface SideExplanation {
  direction: Direction;
  endpoint: string;
  action: Verdict;
  hits: readonly PolicyHit[];
  steps: ExplainStep[];
}

export interface FlowExplanation {
  scope: Scope;
  action: Verdict;
  sides: SideExplanation[];
}

export interface TierView {
  tier: Tier;
  /** In evaluation order. */
  policies: readonly PolicySpec[];
}

/** A compiled cluster: evaluate flows, explain them, and apply single changes without recompiling. */
export interface Evaluator {
  evaluate(query: FlowQuery, options?: { whatIf?: boolean }): Result<FlowVerdict, EvaluateError>;
  /**
   * A small integer standing for an endpoint reference, for evaluateIds; equal references get the
   * same id. Ids live as long as the evaluator (they are never reused), so intern endpoints you
   * keep, not every passing address.
   */
  endpointId(ref: EndpointRef): number;
  /**
   * `evaluate` for a flow without a source port or ICMP fields whose ends are endpointId numbers:
   * the same verdicts and errors, without looking the ends up by name. An id keeps answering for
   * its reference across pod changes (it resolves again after each).
   */
  evaluateIds(
    source: number,
    destination: number,
    protocol: string | number,
    destPort: number,
    options?: { whatIf?: boolean },
  ): Result<FlowVerdict, EvaluateError>;
  explain(query: FlowQuery, scope: Scope): Result<FlowExplanation, EvaluateError>;
  /** Both scopes of one flow, each deciding rule with its policy's YAML and highlighted lines. */
  explainBothScopes(query: FlowQuery): Result<BothScopes, EvaluateError>;
  /** Looks up an endpoint as flow logs would show it. */
  endpoint(ref: EndpointRef): EndpointInfo | undefined;
  upsertPolicy(spec: PolicySpec): void;
  /** Adds or replaces many policies in one pass (one re-sort, not one per policy). */
  upsertPolicies(specs: readonly PolicySpec[]): void;
  removePolicy(kind: PolicyKind, namespace: string | undefined, name: string): boolean;
  upsertPod(pod: Pod): void;
  removePod(namespace: string, name: string): void;
  /** Tiers in evaluation order with their policies in order. */
  tiers(): TierView[];
  policy(kind: PolicyKind, namespace: string | undefined, name: string): PolicySpec | undefined;
  readonly state: ClusterState;
  /** The Calico release reproduced (the state's, or the newest). */
  readonly calicoVersion: CalicoVersion;
  /** False for kinds the Calico release does not enforce: loaded and shown, never evaluated. */
  enforces(kind: PolicyKind): boolean;
}
