// Stable labels: the labels a selector may use so that it keeps matching a workload's pods across
// rollouts and replicas, and no other pods.
import type { Labels, Pod } from '@verdict/engine';

/** Identity keys, most preferred first. */
export const PREFERRED_KEYS: readonly string[] = ['app.kubernetes.io/name', 'app', 'k8s-app'];
/** Keys that narrow a preferred key when it alone is shared by several workloads. */
const REFINING_KEYS: readonly string[] = ['app.kubernetes.io/instance', 'app.kubernetes.io/component', 'component'];

/** Labels that differ per replica, per rollout or per job run: never in a selector. */
const UNSTABLE_KEYS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-completion-index',
  'job-name',
  'batch.kubernetes.io/job-name',
]);

export function isStableLabel(key: string): boolean {
  return !UNSTABLE_KEYS.has(key) && !key.startsWith('projectcalico.org/');
}

function common(pods: readonly Pod[]): Record<string, string> {
  const [first, ...rest] = pods;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.labels)) {
    if (isStableLabel(k) && rest.every((p) => p.labels[k] === v)) out[k] = v;
  }
  return out;
}

const matches = (labels: Labels, selector: Readonly<Record<string, string>>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

export interface StableSelector {
  labels: Record<string, string>;
  /** Other pods of the namespace the labels also match (empty when the selector is exact). */
  alsoMatches: readonly Pod[];
}

/**
 * The fewest stable labels shared by `pods` that match no other pod of `neighbours` (the
 * namespace), preferring `app.kubernetes.io/name`, `app`, `k8s-app`; all shared stable labels when
 * nothing narrower is exact.
 */
export function stableSelector(pods: readonly Pod[], neighbours: readonly Pod[]): StableSelector {
  const shared = common(pods);
  const own = new Set(pods);
  const others = neighbours.filter((p) => !own.has(p));
  const tryLabels = (labels: Record<string, string>) =>
    Object.keys(labels).length > 0 && !others.some((p) => matches(p.labels, labels));
  const candidates: Record<string, string>[] = [];
  for (const key of PREFERRED_KEYS) {
    const value = shared[key];
    if (value === undefined) continue;
    candidates.push({ [key]: value });
    for (const refine of REFINING_KEYS) {
      const r = shared[refine];
      if (r !== undefined) candidates.push({ [key]: value, [refine]: r });
    }
  }
  for (const [key, value] of Object.entries(shared)) candidates.push({ [key]: value });
  const exact = candidates.find(tryLabels);
  if (exact) return { labels: exact, alsoMatches: [] };
  const labels = Object.keys(shared).length > 0 ? shared : {};
  return { labels, alsoMatches: others.filter((p) => matches(p.labels, labels)) };
}

/** Display name of a workload: its preferred label value, else its owner without the replica-set hash. */
export function workloadName(pods: readonly Pod[]): string {
  const first = pods[0];
  if (!first) return '';
  for (const key of PREFERRED_KEYS) {
    const value = first.labels[key];
    if (value !== undefined && pods.every((p) => p.labels[key] === value)) return value;
  }
  const hash = first.labels['pod-template-hash'];
  const owner = first.owner ?? first.name;
  return hash && owner.endsWith(`-${hash}`) ? owner.slice(0, -hash.length - 1) : owner;
}
