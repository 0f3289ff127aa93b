// Stage 1, compile (pure): ClusterState → CompiledCluster, the indexes every evaluation reads:
// the endpoint index, compiled policies and tiers in evaluation order, and memos filled on demand
// (candidate policies per namespace, the tier groups of each endpoint, verdicts).
import { type CalicoVersion, DEFAULT_CALICO_VERSION } from '../kinds.ts';
import type { ClusterState, Direction, PolicySpec } from '../model.ts';
import { ClusterIndex, type IpIdentity } from './cluster-index.ts';
import type { Entity } from './entities.ts';
import {
  assignScopes,
  type CompiledPolicy,
  type CompiledTier,
  compareTiers,
  compilePolicy,
  compileTier,
  ENFORCED,
  missingTier,
  PENDING,
  specId,
  WHAT_IF,
} from './policies.ts';
import type { FlowVerdict, TierView } from './types.ts';

export interface TierGroup {
  readonly tier: CompiledTier;
  readonly policies: readonly CompiledPolicy[];
}

export interface EndpointPolicies {
  readonly Ingress: readonly TierGroup[];
  readonly Egress: readonly TierGroup[];
  /** Per direction: every policy takes part in all scopes alike, so one walk serves all of them. */
  readonly uniform: Readonly<Record<Direction, boolean>>;
}

/** Verdicts by source identity, destination identity and protocol/port; dropped on every change. */
export type VerdictCache = Map<IpIdentity, Map<IpIdentity, Map<number, { ok: true; value: FlowVerdict }>>>;

/** A compiled cluster. Its memos fill as flows are evaluated; `update.ts` changes it in place. */
export interface CompiledCluster {
  state: ClusterState;
  readonly calicoVersion: CalicoVersion;
  readonly index: ClusterIndex;
  readonly policies: Map<string, CompiledPolicy>;
  readonly tiers: Map<string, CompiledTier>;
  /** Every policy in evaluation order (tier rank, then policy order). */
  sorted: CompiledPolicy[];
  tierRank: Map<string, number>;
  readonly byNamespace: Map<string, CompiledPolicy[]>;
  readonly perEndpoint: (EndpointPolicies | undefined)[];
  verdicts: VerdictCache;
  cachedVerdicts: number;
}

const GLOBAL = '';

export function compileCluster(state: ClusterState): CompiledCluster {
  const calicoVersion = state.calicoVersion ?? DEFAULT_CALICO_VERSION;
  const index = new ClusterIndex(state);
  const cluster: CompiledCluster = {
    state,
    calicoVersion,
    index,
    policies: new Map(state.policies.map((spec) => [specId(spec), compilePolicy(spec, index)])),
    tiers: new Map(state.tiers.map((tier) => [tier.name, compileTier(tier)])),
    sorted: [],
    tierRank: new Map(),
    byNamespace: new Map(),
    perEndpoint: [],
    verdicts: new Map(),
    cachedVerdicts: 0,
  };
  assignScopes(cluster.policies.values(), calicoVersion);
  resort(cluster);
  return cluster;
}

export function forgetVerdicts(cluster: CompiledCluster): void {
  cluster.verdicts = new Map();
  cluster.cachedVerdicts = 0;
}

/** Puts tiers and policies in evaluation order and drops every memo. */
export function resort(cluster: CompiledCluster): void {
  for (const policy of cluster.policies.values())
    if (!cluster.tiers.has(policy.spec.tier)) cluster.tiers.set(policy.spec.tier, missingTier(policy.spec.tier));
  const tierList = [...cluster.tiers.values()].sort(compareTiers);
  const tierRank = new Map(tierList.map((tier, i) => [tier.name, i]));
  cluster.tierRank = tierRank;
  cluster.sorted = [...cluster.policies.values()].sort(
    (a, b) => (tierRank.get(a.spec.tier) ?? 0) - (tierRank.get(b.spec.tier) ?? 0) || comparePolicySort(a, b),
  );
  cluster.byNamespace.clear();
  cluster.perEndpoint.length = 0;
  forgetVerdicts(cluster);
}
function candidates(cluster: CompiledCluster, namespace: string | undefined): CompiledPolicy[] {
  const key = namespace ?? GLOBAL;
  let list = cluster.byNamespace.get(key);
  if (!list) {
    list = cluster.sorted.filter((p) => p.spec.namespace === undefined || p.spec.namespace === namespace);
    cluster.byNamespace.set(key, list);
  }
  return list;
}

export function policiesFor(cluster: CompiledCluster, entity: Entity): EndpointPolicies {
  let found = cluster.perEndpoint[entity.id];
  if (found) return found;
  const groups = { Ingress: [] as TierGroup[], Egress: [] as TierGroup[] };
  const uniform = { Ingress: true, Egress: true };
  for (const direction of ['Ingress', 'Egress'] as const) {
    let current: { tier: CompiledTier; policies: CompiledPolicy[] } | undefined;
    for (const policy of candidates(cluster, entity.namespace)) {
      if (policy.scopes === 0 || policy.spec.skipForWorkloads) continue;
      if (!(direction === 'Ingress' ? policy.ingress : policy.egress)) continue;
      if (!cluster.index.matches(policy.selector, entity)) continue;
      if (policy.scopes !== (ENFORCED | PENDING | WHAT_IF)) uniform[direction] = false;
      if (current?.tier.name !== policy.spec.tier) {
        current = { tier: cluster.tiers.get(policy.spec.tier) ?? missingTier(policy.spec.tier), policies: [] };
        groups[direction].push(current);
      }
      current.policies.push(policy);
    }
  }
  found = { ...groups, uniform };
  cluster.perEndpoint[entity.id] = found;
  return found;
}

/** Tiers in evaluation order with their policies in order. */
export function tierViews(cluster: CompiledCluster): TierView[] {
  const views = new Map<string, PolicySpec[]>();
  for (const policy of cluster.sorted)
    views.set(policy.spec.tier, [...(views.get(policy.spec.tier) ?? []), policy.spec]);
  return [...cluster.tiers.values()].sort(compareTiers).map((tier) => ({
    tier: cluster.state.tiers.find((t) => t.name === tier.name) ?? {
      name: tier.name,
      defaultAction: tier.defaultAction,
    },
    policies: views.get(tier.name) ?? [],
  }));
}

function comparePolicySort(a: CompiledPolicy, b: CompiledPolicy): number {
  const ao = a.spec.order;
  const bo = b.spec.order;
  if (ao !== bo) {
    if (ao === undefined) return 1;
    if (bo === undefined) return -1;
    return ao - bo;
  }
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
}
