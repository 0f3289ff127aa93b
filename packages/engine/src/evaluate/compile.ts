// Stage 1, compile (pure): ClusterState → CompiledCluster, the indexes every evaluation reads:
// the endpoint index, compiled policies and tiers in evaluation order, and memos filled on demand
// (candidate policies per namespace, the tier groups of each endpoint, verdicts).
import { type CalicoVersion, DEFAULT_CALICO_VERSION } from '../kinds.ts';
import type { ClusterState, Direction, Pod, PolicySpec } from '../model.ts';
import { ClusterIndex, type IpIdentity, setDense } from './cluster-index.ts';
import type { DecisionTable, SideDecision, TableScan } from './decide.ts';
import { EndpointIds } from './endpoint-ids.ts';
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
import { TripleMap } from './triple-map.ts';
import type { TierView } from './types.ts';
import { VerdictCache } from './verdict-cache.ts';

export interface TierGroup {
  readonly tier: CompiledTier;
  readonly policies: readonly CompiledPolicy[];
}

/** The policies selecting one selection identity (ClusterIndex.identityOf), shared by its endpoints. */
export interface IdentityPolicies {
  readonly Ingress: readonly TierGroup[];
  readonly Egress: readonly TierGroup[];
  /** Per direction: every policy takes part in all scopes alike, so one walk serves all of them. */
  readonly uniform: Readonly<Record<Direction, boolean>>;
  /** Per direction, what its rules test of either end, scanned on first use (decide.ts). */
  readonly scans: { Ingress?: TableScan; Egress?: TableScan };
}

/** One endpoint's view: its identity's policies. */
export type EndpointPolicies = IdentityPolicies;

/** A compiled cluster. Its memos fill as flows are evaluated; `update.ts` changes it in place. */
export interface CompiledCluster {
  /** The state as compiled; pods and policies changed since are in `pods` and `policies` (see clusterState). */
  base: ClusterState;
  /** Pods by `namespace/name` once a pod has changed; undefined while `base.pods` is current. */
  pods: Map<string, Pod> | undefined;
  /** Whether a policy changed since `base`. */
  policiesChanged: boolean;
  /** The state last materialised by clusterState, until the next change. */
  snapshot: ClusterState | undefined;
  /** The cluster state with every change applied (clusterState). */
  readonly state: ClusterState;
  readonly calicoVersion: CalicoVersion;
  readonly index: ClusterIndex;
  readonly policies: Map<string, CompiledPolicy>;
  readonly tiers: Map<string, CompiledTier>;
  /** Every policy in evaluation order (tier rank, then policy order). */
  sorted: CompiledPolicy[];
  tierRank: Map<string, number>;
  readonly byNamespace: Map<string, CompiledPolicy[]>;
  readonly perEndpoint: (EndpointPolicies | undefined)[];
  /** Policy lists by selection identity, for `identityVersion` of the index. */
  readonly perIdentity: (IdentityPolicies | undefined)[];
  identityVersion: number;
  /** Verdicts of flows without a source port or ICMP fields, by both ends and protocol/port (evaluate.ts). */
  readonly verdicts: VerdictCache;
  /** Endpoint references interned for evaluateIds. */
  readonly endpointIds: EndpointIds;
  /** Entries of every profile table (decide.ts), by table id, peer class and family/protocol/port. */
  readonly sideDecisions: TripleMap<SideDecision>;
  /** Profile tables numbered so far (their ids). */
  profileTables: number;
  /** Decision tables shared by endpoints with the same policy list (decide.ts). */
  readonly decisionTables: Map<string, DecisionTable>;
  /**
   * Per entity id: bumped when the endpoint's policies (or the entity holding the id) change, so
   * cached verdicts and per-endpoint lists of other endpoints survive a change.
   */
  epochs: Uint32Array;
}

const GLOBAL = '';
const VERDICT_CACHE_LIMIT = 1_000_000;
/** Decision-table entries kept before all are dropped (they refill from the shared tables). */
const SIDE_DECISION_LIMIT = 1_000_000;

