// Policies compiled for evaluation: the effective endpoint selector (reference §3), compiled
// rules per direction, sort position and the scopes in which the policy is active.
import {
  type CalicoVersion,
  enforcedKindOf,
  hitKindOf,
  isEnforcedIn,
  type PolicyKind,
  policyKindInfo,
} from '../kinds.ts';
import type { Direction, PolicyHitRef, PolicySpec, Tier } from '../model.ts';
import {
  and,
  equals,
  has,
  not,
  parseSelector,
  prefixLabels,
  replaceAll,
  type SelectorNode,
  selectorFromAst,
} from '../selector/index.ts';
import type { ClusterIndex, MemoSelector } from './cluster-index.ts';
import { NAMESPACE_LABEL, SERVICE_ACCOUNT_LABEL } from './entities.ts';
import { type CompiledRule, compileRule } from './rules.ts';

/** Evaluation scopes as bits: what the dataplane does, staged-as-enforced, and Verdict's what-if. */
export const ENFORCED = 1;
export const PENDING = 2;
export const WHAT_IF = 4;
export type ScopeBit = typeof ENFORCED | typeof PENDING | typeof WHAT_IF;

export interface CompiledPolicy {
  readonly spec: PolicySpec;
  readonly id: string;
  /** How traces name the policy. */
  readonly ref: PolicyHitRef;
  readonly selector: MemoSelector;
  /** undefined when the policy's types leave that direction out. */
  readonly ingress: readonly CompiledRule[] | undefined;
  readonly egress: readonly CompiledRule[] | undefined;
  /** Bitmask of the scopes in which the policy takes part. */
  scopes: number;
  readonly sortKey: string;
  /** Unique per compilation: tells a changed policy from the one it replaced (decision tables key on it). */
  readonly serial: number;
}

let serials = 0;

export interface CompiledTier {
  readonly name: string;
  /** Named by a policy but not defined: sorts after every tier. */
  readonly missing: boolean;
  readonly order: number | undefined;
  readonly defaultAction: 'Deny' | 'Pass';
}

export const policyId = (kind: PolicyKind, namespace: string | undefined, name: string): string =>
  `${kind}:${namespace ? `${namespace}/` : ''}${name}`;

export const specId = (spec: PolicySpec): string => policyId(spec.kind, spec.namespace, spec.name);

export function compilePolicy(spec: PolicySpec, index: ClusterIndex): CompiledPolicy {
  const context = { index, namespace: spec.namespace };
  const rules = (direction: Direction) =>
    spec.types.includes(direction)
      ? (direction === 'Ingress' ? spec.ingress : spec.egress).map((rule, i) => compileRule(rule, i, context))
      : undefined;
  return {
    spec,
    id: specId(spec),
    ref: { kind: hitKindOf(spec.kind), namespace: spec.namespace ?? '', name: spec.name, tier: spec.tier },
    selector: index.memoSelector(selectorFromAst(effectiveSelector(spec))),
    ingress: rules('Ingress'),
    egress: rules('Egress'),
    scopes: 0,
    serial: ++serials,
    sortKey: `${spec.name}/${spec.namespace ?? ''}/${policyKindInfo(spec.kind).backendKind}`,
  };
}

function parse(text: string): SelectorNode {
  const parsed = parseSelector(text);
  // The loader validated every selector; an invalid one here selects nothing.
  return parsed.ok ? parsed.value.ast : not(and());
}

/** Reference §3: namespaced kinds are scoped to their namespace; GNP selectors are rewritten textually. */
export function effectiveSelector(spec: PolicySpec): SelectorNode {
  const accounts = spec.serviceAccountSelector?.trim()
    ? prefixLabels(parse(spec.serviceAccountSelector), 'pcsa.')
    : undefined;
  if (spec.namespace !== undefined) {
    const parts = [parse(spec.selector), equals(NAMESPACE_LABEL, spec.namespace)];
    if (accounts) parts.push(accounts);
    return and(...parts);
  }
  let selector: SelectorNode | undefined = spec.selector.trim() ? parse(spec.selector) : undefined;
  // Every all() of the combined text is rewritten, so rewrite each operand before and() folds all() away.
  const combine = (extra: SelectorNode, label: string) => {
    const rewrite = (node: SelectorNode) => replaceAll(node, has(label));
    return selector ? and(rewrite(selector), rewrite(extra)) : rewrite(extra);
  };
  if (spec.namespaceSelector?.trim())
    selector = combine(prefixLabels(parse(spec.namespaceSelector), 'pcns.'), NAMESPACE_LABEL);
  if (accounts) selector = combine(accounts, SERVICE_ACCOUNT_LABEL);
  return selector ?? and();
}

/**
 * Sets each policy's scopes (reference §9): kinds that Calico `version` does not enforce nowhere,
 * enforced kinds everywhere, staged Set/Learn/Ignore in
 * pending and what-if, staged Delete nowhere; in what-if a staged policy replaces (Set) or removes
 * (Delete) the enforced policy of the same name.
 */
export function assignScopes(policies: Iterable<CompiledPolicy>, version: CalicoVersion): void {
  const all = [...policies];
  const shadowed = new Set<string>();
  for (const policy of all) {
    const counterpart = enforcedKindOf(policy.spec.kind);
    if (counterpart) shadowed.add(policyId(counterpart, policy.spec.namespace, policy.spec.name));
  }
  for (const policy of all) {
    const { spec } = policy;
    if (!isEnforcedIn(spec.kind, version)) policy.scopes = 0;
    else if (!spec.staged) policy.scopes = ENFORCED | PENDING | (shadowed.has(policy.id) ? 0 : WHAT_IF);
    else policy.scopes = spec.stagedAction === 'Delete' ? 0 : PENDING | WHAT_IF;
  }
}

/** Policies inside a tier: order ascending (absent last), then `name/namespace/kind` byte-wise. */
export function comparePolicies(a: CompiledPolicy, b: CompiledPolicy): number {
  const byOrder = compareOrder(a.spec.order, b.spec.order);
  if (byOrder !== 0) return byOrder;
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
}

/** Tiers: order ascending (absent last), then name byte-wise. */
export function compareTiers(a: CompiledTier, b: CompiledTier): number {
  if (a.missing !== b.missing) return a.missing ? 1 : -1;
  const byOrder = compareOrder(a.order, b.order);
  if (byOrder !== 0) return byOrder;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function compareOrder(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

export function compileTier(tier: Tier): CompiledTier {
  return { name: tier.name, missing: false, order: tier.order, defaultAction: tier.defaultAction };
}

/** A tier that policies name but nobody defined: after every tier, default Deny (reference §4.1). */
export function missingTier(name: string): CompiledTier {
  return { name, missing: true, order: undefined, defaultAction: 'Deny' };
}
