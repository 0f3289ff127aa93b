// Stage 2, evaluate: the per-tier walk of reference §4.2–§4.4 for one endpoint and direction over a
// compiled cluster, recording hits and, when explaining, one step per policy and tier.
import type { Direction, HitAction, PolicyHit, PolicyHitRef, SourceRef } from '../model.ts';
import { type CompiledCluster, policiesFor } from './compile.ts';
import type { Entity } from './entities.ts';
import { type CompiledPolicy, ENFORCED, type ScopeBit } from './policies.ts';
import { type CompiledRule, describeEntity, explainRule, type FlowFacts, ruleMatches } from './rules.ts';
import type { ExplainStep, Verdict } from './types.ts';

export interface Walk {
  action: Verdict;
  hits: PolicyHit[];
  /** An end-of-tier Pass whose trigger differs between the enforced and the pending trace. */
  triggersDiffer: boolean;
}

/** Reference §4.2–4.4 for one endpoint and direction. `steps` is filled only when explaining. */
export function walk(
  cluster: CompiledCluster,
  entity: Entity,
  direction: Direction,
  flow: FlowFacts,
  scope: ScopeBit,
  steps?: ExplainStep[],
): Walk {
  const hits: PolicyHit[] = [];
  let triggersDiffer = false;
  for (const group of policiesFor(cluster, entity)[direction]) {
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
    // End of tier, Deny or Pass (calico-observability §6.3, reference §15.4): the enforced trace
    // names Felix's TierDefaultActionRuleID, the last enforced policy of the tier that selects the
    // endpoint; the pending trace (app-policy checker) the first policy in scope that did not match.
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
    if (action === 'Deny') return { action: 'Deny', hits, triggersDiffer };
  }
  return { action: profiles(entity, direction, hits, steps), hits, triggersDiffer };
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

/** Reference §4.3: the profile that decides when no tier did: the first that allows, if any. */
export function allowingProfile(entity: Entity): string | undefined {
  return entity.profiles.find((name) => name.startsWith('kns.') || name === 'projectcalico-default-allow');
}

/** The hit of the profile step: the allowing profile, or `__PROFILE__` when none allows. */
export function profileHit(profile: string | undefined, policyIndex: number): PolicyHit {
  return {
    kind: 'Profile',
    namespace: '',
    name: profile ?? '__PROFILE__',
    tier: '',
    action: profile ? 'Allow' : 'Deny',
    policyIndex,
    ruleIndex: profile ? 0 : -1,
  };
}

/** Reference §4.3: profiles after the last tier; `kns.` allows everything, no decision denies. */
function profiles(entity: Entity, direction: Direction, hits: PolicyHit[], steps: ExplainStep[] | undefined): Verdict {
  const name = allowingProfile(entity);
  hits.push(profileHit(name, hits.length));
  if (name) {
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
