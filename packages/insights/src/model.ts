// The public shapes of insights: findings with their evidence and a proposed fix.

// The finding types and severities are part of the wire contract, so their one home is @verdict/api.
import { FINDING_TYPES, SEVERITIES } from '@verdict/api';
import { type ClusterState, type Evaluator, type HitKind, isPolicyKind, type PolicyKind } from '@verdict/engine';
import type { Flow, FlowResult, PolicyChange as StoredChange } from '@verdict/flows';

export { FINDING_TYPES, SEVERITIES };
export type FindingType = (typeof FINDING_TYPES)[number];
export type Severity = (typeof SEVERITIES)[number];

/** What a finding is about: a policy (its kind), or a workload (`Workload`, Goldmane's aggregated name). */
export interface Subject {
  kind: PolicyKind | 'Workload';
  /** "" for cluster-wide subjects. */
  namespace: string;
  name: string;
}

/** One aggregated flow record behind a finding, as flow logs name its ends. */
export interface FlowEvidence {
  /** The store's id when the flow came from a store, else its position in the input. */
  id: number;
  source: string;
  destination: string;
  destPort: number;
  proto: string;
  reporter: 'Src' | 'Dst';
  action: 'Allow' | 'Deny' | 'Pass';
  /** The pending (staged) verdict of the reporting side. */
  pendingAction: 'Allow' | 'Deny' | 'Pass';
  startTime: number;
  endTime: number;
  connections: number;
}

export interface PolicyEvidence {
  kind: HitKind;
  namespace: string;
  name: string;
  tier: string;
  /** Rule index in the direction's rule list, when the finding is about one rule. */
  ruleIndex?: number;
  direction?: 'Ingress' | 'Egress';
  /** Field path of the rule as written, e.g. `spec.egress[2]`. */
  rulePath?: string;
}

export interface Finding {
  type: FindingType;
  severity: Severity;
  title: string;
  subject: Subject;
  evidence: { flows: FlowEvidence[]; policies: PolicyEvidence[]; explanation: string };
  /** `changeSet` is YAML that `verdict rehearse` accepts, or null when no change can be proposed safely. */
  fix: { summary: string; changeSet: string | null };
}

export interface InsightsReport {
  findings: Finding[];
}

/** A policy change from the live cluster's change log. */
export interface PolicyChange {
  /** Unix seconds. */
  time: number;
  kind: PolicyKind;
  namespace?: string;
  name: string;
  operation: 'created' | 'updated' | 'deleted';
}

export type InsightsFlow = Flow | FlowResult;

export interface InsightsOptions {
  /** Namespace label that groups namespaces into tenants (default `tenant`). */
  tenantLabel?: string;
  /** New distinct destination workloads that make a source's reach lateral movement (default 5). */
  lateralWorkloads?: number;
  /** New distinct destination namespaces that make it lateral movement (default 3). */
  lateralNamespaces?: number;
  /** Distinct destination ports on one peer that make a port scan (default 10). */
  scanPortsPerPeer?: number;
  /** Distinct destination ports over all peers that make a port scan (default 15). */
  scanPortsTotal?: number;
  /** Seconds before and after a change compared for a deny spike (default 900). */
  spikeWindow?: number;
  /** Denied flow records after a change below which no spike is reported (default 10). */
  spikeMinimum?: number;
  /** Flow examples kept per finding (default 5). */
  examples?: number;
  /** Unprotected workloads that get a drafted policy as their fix (default 25; the rest name the command). */
  draftedFixes?: number;
}

export interface InsightsInput {
  state: ClusterState;
  /** The cluster compiled already (from `state`), when the caller holds one: it is not compiled again. */
  evaluator?: Evaluator;
  /** The window's flows. */
  flows: readonly InsightsFlow[];
  /** The previous window's flows: the baseline for "new" destinations. Absent: every destination is new. */
  baseline?: readonly InsightsFlow[];
  /** The policy change log, when the cluster source keeps one. */
  changes?: readonly PolicyChange[];
  options?: InsightsOptions;
}

const OPERATION = { added: 'created', modified: 'updated', deleted: 'deleted' } as const;

/** The policy entries of the store's change log (tiers and network sets left out), in Unix seconds. */
export function fromChangeLog(log: readonly StoredChange[]): PolicyChange[] {
  const out: PolicyChange[] = [];
  for (const c of log) {
    if (!isPolicyKind(c.kind)) continue;
    out.push({
      time: Math.floor(c.time / 1000),
      kind: c.kind,
      ...(c.namespace ? { namespace: c.namespace } : {}),
      name: c.name,
      operation: OPERATION[c.op],
    });
  }
  return out;
}
