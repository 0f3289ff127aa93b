// /tiers and /cluster/summary from the evaluator's current state.

import type { ApiPolicy, ApiTier, ClusterSummary } from '@verdict/api';
import { type Evaluator, type PolicySpec, policyYaml } from '@verdict/engine';

/** Rule counts are of evaluated rules (the index space of `ruleIndex`); a Kubernetes rule may expand to several. */
function apiPolicy(spec: PolicySpec): ApiPolicy {
  return {
    kind: spec.kind,
    name: spec.name,
    namespace: spec.namespace ?? '',
    tier: spec.tier,
    order: spec.order ?? null,
    staged: spec.staged,
    stagedAction: spec.stagedAction ?? null,
    yaml: policyYaml(spec.original),
    ingressRules: spec.ingress.length,
    egressRules: spec.egress.length,
  };
}

/** Tiers in evaluation order, each with its policies in evaluation order. */
export function apiTiers(evaluator: Evaluator): ApiTier[] {
  return evaluator.tiers().map(({ tier, policies }) => ({
    name: tier.name,
    order: tier.order ?? null,
    defaultAction: tier.defaultAction,
    policies: policies.map(apiPolicy),
  }));
}

/** `workloads` counts distinct pod owners (a pod without one is its own workload); `policies` includes staged ones. */
export function clusterSummary(evaluator: Evaluator, store: string): ClusterSummary {
  const state = evaluator.state;
  const workloads = new Set(state.pods.map((p) => `${p.namespace}/${p.owner ?? p.name}`));
  return {
    namespaces: state.namespaces.map((n) => n.name).sort(),
    workloads: workloads.size,
    policies: state.policies.length,
    staged: state.policies.filter((p) => p.staged).length,
    store,
  };
}