export function compileCluster(state: ClusterState): CompiledCluster {
  const calicoVersion = state.calicoVersion ?? DEFAULT_CALICO_VERSION;
  const index = new ClusterIndex(state);
  const cluster: CompiledCluster = {
    base: state,
    pods: undefined,
    policiesChanged: false,
    snapshot: state,
    get state() {
      return clusterState(this);
    },
    calicoVersion,
    index,
    policies: new Map(state.policies.map((spec) => [specId(spec), compilePolicy(spec, index)])),
    tiers: new Map(state.tiers.map((tier) => [tier.name, compileTier(tier)])),
    sorted: [],
    tierRank: new Map(),
    byNamespace: new Map(),
    perEndpoint: [],
    perIdentity: [],
    identityVersion: index.identityVersion,
    verdicts: new VerdictCache(VERDICT_CACHE_LIMIT),
    endpointIds: new EndpointIds(),
    decisionTables: new Map(),
    sideDecisions: new TripleMap(SIDE_DECISION_LIMIT),
    profileTables: 0,
    epochs: new Uint32Array(index.entities.length + 64),
  };
  assignScopes(cluster.policies.values(), calicoVersion);
  resort(cluster);
  return cluster;
}

/** The cluster state with every change applied since compile. */
export function clusterState(cluster: CompiledCluster): ClusterState {
  if (cluster.snapshot) return cluster.snapshot;
  const { base } = cluster;
  cluster.snapshot = {
    ...base,
    pods: cluster.pods ? [...cluster.pods.values()] : base.pods,
    policies: cluster.policiesChanged ? [...cluster.policies.values()].map((p) => p.spec) : base.policies,
  };
  return cluster.snapshot;
}

/** The epoch of an identity's endpoint (0 for addresses that are not endpoints). */
export function epochOf(cluster: CompiledCluster, identity: IpIdentity): number {
  const id = identity.endpointId;
  return id < 0 ? 0 : (cluster.epochs[id] ?? 0) | 0;
}

/** Drops what is memoised about one endpoint: its policy lists and every verdict involving it. */
export function touchEndpoint(cluster: CompiledCluster, id: number): void {
  setDense(cluster.perEndpoint, id, undefined);
  const entity = cluster.index.entities[id];
  forgetTables(entity);
  if (entity?.isEndpoint) setDense(cluster.perIdentity, cluster.index.identityOf(entity), undefined);
  if (id >= cluster.epochs.length) {
    const grown = new Uint32Array(Math.max(id + 64, cluster.epochs.length * 2));
    grown.set(cluster.epochs);
    cluster.epochs = grown;
  }
  cluster.epochs[id] = ((cluster.epochs[id] ?? 0) + 1) >>> 0;
}

/** Only an endpoint's primary address reads decision tables (decide.ts). */
function forgetTables(entity: Entity | undefined): void {
  const primary = entity?.primary;
  if (primary) {
    primary.egressTable = undefined;
    primary.ingressTable = undefined;
    primary.egressTableId = 0;
    primary.ingressTableId = 0;
    primary.egressTests = undefined;
    primary.ingressTests = undefined;
  }
}

/** Drops every decision table and entry; endpoints find new tables on their next flow. */
export function forgetDecisionTables(cluster: CompiledCluster): void {
  for (const entity of cluster.index.entities) forgetTables(entity);
  cluster.decisionTables.clear();
  cluster.sideDecisions.clear();
  cluster.profileTables = 0;
}

export function forgetVerdicts(cluster: CompiledCluster): void {
  cluster.verdicts.clear();
}

