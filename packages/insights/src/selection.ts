// Which policies select which endpoints, decided by the engine itself: a probe cluster holds every
// policy in a tier of its own with one Pass rule per direction, so one evaluation of an endpoint
// lists every policy that selects it (each tier contributes one hit).
import {
  type ClusterState,
  createEvaluator,
  type Direction,
  type EndpointRef,
  type Evaluator,
  type PolicySpec,
  type RuleSpec,
  type Tier,
} from '@verdict/engine';

export interface SelectedEndpoint {
  type: 'WorkloadEndpoint' | 'HostEndpoint';
  namespace: string;
  /** Goldmane's aggregated name (`<owner>-*`, the pod name, or the host endpoint's node name). */
  aggregatedName: string;
  ref: EndpointRef;
  /** Indices into `state.policies` of the policies selecting it, in evaluation order. */
  policies: readonly number[];
}

export interface Selection {
  endpoints: readonly SelectedEndpoint[];
  /** Per policy index: how many endpoints it selects. */
  selectedCount: readonly number[];
  /** Per policy index: its position in the cluster's evaluation order (tiers, then policy order). */
  rank: readonly number[];
  /** Per policy index: its tier. */
  tiers: readonly Tier[];
}

const PASS: RuleSpec = { action: 'Pass', source: {}, destination: {}, path: '' };
const PROBE_NAME = /^p(\d+)$/;

/** Each policy's position in the evaluation order of `evaluator`, by its spec object. */
function ranksOf(evaluator: Evaluator): Map<PolicySpec, number> {
  const rankById = new Map<PolicySpec, number>();
  let next = 0;
  for (const view of evaluator.tiers()) for (const spec of view.policies) rankById.set(spec, next++);
  return rankById;
}

/**
 * The endpoint selection of every policy of the cluster, staged ones included. `compiled`, when
 * given, is the cluster already compiled from `state`: its evaluation order is used when it holds
 * exactly the policies of `state`, instead of compiling the cluster again.
 */
export function selectionOf(state: ClusterState, compiled?: Evaluator): Selection {
  let rankById = compiled ? ranksOf(compiled) : undefined;
  if (!rankById || rankById.size !== state.policies.length || !state.policies.every((p) => rankById?.has(p)))
    rankById = ranksOf(createEvaluator(state));
  const tierByName = new Map(state.tiers.map((t) => [t.name, t]));
  const probeTiers: Tier[] = state.policies.map((_, i) => ({ name: `probe-${i}`, order: i, defaultAction: 'Pass' }));
  const probePolicies: PolicySpec[] = state.policies.map((spec, i) => {
    const probe: PolicySpec = {
      ...spec,
      kind: spec.namespace === undefined ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
      name: `p${i}`,
      tier: `probe-${i}`,
      order: 0,
      staged: false,
      types: ['Ingress', 'Egress'],
      ingress: [PASS],
      egress: [PASS],
      skipForWorkloads: false,
    };
    delete probe.stagedAction;
    return probe;
  });
  const probe = createEvaluator({ ...state, tiers: probeTiers, policies: probePolicies });
  const selectedCount = state.policies.map(() => 0);
  const rank = state.policies.map((spec) => rankById.get(spec) ?? Number.MAX_SAFE_INTEGER);
  const endpoints: SelectedEndpoint[] = [];
  const visit = (ref: EndpointRef, type: SelectedEndpoint['type']) => {
    const result = probe.evaluate({ source: ref, destination: ref, protocol: 6, destPort: 1 });
    if (!result.ok) return;
    const { enforced, source } = result.value;
    const found = new Set<number>();
    for (const side of [enforced.egress, enforced.ingress]) {
      for (const hit of side?.hits ?? []) {
        const match = PROBE_NAME.exec(hit.name);
        if (match) found.add(Number(match[1]));
      }
    }
    const policies = [...found].sort((a, b) => (rank[a] ?? 0) - (rank[b] ?? 0));
    for (const i of policies) selectedCount[i] = (selectedCount[i] ?? 0) + 1;
    endpoints.push({ type, namespace: source.namespace, aggregatedName: source.aggregatedName, ref, policies });
  };
  for (const pod of state.pods) {
    if (pod.hostNetwork || pod.ips.length === 0) continue;
    visit({ namespace: pod.namespace, name: pod.name }, 'WorkloadEndpoint');
  }
  for (const hep of state.hostEndpoints) visit({ hostEndpoint: hep.name }, 'HostEndpoint');
  return {
    endpoints,
    selectedCount,
    rank,
    tiers: state.policies.map((spec) => tierByName.get(spec.tier) ?? { name: spec.tier, defaultAction: 'Deny' }),
  };
}

/** The policies of `policies` that apply to the direction (the policy's `types` include it). */
export function applying(state: ClusterState, policies: readonly number[], direction: Direction): number[] {
  return policies.filter((i) => state.policies[i]?.types.includes(direction));
}

/**
 * True when an enforced policy in a tier whose default action is Deny selects the endpoint for the
 * direction: flows no rule allows are then denied instead of falling through to the profile.
 */
/**
 * The policies of `policies` that isolate the endpoint for the direction: enforced policies in a tier
 * whose default action is Deny, so flows no rule allows are denied instead of reaching the profile.
 */
export function isolating(
  state: ClusterState,
  selection: Selection,
  policies: readonly number[],
  direction: Direction,
): number[] {
  return applying(state, policies, direction).filter(
    (i) => !state.policies[i]?.staged && selection.tiers[i]?.defaultAction === 'Deny',
  );
}
