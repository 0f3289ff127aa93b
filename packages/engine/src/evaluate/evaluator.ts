// The Evaluator: a compiled cluster behind the small set of verbs the rest of Verdict uses. The
// stages are modules of their own: compile (compile.ts), evaluate and explain (evaluate.ts,
// explain.ts over walk.ts), incremental update (update.ts).
import { isEnforcedIn } from '../kinds.ts';
import type { ClusterState } from '../model.ts';
import { explainBothScopes } from './annotate.ts';
import { clusterState, compileCluster, tierViews } from './compile.ts';
import { evaluateFlow, evaluateIds } from './evaluate.ts';
import { explainFlow } from './explain.ts';
import { policyId } from './policies.ts';
import { endpointInfo, resolveEndpoint } from './resolve.ts';
import type { Evaluator } from './types.ts';
import { removePod, removePolicy, upsertPod, upsertPolicies } from './update.ts';

export type * from './types.ts';

export function createEvaluator(initial: ClusterState): Evaluator {
  const cluster = compileCluster(initial);
  return {
    evaluate: (query, options) => evaluateFlow(cluster, query, options),
    endpointId: (ref) => cluster.endpointIds.intern(ref),
    evaluateIds: (source, destination, protocol, destPort, options) =>
      evaluateIds(cluster, source, destination, protocol, destPort, options),
    explain: (query, scope) => explainFlow(cluster, query, scope),
    explainBothScopes: (query) => explainBothScopes(cluster, query),
    endpoint(ref) {
      const resolved = resolveEndpoint(cluster, ref, 'source', undefined);
      return 'code' in resolved ? undefined : endpointInfo(resolved);
    },
    upsertPolicy: (spec) => upsertPolicies(cluster, [spec]),
    upsertPolicies: (specs) => upsertPolicies(cluster, specs),
    removePolicy: (kind, namespace, name) => removePolicy(cluster, kind, namespace, name),
    upsertPod: (pod) => upsertPod(cluster, pod),
    removePod: (namespace, name) => removePod(cluster, namespace, name),
    tiers: () => tierViews(cluster),
    policy: (kind, namespace, name) => cluster.policies.get(policyId(kind, namespace, name))?.spec,
    get state() {
      return clusterState(cluster);
    },
    calicoVersion: cluster.calicoVersion,
    enforces: (kind) => isEnforcedIn(kind, cluster.calicoVersion),
  };
}