/** Puts tiers and policies in evaluation order and drops every memo. */
export function resort(cluster: CompiledCluster): void {
  for (const policy of cluster.policies.values())
    if (!cluster.tiers.has(policy.spec.tier)) cluster.tiers.set(policy.spec.tier, missingTier(policy.spec.tier));
  const tierList = [...cluster.tiers.values()].sort(compareTiers);
  const tierRank = new Map(tierList.map((tier, i) => [tier.name, i]));
  cluster.tierRank = tierRank;
  cluster.sorted = [...cluster.policies.values()].sort((a, b) => compareInOrder(cluster, a, b));
  cluster.byNamespace.clear();
  cluster.perEndpoint.fill(undefined);
  cluster.perIdentity.length = 0;
  forgetDecisionTables(cluster);
  forgetVerdicts(cluster);
}

/**
 * Replaces `old` by `next` in evaluation order (either may be absent) without re-sorting, and
 * drops the candidate lists that held them. The tier of `next` must be known.
 */
export function placePolicy(
  cluster: CompiledCluster,
  old: CompiledPolicy | undefined,
  next: CompiledPolicy | undefined,
): void {
  const { sorted } = cluster;
  if (old) {
    const at = sorted.indexOf(old);
    if (at >= 0) sorted.splice(at, 1);
  }
  if (next) {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareInOrder(cluster, sorted[middle] as CompiledPolicy, next) <= 0) low = middle + 1;
      else high = middle;
    }
    sorted.splice(low, 0, next);
  }
  for (const policy of [old, next]) {
    if (!policy) continue;
    if (policy.spec.namespace === undefined) cluster.byNamespace.clear();
    else cluster.byNamespace.delete(policy.spec.namespace);
  }
}

function compareInOrder(cluster: CompiledCluster, a: CompiledPolicy, b: CompiledPolicy): number {
  const { tierRank } = cluster;
  return (tierRank.get(a.spec.tier) ?? 0) - (tierRank.get(b.spec.tier) ?? 0) || comparePolicySort(a, b);
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
  const found = cluster.perEndpoint[entity.id];
  if (found) return found;
  const shared = identityPolicies(cluster, entity);
  setDense(cluster.perEndpoint, entity.id, shared);
  return shared;
}

/** The policy lists of the entity's selection identity, built by the first endpoint of it that needs them. */
function identityPolicies(cluster: CompiledCluster, entity: Entity): IdentityPolicies {
  const { index } = cluster;
  if (cluster.identityVersion !== index.identityVersion) {
    // A selector reads a new label key: identities are renumbered.
    cluster.perIdentity.length = 0;
    cluster.identityVersion = index.identityVersion;
  }
  const identity = index.identityOf(entity);
  let shared = cluster.perIdentity[identity];
  if (shared) return shared;
  const groups = { Ingress: [] as TierGroup[], Egress: [] as TierGroup[] };
  const uniform = { Ingress: true, Egress: true };
  for (const direction of ['Ingress', 'Egress'] as const) {
    let current: { tier: CompiledTier; policies: CompiledPolicy[] } | undefined;
    for (const policy of candidates(cluster, entity.namespace)) {
      if (policy.scopes === 0 || policy.spec.skipForWorkloads) continue;
      if (!(direction === 'Ingress' ? policy.ingress : policy.egress)) continue;
      if (!index.matches(policy.selector, entity)) continue;
      if (policy.scopes !== (ENFORCED | PENDING | WHAT_IF)) uniform[direction] = false;
      if (current?.tier.name !== policy.spec.tier) {
        current = { tier: cluster.tiers.get(policy.spec.tier) ?? missingTier(policy.spec.tier), policies: [] };
        groups[direction].push(current);
      }
      current.policies.push(policy);
    }
  }
  shared = { ...groups, uniform, scans: {} };
  setDense(cluster.perIdentity, identity, shared);
  return shared;
}

/** Tiers in evaluation order with their policies in order. */
export function tierViews(cluster: CompiledCluster): TierView[] {
  const views = new Map<string, PolicySpec[]>();
  for (const policy of cluster.sorted)
    views.set(policy.spec.tier, [...(views.get(policy.spec.tier) ?? []), policy.spec]);
  return [...cluster.tiers.values()].sort(compareTiers).map((tier) => ({
    tier: cluster.base.tiers.find((t) => t.name === tier.name) ?? {
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
