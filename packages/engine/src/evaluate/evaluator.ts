// The evaluator: which policies apply to which endpoint, in tier and policy order, and the
// per-tier walk of reference §4 for both directions of a flow (§5), in every scope (§9).

import { type CalicoVersion, DEFAULT_CALICO_VERSION, isEnforcedIn, type PolicyKind } from '../kinds.ts';
import type {
  ClusterState,
  Direction,
  HitAction,
  IcmpMatch,
  Pod,
  PolicyHit,
  PolicyHitRef,
  PolicySpec,
  SourceRef,
  Tier,
} from '../model.ts';
import { cidrContains, isPrivateIpv4 } from '../net/ip.ts';
import { protocolNumber } from '../net/protocol.ts';
import { err, ok, type Result } from '../result.ts';
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
  policyId,
  type ScopeBit,
  specId,
  WHAT_IF,
} from './policies.ts';
import { type CompiledRule, describeEntity, explainRule, type FlowFacts, ruleMatches } from './rules.ts';

export type EndpointRef = { namespace: string; name: string } | { ip: string } | { hostEndpoint: string };

export interface FlowQuery {
  source: EndpointRef;
  destination: EndpointRef;
  /** Name (`TCP`, `udp`) or number. */
  protocol: string | number;
  /** Post-DNAT destination port (0 for protocols without ports). */
  destPort: number;
  sourcePort?: number;
  icmp?: IcmpMatch;
}

export type EndpointType = 'WorkloadEndpoint' | 'HostEndpoint' | 'NetworkSet' | 'Network';

/** How a flow endpoint looks in flow logs (calico-observability §7). */
export interface EndpointInfo {
  type: EndpointType;
  /** Pod, host endpoint or network set name; `pub` / `pvt` for other IPs. */
  name: string;
  /** Goldmane's aggregated name: `<owner>-*` for pods with an owner. */
  aggregatedName: string;
  /** "-" when not namespaced. */
  namespace: string;
  ip: string;
  /** Sorted `k=v`, without Calico's own labels. */
  labels: readonly string[];
}

export type Verdict = 'Allow' | 'Deny';
export type Scope = 'enforced' | 'pending' | 'whatIf';

export interface SideVerdict {
  action: Verdict;
  hits: readonly PolicyHit[];
}

export interface ScopeVerdict {
  action: Verdict;
  /** Present when the source is a policy-enforced endpoint. */
  egress?: SideVerdict;
  /** Present when the destination is a policy-enforced endpoint. */
  ingress?: SideVerdict;
}

export interface FlowVerdict {
  source: EndpointInfo;
  destination: EndpointInfo;
  protocol: number;
  enforced: ScopeVerdict;
  pending: ScopeVerdict;
  /** Only when asked for: staged Set replaces and staged Delete removes the same-named policy. */
  whatIf?: ScopeVerdict;
}

export interface EvaluateError {
  code: 'unknown-endpoint' | 'invalid-ip' | 'invalid-protocol' | 'invalid-port' | 'mixed-families';
  message: string;
  /** Which part of the query: `source`, `destination`, `protocol`, `destPort`. */
  path: string;
}

export type StepOutcome = 'matched' | 'no-match' | 'end-of-tier' | 'profile' | 'skipped-tier' | 'pass';

export interface ExplainStep {
  tier: string;
  policy: PolicyHitRef | null;
  outcome: StepOutcome;
  action?: HitAction;
  ruleIndex?: number;
  /** Sentences, one per rule clause or decision. */
  because: string[];
  /** Field path of the deciding rule in the resource as written. */
  rulePath?: string;
  policySource?: SourceRef;
}

export interface SideExplanation {
  direction: Direction;
  endpoint: string;
  action: Verdict;
  hits: readonly PolicyHit[];
  steps: ExplainStep[];
}

export interface FlowExplanation {
  scope: Scope;
  action: Verdict;
  sides: SideExplanation[];
}

