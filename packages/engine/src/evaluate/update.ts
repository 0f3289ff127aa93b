// Stage 3, incremental update: single changes applied to a compiled cluster in place, without a
// recompile. A change drops only what it can affect: the per-endpoint lists and cached verdicts
// of the endpoints a changed policy selects (before or after), or of the pod that changed.
import { type PolicyKind, policyKindInfo } from '../kinds.ts';
import type { Pod, PolicySpec } from '../model.ts';
import { type CompiledCluster, placePolicy, resort, touchEndpoint } from './compile.ts';
import { assignScopes, type CompiledPolicy, compilePolicy, policyId, specId } from './policies.ts';

/** More policies than this in one call are cheaper to place with one re-sort. */
const PLACE_LIMIT = 64;

/** Adds or replaces policies; endpoints no changed policy selects keep their memos. */
export function upsertPolicies(cluster: CompiledCluster, specs: readonly PolicySpec[]): void {
  if (specs.length === 0) return;
  const latest = new Map<string, PolicySpec>();
  for (const spec of specs) latest.set(specId(spec), spec);
  const placeable = latest.size <= PLACE_LIMIT && [...latest.values()].every((spec) => cluster.tiers.has(spec.tier));
  const counterparts = placeable ? counterpartsOf(cluster, latest.values()) : undefined;
  const touched: CompiledPolicy[] = [];
  for (const [id, spec] of latest) {
    const old = cluster.policies.get(id);
    const next = compilePolicy(spec, cluster.index);
    // Delete first so a replaced policy moves last, as it does in the state's list.
    cluster.policies.delete(id);
    cluster.policies.set(id, next);
    if (counterparts) placePolicy(cluster, old, next);
    if (old) touched.push(old);
    touched.push(next);
  }
  changedPolicies(cluster);
  if (!counterparts) {
    assignScopes(cluster.policies.values(), cluster.calicoVersion);
    resort(cluster);
    return;
  }
  const changed = [...latest.keys()].map((id) => cluster.policies.get(id) as CompiledPolicy);
  touchSelected(cluster, [...touched, ...rescope(cluster, changed, counterparts)]);
}

/** False when no such policy is loaded. */
export function removePolicy(
  cluster: CompiledCluster,
  kind: PolicyKind,
  namespace: string | undefined,
  name: string,
): boolean {
  const id = policyId(kind, namespace, name);
  const old = cluster.policies.get(id);
  if (!old) return false;
  const counterparts = counterpartsOf(cluster, [old.spec]);
  cluster.policies.delete(id);
  placePolicy(cluster, old, undefined);
  changedPolicies(cluster);
  touchSelected(cluster, [old, ...rescope(cluster, [], counterparts)]);
  return true;
}

/** Adds or replaces a pod; its cost grows with its namespace, not with the cluster. */
export function upsertPod(cluster: CompiledCluster, pod: Pod): void {
  const { removed, added } = cluster.index.upsertPod(pod);
  if (removed) touchEndpoint(cluster, removed.id);
  if (added) touchEndpoint(cluster, added.id);
  const pods = podsOf(cluster);
  const key = `${pod.namespace}/${pod.name}`;
  pods.delete(key);
  pods.set(key, pod);
  cluster.snapshot = undefined;
}

export function removePod(cluster: CompiledCluster, namespace: string, name: string): void {
  const removed = cluster.index.removePod(namespace, name);
  if (removed) touchEndpoint(cluster, removed.id);
  podsOf(cluster).delete(`${namespace}/${name}`);
  cluster.snapshot = undefined;
}

function podsOf(cluster: CompiledCluster): Map<string, Pod> {
  cluster.pods ??= new Map(cluster.base.pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
  return cluster.pods;
}

function changedPolicies(cluster: CompiledCluster): void {
  cluster.policiesChanged = true;
  cluster.snapshot = undefined;
}

/**
 * The loaded staged or enforced counterparts (same namespace and name) of these policies, with
 * their scopes: a policy's scopes depend only on itself and on its counterpart (reference §9).
 */
function counterpartsOf(cluster: CompiledCluster, specs: Iterable<PolicySpec>): Map<CompiledPolicy, number> {
  const found = new Map<CompiledPolicy, number>();
  for (const spec of specs) {
    const kind = policyKindInfo(spec.kind).counterpart;
    const counterpart = kind && cluster.policies.get(policyId(kind, spec.namespace, spec.name));
    if (counterpart) found.set(counterpart, counterpart.scopes);
  }
  return found;
}

/** Assigns the scopes of the changed policies and their counterparts; returns the counterparts whose scopes changed. */
function rescope(
  cluster: CompiledCluster,
  changed: readonly CompiledPolicy[],
  counterparts: ReadonlyMap<CompiledPolicy, number>,
): CompiledPolicy[] {
  const present = [...counterparts.keys()].filter((policy) => cluster.policies.get(policy.id) === policy);
  assignScopes([...changed, ...present], cluster.calicoVersion);
  return present.filter((policy) => policy.scopes !== counterparts.get(policy));
}

/** Drops the memos of every endpoint one of these policies selects. */
function touchSelected(cluster: CompiledCluster, policies: readonly CompiledPolicy[]): void {
  const { index } = cluster;
  const global = policies.filter((policy) => policy.spec.namespace === undefined);
  for (const policy of policies) {
    if (policy.spec.namespace === undefined) continue;
    for (const entity of index.endpointsIn(policy.spec.namespace))
      if (index.matches(policy.selector, entity)) touchEndpoint(cluster, entity.id);
  }
  if (global.length === 0) return;
  for (const entity of index.endpointsIn(undefined))
    if (global.some((policy) => index.matches(policy.selector, entity))) touchEndpoint(cluster, entity.id);
}
