// Rollout progress: how much of the cluster default-deny policy isolates, how much traffic explicit
// policy decides, what staged policies would deny, and the trend over the stored history.
import { type ClusterState, hitKindOf } from '@verdict/engine';
import { type FlowKey, pendingVerdict } from '@verdict/flows';
import { indexed } from './flows.ts';
import type { InsightsFlow } from './model.ts';
import { isolates, selectionOf } from './selection.ts';

export interface Share {
  workloads: number;
  isolatedIngress: number;
  isolatedEgress: number;
  /** Flow records in the window, and those an explicit policy (not a profile) decided. */
  flows: number;
  decidedByPolicy: number;
}

export interface NamespaceCoverage extends Share {
  namespace: string;
}

export interface WorkloadCoverage {
  namespace: string;
  /** Goldmane's aggregated name. */
  workload: string;
  ingress: boolean;
  egress: boolean;
}

export interface StagedWaiting {
  kind: string;
  namespace: string;
  name: string;
  tier: string;
  /** Allowed flow records whose pending verdict this policy turns into a deny. */
  wouldDeny: number;
  examples: string[];
}

export interface TrendPoint {
  /** Start of the bucket, Unix seconds. */
  time: number;
  flows: number;
  decidedByPolicy: number;
}

export interface CoverageReport {
  cluster: Share;
  namespaces: NamespaceCoverage[];
  workloads: WorkloadCoverage[];
  staged: StagedWaiting[];
  trend: TrendPoint[];
  /** Seconds per trend bucket. */
  bucketSeconds: number;
}

export interface CoverageInput {
  state: ClusterState;
  /** The flows of the stored history to report on. */
  flows: readonly InsightsFlow[];
  /** Seconds per trend bucket (default: an hour, or a day for histories over three days). */
  bucketSeconds?: number;
}

const decided = (k: FlowKey) => k.policies.enforced[k.policies.enforced.length - 1]?.kind !== 'Profile';

/** Coverage of the cluster as compiled today, over the given flows. */
export function coverageReport(input: CoverageInput): CoverageReport {
  const { state } = input;
  const selection = selectionOf(state);
  const workloads = new Map<string, WorkloadCoverage>();
  for (const e of selection.endpoints) {
    if (e.type !== 'WorkloadEndpoint') continue;
    const key = `${e.namespace}\0${e.aggregatedName}`;
    const w = workloads.get(key) ?? { namespace: e.namespace, workload: e.aggregatedName, ingress: true, egress: true };
    // A workload counts as isolated when every one of its pods is.
    w.ingress &&= isolates(state, selection, e.policies, 'Ingress');
    w.egress &&= isolates(state, selection, e.policies, 'Egress');
    workloads.set(key, w);
  }
  const flows = indexed(input.flows);
  const byNamespace = new Map<string, NamespaceCoverage>();
  const share = (namespace: string) => {
    let s = byNamespace.get(namespace);
    if (!s) {
      s = { namespace, workloads: 0, isolatedIngress: 0, isolatedEgress: 0, flows: 0, decidedByPolicy: 0 };
      byNamespace.set(namespace, s);
    }
    return s;
  };
  for (const ns of state.namespaces) share(ns.name);
  for (const w of workloads.values()) {
    const s = share(w.namespace);
    s.workloads++;
    if (w.ingress) s.isolatedIngress++;
    if (w.egress) s.isolatedEgress++;
  }
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const { flow } of flows) {
    const k = flow.key;
    const reporterNamespace = k.reporter === 'Src' ? k.sourceNamespace : k.destNamespace;
    if (reporterNamespace !== '-') {
      const s = share(reporterNamespace);
      s.flows++;
      if (decided(k)) s.decidedByPolicy++;
    }
    first = Math.min(first, flow.startTime);
    last = Math.max(last, flow.startTime);
  }
  const namespaces = [...byNamespace.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const cluster: Share = { workloads: 0, isolatedIngress: 0, isolatedEgress: 0, flows: 0, decidedByPolicy: 0 };
  for (const s of namespaces) {
    cluster.workloads += s.workloads;
    cluster.isolatedIngress += s.isolatedIngress;
    cluster.isolatedEgress += s.isolatedEgress;
  }
  for (const { flow } of flows) {
    cluster.flows++;
    if (decided(flow.key)) cluster.decidedByPolicy++;
  }

  const staged = new Map<string, StagedWaiting>();
  for (const spec of state.policies) {
    if (!spec.staged || spec.stagedAction === 'Delete') continue;
    const kind = hitKindOf(spec.kind);
    staged.set(`${kind}\0${spec.namespace ?? ''}\0${spec.name}`, {
      kind: spec.kind,
      namespace: spec.namespace ?? '',
      name: spec.name,
      tier: spec.tier,
      wouldDeny: 0,
      examples: [],
    });
  }
  for (const { flow } of flows) {
    const k = flow.key;
    if (k.action !== 'Allow' || pendingVerdict(k) !== 'Deny') continue;
    const last = k.policies.pending[k.policies.pending.length - 1];
    const ref = last?.kind === 'EndOfTier' && last.trigger ? last.trigger : last;
    const entry = ref && staged.get(`${ref.kind}\0${ref.namespace}\0${ref.name}`);
    if (!entry) continue;
    entry.wouldDeny++;
    const text = `${k.sourceNamespace === '-' ? '' : `${k.sourceNamespace}/`}${k.sourceName} → ${k.destNamespace === '-' ? '' : `${k.destNamespace}/`}${k.destName}:${k.destPort}/${k.proto}`;
    if (entry.examples.length < 5 && !entry.examples.includes(text)) entry.examples.push(text);
  }

  const span = Number.isFinite(first) ? last - first : 0;
  const bucketSeconds = input.bucketSeconds ?? (span > 3 * 86_400 ? 86_400 : 3600);
  const buckets = new Map<number, TrendPoint>();
  for (const { flow } of flows) {
    const time = flow.startTime - (flow.startTime % bucketSeconds);
    const point = buckets.get(time) ?? { time, flows: 0, decidedByPolicy: 0 };
    point.flows++;
    if (decided(flow.key)) point.decidedByPolicy++;
    buckets.set(time, point);
  }
  return {
    cluster,
    namespaces,
    workloads: [...workloads.values()].sort((a, b) =>
      a.namespace === b.namespace ? (a.workload < b.workload ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
    ),
    staged: [...staged.values()],
    trend: [...buckets.values()].sort((a, b) => a.time - b.time),
    bucketSeconds,
  };
}