export interface TierView {
  tier: Tier;
  /** In evaluation order. */
  policies: readonly PolicySpec[];
}

/** A compiled cluster: evaluate flows, explain them, and apply single changes without recompiling. */
export interface Evaluator {
  evaluate(query: FlowQuery, options?: { whatIf?: boolean }): Result<FlowVerdict, EvaluateError>;
  explain(query: FlowQuery, scope: Scope): Result<FlowExplanation, EvaluateError>;
  /** Looks up an endpoint as flow logs would show it. */
  endpoint(ref: EndpointRef): EndpointInfo | undefined;
  upsertPolicy(spec: PolicySpec): void;
  /** Adds or replaces many policies in one pass (one re-sort, not one per policy). */
  upsertPolicies(specs: readonly PolicySpec[]): void;
  removePolicy(kind: PolicyKind, namespace: string | undefined, name: string): boolean;
  upsertPod(pod: Pod): void;
  removePod(namespace: string, name: string): void;
  /** Tiers in evaluation order with their policies in order. */
  tiers(): TierView[];
  policy(kind: PolicyKind, namespace: string | undefined, name: string): PolicySpec | undefined;
  readonly state: ClusterState;
  /** The Calico release reproduced (the state's, or the newest). */
  readonly calicoVersion: CalicoVersion;
  /** False for kinds the Calico release does not enforce: loaded and shown, never evaluated. */
  enforces(kind: PolicyKind): boolean;
}

interface TierGroup {
  readonly tier: CompiledTier;
  readonly policies: readonly CompiledPolicy[];
}

interface EndpointPolicies {
  readonly Ingress: readonly TierGroup[];
  readonly Egress: readonly TierGroup[];
  /** Per direction: every policy takes part in all scopes alike, so one walk serves all of them. */
  readonly uniform: Readonly<Record<Direction, boolean>>;
}

const SCOPE_BITS: Readonly<Record<Scope, ScopeBit>> = { enforced: ENFORCED, pending: PENDING, whatIf: WHAT_IF };
const GLOBAL = '';
const VERDICT_CACHE_LIMIT = 1_000_000;

interface Walk {
  action: Verdict;
  hits: PolicyHit[];
  /** An end-of-tier Pass whose trigger differs between the enforced and the pending trace. */
  triggersDiffer: boolean;
}

