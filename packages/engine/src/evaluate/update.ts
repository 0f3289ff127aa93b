// Stage 3, incremental update: single changes applied to a compiled cluster in place, without a
// recompile; every memo a change can affect is dropped.
import type { PolicyKind } from '../kinds.ts';
import type { Pod, PolicySpec } from '../model.ts';
import { type CompiledCluster, forgetVerdicts, resort } from './compile.ts';
import { assignScopes, compilePolicy, policyId, specId } from './policies.ts';

/** Adds or replaces policies in one pass (one re-sort, not one per policy). */
export function upsertPolicies(cluster: CompiledCluster, specs: readonly PolicySpec[]): void {
  if (specs.length === 0) return;
  const latest = new Map<string, PolicySpec>();
  for (const spec of specs) latest.set(specId(spec), spec);
  for (const [id, spec] of latest) cluster.policies.set(id, compilePolicy(spec, cluster.index));
  const { state } = cluster;
  cluster.state = { ...state, policies: [...state.policies.filter((p) => !latest.has(specId(p))), ...latest.values()] };
  assignScopes(cluster.policies.values(), cluster.calicoVersion);
  resort(cluster);
}

/** False when no such policy is loaded. */
export function removePolicy(
  cluster: CompiledCluster,
  kind: PolicyKind,
  namespace: string | undefined,
  name: string,
): boolean {
  const id = policyId(kind, namespace, name);
  if (!cluster.policies.delete(id)) return false;
  cluster.state = { ...cluster.state, policies: cluster.state.policies.filter((p) => specId(p) !== id) };
  assignScopes(cluster.policies.values(), cluster.calicoVersion);
  resort(cluster);
  return true;
}

export function upsertPod(cluster: CompiledCluster, pod: Pod): void {
  const old = cluster.index.pod(pod.namespace, pod.name);
  if (old) cluster.perEndpoint[old.id] = undefined;
  cluster.index.upsertPod(pod);
  forgetVerdicts(cluster);
  const pods = cluster.state.pods.filter((p) => p.namespace !== pod.namespace || p.name !== pod.name);
  cluster.state = { ...cluster.state, pods: [...pods, pod] };
}

export function removePod(cluster: CompiledCluster, namespace: string, name: string): void {
  const old = cluster.index.pod(namespace, name);
  if (old) cluster.perEndpoint[old.id] = undefined;
  cluster.index.removePod(namespace, name);
  forgetVerdicts(cluster);
  const pods = cluster.state.pods.filter((p) => p.namespace !== namespace || p.name !== name);
  cluster.state = { ...cluster.state, pods };
}
