// Rollout progress: how much of the cluster default-deny policy isolates, how much traffic explicit
// policy decides, what staged policies would deny, and the trend over the stored history.
import { type ClusterState, type Evaluator, hitKindOf } from '@verdict/engine';
import { type FlowKey, pendingVerdict } from '@verdict/flows';
import { indexed } from './flows.ts';
import type { InsightsFlow, PolicyChange } from './model.ts';
import { isolating, selectionOf } from './selection.ts';

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
  /**
   * Unix seconds since when the policies isolating it today have stood unchanged (the newest change
   * of the one that has stood longest), from the change log; null when it is not isolated or when
   * that predates the change log (see `changeLogSince`).
   */
  ingressSince: number | null;
  egressSince: number | null;
  /** The enforced policies that isolate it, as `Kind namespace/name`. */
  ingressPolicies: string[];
  egressPolicies: string[];
}

/** One change of a policy from the change log. */
export interface CoverageChange {
  /** Unix seconds. */
  time: number;
  operation: PolicyChange['operation'];
  kind: string;
  namespace: string;
  name: string;
  /** Workloads the policy isolates today (after the change); 0 for deleted policies. */
  isolates: number;
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
  /** Whether a change log was given; without one, `since` fields are null and `changes` is empty. */
  changeLog: boolean;
  /** Unix seconds of the oldest change in the log; null when it holds none. */
  changeLogSince: number | null;
  /** The policy changes in the log (from `changesFrom`), newest first. */
  changes: CoverageChange[];
}

export interface CoverageInput {
  state: ClusterState;
  /** The cluster compiled already (from `state`), when the caller holds one: it is not compiled again. */
  evaluator?: Evaluator;
  /** The flows of the stored history to report on. */
  flows: readonly InsightsFlow[];
  /** Seconds per trend bucket (default: the shortest of a minute, 5 and 15 minutes, an hour, 6 hours and a day that gives at most 48 points). */
  bucketSeconds?: number;
  /** The policy change log, when the cluster source keeps one: all of it, for since when workloads are isolated. */
  changes?: readonly PolicyChange[];
  /** Unix seconds: `changes` of the report lists the log's entries from then on (default: all). */
  changesFrom?: number;
}

const BUCKETS = [60, 300, 900, 3600, 21_600, 86_400];
const MAX_TREND_POINTS = 48;

const decided = (k: FlowKey) => k.policies.enforced[k.policies.enforced.length - 1]?.kind !== 'Profile';

/** Coverage of the cluster as compiled today, over the given flows. */
export function coverageReport(input: CoverageInput): CoverageReport {
  const { state } = input;
  const selection = selectionOf(state, input.evaluator);
  const changes = [...(input.changes ?? [])].sort((a, b) => a.time - b.time);
  const policyName = (i: number) => {
    const spec = state.policies[i];
    return spec ? `${spec.kind} ${spec.namespace ? `${spec.namespace}/` : ''}${spec.name}` : '';
  };
  const lastChange = new Map<string, number>();
  for (const c of changes) lastChange.set(`${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`, c.time);
  const isolatedBy = new Map<number, number>();
  const workloads = new Map<string, WorkloadCoverage & { ingressSet?: Set<number>; egressSet?: Set<number> }>();
  for (const e of selection.endpoints) {
    if (e.type !== 'WorkloadEndpoint') continue;
    const key = `${e.namespace}\0${e.aggregatedName}`;
    const ingress = isolating(state, selection, e.policies, 'Ingress');
    const egress = isolating(state, selection, e.policies, 'Egress');
    const w = workloads.get(key);
    // A workload counts as isolated when every one of its pods is; its isolating policies are those of every pod.
    if (!w) {
      workloads.set(key, {
        namespace: e.namespace,
        workload: e.aggregatedName,
        ingress: ingress.length > 0,
        egress: egress.length > 0,
        ingressSince: null,
        egressSince: null,
        ingressPolicies: [],
        egressPolicies: [],
        ingressSet: new Set(ingress),
        egressSet: new Set(egress),
      });
      continue;
    }
    w.ingress &&= ingress.length > 0;
    w.egress &&= egress.length > 0;
    for (const i of w.ingressSet ?? []) if (!ingress.includes(i)) w.ingressSet?.delete(i);
    for (const i of w.egressSet ?? []) if (!egress.includes(i)) w.egressSet?.delete(i);
  }
  // Since: the policy that has stood unchanged longest; a policy without entries predates the log (null).
  const since = (set: ReadonlySet<number>): number | null => {
    let oldest: number | null = Number.POSITIVE_INFINITY;
    for (const i of set) {
      const t = lastChange.get(policyName(i));
      if (t === undefined) return null;
      oldest = Math.min(oldest, t);
    }
    return Number.isFinite(oldest) ? oldest : null;
  };
  for (const w of workloads.values()) {
    const ingressSet = w.ingressSet ?? new Set<number>();
    const egressSet = w.egressSet ?? new Set<number>();
    delete w.ingressSet;
    delete w.egressSet;
    if (w.ingress) {
      w.ingressPolicies = [...ingressSet].map(policyName).sort();
      if (input.changes) w.ingressSince = since(ingressSet);
    }
    if (w.egress) {
      w.egressPolicies = [...egressSet].map(policyName).sort();
      if (input.changes) w.egressSince = since(egressSet);
    }
    for (const i of new Set([...(w.ingress ? ingressSet : []), ...(w.egress ? egressSet : [])])) {
      isolatedBy.set(i, (isolatedBy.get(i) ?? 0) + 1);
    }
  }
  const isolatesByName = new Map<string, number>();
  for (const [i, n] of isolatedBy) isolatesByName.set(policyName(i), n);
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
  const bucketSeconds = input.bucketSeconds ?? BUCKETS.find((b) => span / b <= MAX_TREND_POINTS) ?? 86_400;
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
    changeLog: input.changes !== undefined,
    changeLogSince: changes[0]?.time ?? null,
    changes: changes
      .filter((c) => c.time >= (input.changesFrom ?? Number.NEGATIVE_INFINITY))
      .map((c) => {
        const name = `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
        return {
          time: c.time,
          operation: c.operation,
          kind: c.kind,
          namespace: c.namespace ?? '',
          name: c.name,
          isolates: c.operation === 'deleted' ? 0 : (isolatesByName.get(name) ?? 0),
        };
      })
      .reverse(),
  };
}