export function createEvaluator(initial: ClusterState): Evaluator {
  let state = initial;
  const calicoVersion = initial.calicoVersion ?? DEFAULT_CALICO_VERSION;
  const index = new ClusterIndex(state);
  const policies = new Map<string, CompiledPolicy>();
  const tiers = new Map<string, CompiledTier>();
  for (const tier of state.tiers) tiers.set(tier.name, compileTier(tier));
  for (const spec of state.policies) policies.set(specId(spec), compilePolicy(spec, index));
  assignScopes(policies.values(), calicoVersion);

  let sorted: CompiledPolicy[] = [];
  let tierRank = new Map<string, number>();
  const byNamespace = new Map<string, CompiledPolicy[]>();
  const perEndpoint: (EndpointPolicies | undefined)[] = [];

  /** Verdicts by source identity, destination identity and protocol/port; dropped on every change. */
  let verdicts = new Map<IpIdentity, Map<IpIdentity, Map<number, { ok: true; value: FlowVerdict }>>>();
  let cachedVerdicts = 0;
  const forgetVerdicts = () => {
    verdicts = new Map();
    cachedVerdicts = 0;
  };
  function rememberVerdict(facts: FlowFacts, key: number, result: { ok: true; value: FlowVerdict }): void {
    if (++cachedVerdicts > VERDICT_CACHE_LIMIT) forgetVerdicts();
    let byDestination = verdicts.get(facts.src);
    if (!byDestination) verdicts.set(facts.src, (byDestination = new Map()));
    let byPort = byDestination.get(facts.dst);
    if (!byPort) byDestination.set(facts.dst, (byPort = new Map()));
    byPort.set(key, result);
  }

  function resort(): void {
    for (const policy of policies.values())
      if (!tiers.has(policy.spec.tier)) tiers.set(policy.spec.tier, missingTier(policy.spec.tier));
    const tierList = [...tiers.values()].sort(compareTiers);
    tierRank = new Map(tierList.map((tier, i) => [tier.name, i]));
    sorted = [...policies.values()].sort(
      (a, b) => (tierRank.get(a.spec.tier) ?? 0) - (tierRank.get(b.spec.tier) ?? 0) || comparePolicySort(a, b),
    );
    byNamespace.clear();
    perEndpoint.length = 0;
    forgetVerdicts();
  }
  resort();

  function candidates(namespace: string | undefined): CompiledPolicy[] {
    const key = namespace ?? GLOBAL;
    let list = byNamespace.get(key);
    if (!list) {
      list = sorted.filter((p) => p.spec.namespace === undefined || p.spec.namespace === namespace);
      byNamespace.set(key, list);
    }
    return list;
  }

  function policiesFor(entity: Entity): EndpointPolicies {
    let found = perEndpoint[entity.id];
    if (found) return found;
    const groups = { Ingress: [] as TierGroup[], Egress: [] as TierGroup[] };
    const uniform = { Ingress: true, Egress: true };
    for (const direction of ['Ingress', 'Egress'] as const) {
      let current: { tier: CompiledTier; policies: CompiledPolicy[] } | undefined;
      for (const policy of candidates(entity.namespace)) {
        if (policy.scopes === 0 || policy.spec.skipForWorkloads) continue;
        if (!(direction === 'Ingress' ? policy.ingress : policy.egress)) continue;
        if (!index.matches(policy.selector, entity)) continue;
        if (policy.scopes !== (ENFORCED | PENDING | WHAT_IF)) uniform[direction] = false;
        if (current?.tier.name !== policy.spec.tier) {
          current = { tier: tiers.get(policy.spec.tier) ?? missingTier(policy.spec.tier), policies: [] };
          groups[direction].push(current);
        }
        current.policies.push(policy);
      }
    }
    found = { ...groups, uniform };
    perEndpoint[entity.id] = found;
    return found;
  }

  /** Reference §4.2–4.4 for one endpoint and direction. `steps` is filled only when explaining. */
  function walk(entity: Entity, direction: Direction, flow: FlowFacts, scope: ScopeBit, steps?: ExplainStep[]): Walk {
    const hits: PolicyHit[] = [];
    let triggersDiffer = false;
    for (const group of policiesFor(entity)[direction]) {
      let first: CompiledPolicy | undefined;
      let lastEnforced: CompiledPolicy | undefined;
      let passed = false;
      tierWalk: for (const policy of group.policies) {
        if (!(policy.scopes & scope)) continue;
        first ??= policy;
        if (!policy.spec.staged) lastEnforced = policy;
        const rules = (direction === 'Ingress' ? policy.ingress : policy.egress) ?? [];
        const noMatch: string[] | undefined = steps && [];
        for (const rule of rules) {
          const explained = noMatch && explainRule(rule, flow);
          if (explained && !explained.matched) noMatch?.push(noMatchLine(rule, explained.because));
          const matched = explained ? explained.matched : ruleMatches(rule, flow);
          if (!matched || rule.spec.action === 'Log') continue;
          const action = rule.spec.action;
          pushHit(hits, policy.ref, action, rule.index);
          steps?.push({
            tier: group.tier.name,
            policy: policy.ref,
            outcome: action === 'Pass' ? 'pass' : 'matched',
            action,
            ruleIndex: rule.index,
            because: explained ? explained.because : [],
            rulePath: rule.spec.path,
            ...sourceOf(policy),
          });
          if (action === 'Pass') {
            passed = true;
            break tierWalk;
          }
          return { action, hits, triggersDiffer };
        }
        steps?.push({
          tier: group.tier.name,
          policy: policy.ref,
          outcome: 'no-match',
          because: rules.length === 0 || !noMatch ? ['the policy has no rules for this direction'] : noMatch,
          ...sourceOf(policy),
        });
      }
      if (!first) {
        steps?.push({
          tier: group.tier.name,
          policy: null,
          outcome: 'skipped-tier',
          because: ['no policy in this scope selects the endpoint'],
        });
        continue;
      }
      if (passed) continue;
      const action = group.tier.defaultAction;
      const because = [`no rule in tier ${group.tier.name} matched; its default action is ${action}`];
      if (action === 'Deny') {
        pushEndOfTier(hits, group.tier.name, action, first.ref);
        steps?.push({
          tier: group.tier.name,
          policy: first.ref,
          outcome: 'end-of-tier',
          action,
          ruleIndex: -1,
          because,
        });
        return { action: 'Deny', hits, triggersDiffer };
      }
      // End-of-tier Pass (reference §15.4, Felix since v3.30.0): the enforced trace names the last
      // enforced policy of the tier that selects the endpoint, the pending trace the first in scope.
      const trigger = scope === ENFORCED ? (lastEnforced ?? first) : first;
      if (first !== lastEnforced) triggersDiffer = true;
      pushEndOfTier(hits, group.tier.name, action, trigger.ref);
      steps?.push({
        tier: group.tier.name,
        policy: trigger.ref,
        outcome: 'end-of-tier',
        action,
        ruleIndex: -1,
        because,
      });
    }
    return { action: profiles(entity, direction, hits, steps), hits, triggersDiffer };
  }

  function evaluateFacts(facts: FlowFacts, whatIf: boolean): FlowVerdict {
    const src = facts.src.owner?.isEndpoint ? facts.src.owner : undefined;
    const dst = facts.dst.owner?.isEndpoint ? facts.dst.owner : undefined;
    const egress = src && walk(src, 'Egress', facts, ENFORCED);
    const ingress = dst && walk(dst, 'Ingress', facts, ENFORCED);
    const srcUniform = !src || (policiesFor(src).uniform.Egress && !egress?.triggersDiffer);
    const dstUniform = !dst || (policiesFor(dst).uniform.Ingress && !ingress?.triggersDiffer);
    const enforced = combine(egress, ingress);
    const inScope = (scope: ScopeBit): ScopeVerdict =>
      srcUniform && dstUniform
        ? enforced
        : combine(
            src && (srcUniform ? egress : walk(src, 'Egress', facts, scope)),
            dst && (dstUniform ? ingress : walk(dst, 'Ingress', facts, scope)),
          );
    const verdict: FlowVerdict = {
      source: endpointInfo(facts.src),
      destination: endpointInfo(facts.dst),
      protocol: facts.protocol,
      enforced,
      pending: inScope(PENDING),
    };
    if (whatIf) verdict.whatIf = inScope(WHAT_IF);
    return verdict;
  }

  function upsertPolicies(specs: readonly PolicySpec[]): void {
    if (specs.length === 0) return;
    const latest = new Map<string, PolicySpec>();
    for (const spec of specs) latest.set(specId(spec), spec);
    for (const [id, spec] of latest) policies.set(id, compilePolicy(spec, index));
    state = { ...state, policies: [...state.policies.filter((p) => !latest.has(specId(p))), ...latest.values()] };
    assignScopes(policies.values(), calicoVersion);
    resort();
  }

  return {
    evaluate(query, options) {
      const ends = resolveEnds(query);
      if (!ends.ok) return ends;
      const { src, dst, protocol } = ends.value;
      // Without a source port or ICMP fields a verdict depends only on the two IPs, protocol and port.
      const cacheable = query.sourcePort === undefined && query.icmp === undefined;
      const key = (protocol * 65536 + query.destPort) * 2 + (options?.whatIf ? 1 : 0);
      const cached = cacheable ? verdicts.get(src)?.get(dst)?.get(key) : undefined;
      if (cached) return cached;
      const facts = factsOf(src, dst, protocol, query);
      const result = ok(evaluateFacts(facts, options?.whatIf === true));
      if (cacheable) rememberVerdict(facts, key, result);
      return result;
    },

    explain(query, scope) {
      const resolved = resolveFlow(query);
      if (!resolved.ok) return resolved;
      const facts = resolved.value;
      const sides: SideExplanation[] = [];
      for (const [entity, direction] of [
        [facts.src.owner, 'Egress'],
        [facts.dst.owner, 'Ingress'],
      ] as const) {
        if (!entity?.isEndpoint) continue;
        const steps: ExplainStep[] = [];
        const result = walk(entity, direction, facts, SCOPE_BITS[scope], steps);
        sides.push({ direction, endpoint: describeEntity(entity), action: result.action, hits: result.hits, steps });
      }
      const action = sides.every((side) => side.action === 'Allow') ? 'Allow' : 'Deny';
      return ok({ scope, action, sides });
    },

    endpoint(ref) {
      const resolved = resolveEndpoint(ref, 'source', undefined);
      return 'code' in resolved ? undefined : endpointInfo(resolved);
    },

    upsertPolicy(spec) {
      upsertPolicies([spec]);
    },

    upsertPolicies,

    removePolicy(kind, namespace, name) {
      const id = policyId(kind, namespace, name);
      if (!policies.delete(id)) return false;
      state = { ...state, policies: state.policies.filter((p) => specId(p) !== id) };
      assignScopes(policies.values(), calicoVersion);
      resort();
      return true;
    },

    upsertPod(pod) {
      const old = index.pod(pod.namespace, pod.name);
      if (old) perEndpoint[old.id] = undefined;
      index.upsertPod(pod);
      forgetVerdicts();
      state = {
        ...state,
        pods: [...state.pods.filter((p) => p.namespace !== pod.namespace || p.name !== pod.name), pod],
      };
    },

    removePod(namespace, name) {
      const old = index.pod(namespace, name);
      if (old) perEndpoint[old.id] = undefined;
      index.removePod(namespace, name);
      forgetVerdicts();
      state = { ...state, pods: state.pods.filter((p) => p.namespace !== namespace || p.name !== name) };
    },

    tiers() {
      const views = new Map<string, PolicySpec[]>();
      for (const policy of sorted) views.set(policy.spec.tier, [...(views.get(policy.spec.tier) ?? []), policy.spec]);
      return [...tiers.values()].sort(compareTiers).map((tier) => ({
        tier: state.tiers.find((t) => t.name === tier.name) ?? { name: tier.name, defaultAction: tier.defaultAction },
        policies: views.get(tier.name) ?? [],
      }));
    },

    policy(kind, namespace, name) {
      return policies.get(policyId(kind, namespace, name))?.spec;
    },

    get state() {
      return state;
    },

    calicoVersion,

    enforces(kind) {
      return isEnforcedIn(kind, calicoVersion);
    },
  };

  /** The identity of one end of a flow, or what is wrong with it. */
  function resolveEndpoint(endpoint: EndpointRef, path: string, family: 4 | 6 | undefined): IpIdentity | EvaluateError {
    // Field reads rather than `in` checks: queries arrive in several shapes and this is the hot path.
    const { ip, namespace, name, hostEndpoint } = endpoint as Partial<{
      ip: string;
      namespace: string;
      name: string;
      hostEndpoint: string;
    }>;
    if (ip !== undefined) {
      return index.identify(ip) ?? { code: 'invalid-ip', message: `${ip} is not an IP address`, path: `${path}.ip` };
    }
    const entity =
      hostEndpoint !== undefined ? index.hostEndpointsByName.get(hostEndpoint) : index.pod(namespace ?? '', name ?? '');
    if (!entity) {
      const label = hostEndpoint !== undefined ? `host endpoint ${hostEndpoint}` : `pod ${namespace}/${name}`;
      return { code: 'unknown-endpoint', message: `${label} is not in the cluster state`, path };
    }
    const primary = index.primaryIdentity(entity);
    if (!primary) return { code: 'unknown-endpoint', message: `${describeEntity(entity)} has no IP address`, path };
    if (family === undefined || primary.ip.family === family) return primary;
    // A dual-stack endpoint: use its address of the other end's family.
    const text = (entity.pod?.ips ?? entity.hostEndpoint?.expectedIPs ?? []).find(
      (candidate) => familyOf(candidate) === family,
    );
    const identity = text === undefined ? undefined : index.identify(text);
    if (!identity) return primary;
    // An IP shared by several endpoints belongs to the one named in the query.
    return identity.owner === entity ? identity : { ...identity, owner: entity };
  }

  /** Checks the query and resolves both ends; the facts rules test are built only when needed. */
  function resolveEnds(
    query: FlowQuery,
  ): Result<{ src: IpIdentity; dst: IpIdentity; protocol: number }, EvaluateError> {
    const protocol = protocolNumber(query.protocol);
    if (protocol === undefined) {
      return err({
        code: 'invalid-protocol',
        message: `protocol ${String(query.protocol)} is not a protocol name or number 0-255`,
        path: 'protocol',
      });
    }
    if (!Number.isInteger(query.destPort) || query.destPort < 0 || query.destPort > 65535) {
      return err({
        code: 'invalid-port',
        message: `port ${String(query.destPort)} is not a number 0-65535`,
        path: 'destPort',
      });
    }
    const family =
      'ip' in query.source
        ? familyOf(query.source.ip)
        : 'ip' in query.destination
          ? familyOf(query.destination.ip)
          : undefined;
    const src = resolveEndpoint(query.source, 'source', family);
    if ('code' in src) return err(src);
    const dst = resolveEndpoint(query.destination, 'destination', src.ip.family);
    if ('code' in dst) return err(dst);
    if (src.ip.family !== dst.ip.family) {
      return err({
        code: 'mixed-families',
        message: 'source and destination are of different IP families',
        path: 'destination',
      });
    }
    return ok({ src, dst, protocol });
  }

  function resolveFlow(query: FlowQuery): Result<FlowFacts, EvaluateError> {
    const ends = resolveEnds(query);
    return ends.ok ? ok(factsOf(ends.value.src, ends.value.dst, ends.value.protocol, query)) : ends;
  }
}

function factsOf(src: IpIdentity, dst: IpIdentity, protocol: number, query: FlowQuery): FlowFacts {
  return {
    family: src.ip.family,
    protocol,
    srcIp: src.text,
    dstIp: dst.text,
    src,
    dst,
    srcPort: query.sourcePort,
    dstPort: query.destPort,
    icmp: query.icmp,
  };
}

function familyOf(ip: string): 4 | 6 | undefined {
  return ip.includes(':') ? 6 : ip.includes('.') ? 4 : undefined;
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

function pushHit(hits: PolicyHit[], policy: PolicyHitRef, action: HitAction, ruleIndex: number): void {
  hits.push({
    kind: policy.kind,
    namespace: policy.namespace,
    name: policy.name,
    tier: policy.tier,
    action,
    policyIndex: hits.length,
    ruleIndex,
  });
}

function pushEndOfTier(hits: PolicyHit[], tier: string, action: HitAction, trigger: PolicyHitRef): void {
  hits.push({
    kind: 'EndOfTier',
    namespace: '',
    name: '',
    tier,
    action,
    policyIndex: hits.length,
    ruleIndex: -1,
    trigger,
  });
}

function sourceOf(policy: CompiledPolicy): { policySource?: SourceRef } {
  return policy.spec.source ? { policySource: policy.spec.source } : {};
}

/** Why a rule did not match: its first failing clause. */
function noMatchLine(rule: CompiledRule, because: readonly string[]): string {
  return `rule ${rule.index} (${rule.spec.path}): ${because[because.length - 1] ?? 'no match'}`;
}

/** Reference §4.3: profiles after the last tier; `kns.` allows everything, no decision denies. */
function profiles(entity: Entity, direction: Direction, hits: PolicyHit[], steps: ExplainStep[] | undefined): Verdict {
  for (const name of entity.profiles) {
    if (name.startsWith('kns.') || name === 'projectcalico-default-allow') {
      pushHit(hits, { kind: 'Profile', namespace: '', name, tier: '' }, 'Allow', 0);
      steps?.push({
        tier: '',
        policy: { kind: 'Profile', namespace: '', name, tier: '' },
        outcome: 'profile',
        action: 'Allow',
        ruleIndex: 0,
        because: [`no policy decided, so the ${direction.toLowerCase()} default of profile ${name} applies: allow`],
      });
      return 'Allow';
    }
  }
  pushHit(hits, { kind: 'Profile', namespace: '', name: '__PROFILE__', tier: '' }, 'Deny', -1);
  steps?.push({
    tier: '',
    policy: null,
    outcome: 'profile',
    action: 'Deny',
    ruleIndex: -1,
    because: [`no policy decided and ${describeEntity(entity)} has no profile that allows, so the flow is denied`],
  });
  return 'Deny';
}

function combine(egress: Walk | SideVerdict | undefined, ingress: Walk | SideVerdict | undefined): ScopeVerdict {
  const verdict: ScopeVerdict = {
    action: egress?.action === 'Deny' || ingress?.action === 'Deny' ? 'Deny' : 'Allow',
  };
  if (egress) verdict.egress = { action: egress.action, hits: egress.hits };
  if (ingress) verdict.ingress = { action: ingress.action, hits: ingress.hits };
  return verdict;
}

const endpointInfos = new WeakMap<IpIdentity, EndpointInfo>();

/** How flow logs show the endpoint; computed once per IP identity. */
function endpointInfo(identity: IpIdentity): EndpointInfo {
  let info = endpointInfos.get(identity);
  if (!info) {
    info = describeEndpoint(identity, identity.text);
    endpointInfos.set(identity, info);
  }
  return info;
}

function describeEndpoint(identity: IpIdentity, ip: string): EndpointInfo {
  const owner = identity.owner;
  if (owner) {
    const type: EndpointType = owner.kind === 'pod' ? 'WorkloadEndpoint' : 'HostEndpoint';
    const pod = owner.pod;
    return {
      type,
      name: owner.name,
      aggregatedName: pod?.owner
        ? `${pod.owner}-*`
        : type === 'HostEndpoint'
          ? (owner.hostEndpoint?.node ?? owner.name)
          : owner.name,
      namespace: owner.namespace ?? '-',
      ip,
      labels: visibleLabels(pod?.labels ?? owner.hostEndpoint?.labels ?? {}),
    };
  }
  const set = mostSpecificSet(identity);
  if (set) {
    return {
      type: 'NetworkSet',
      name: set.name,
      aggregatedName: set.name,
      namespace: set.namespace ?? '-',
      ip,
      labels: visibleLabels(set.networkSet?.labels ?? {}),
    };
  }
  const name = identity.ip.family === 4 && isPrivateIpv4(identity.ip.value) ? 'pvt' : 'pub';
  return { type: 'Network', name, aggregatedName: name, namespace: '-', ip, labels: [] };
}

/** Flow logs name the network set with the longest prefix containing the IP. */
function mostSpecificSet(identity: IpIdentity): Entity | undefined {
  let best: Entity | undefined;
  let bestPrefix = -1;
  for (const set of identity.networkSets) {
    for (const cidr of set.nets) {
      if (cidr.prefix > bestPrefix && cidrContains(cidr, identity.ip)) {
        best = set;
        bestPrefix = cidr.prefix;
      }
    }
  }
  return best;
}

function visibleLabels(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels)
    .filter(([key]) => !key.startsWith('projectcalico.org/'))
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}
