// Unreachable rules, proved from the compiled policies: a rule is unreachable when, for every
// endpoint its policy selects, some earlier decision takes every flow the rule could match. The
// proof is conservative (rule subsumption is checked clause by clause), so it never reports a
// rule that some flow could reach.
import type { ClusterState, Direction, EntitySpec, PortMatch, RuleSpec } from '@verdict/engine';
import { applying, type Selection } from './selection.ts';

export interface UnreachableRule {
  policy: number;
  direction: Direction;
  ruleIndex: number;
  /** What takes the rule's flows: `rule 0 of the same policy`, `Kind ns/name rule 2`, `the end of tier security`. */
  shadowedBy: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function portCovers(outer: readonly PortMatch[], inner: readonly PortMatch[]): boolean {
  return inner.every((p) =>
    outer.some((o) =>
      'name' in p ? 'name' in o && o.name === p.name : 'min' in o && o.min <= p.min && p.max <= o.max,
    ),
  );
}

function cidrRange(text: string): [number, number] | undefined {
  const [address = '', bits = '32'] = text.split('/');
  const parts = address.split('.').map(Number);
  const prefix = Number(bits);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const value = parts.reduce((a, p) => a * 256 + p, 0);
  const size = 2 ** (32 - prefix);
  const low = value - (value % size);
  return [low, low + size - 1];
}

function netsCover(outer: readonly string[], inner: readonly string[]): boolean {
  return inner.every((n) => {
    const i = cidrRange(n);
    if (!i) return outer.includes(n);
    return outer.some((o) => {
      const r = cidrRange(o);
      return r !== undefined && r[0] <= i[0] && i[1] <= r[1];
    });
  });
}

/**
 * True when every flow `inner` matches is matched by `outer`. Selectors are compared as text, so
 * only within one scope (`sameScope`: both policies in one namespace, or both cluster-wide).
 */
function entityCovers(outer: EntitySpec, inner: EntitySpec, sameScope: boolean): boolean {
  const textual = ['selector', 'notSelector', 'namespaceSelector', 'serviceAccounts', 'services'] as const;
  for (const field of textual) {
    if (outer[field] === undefined) continue;
    if (!sameScope || !same(outer[field], inner[field])) return false;
  }
  if (outer.nets !== undefined && (inner.nets === undefined || !netsCover(outer.nets, inner.nets))) return false;
  if (outer.notNets !== undefined && !same(outer.notNets, inner.notNets)) return false;
  if (outer.ports !== undefined && (inner.ports === undefined || !portCovers(outer.ports, inner.ports))) return false;
  if (outer.notPorts !== undefined && !same(outer.notPorts, inner.notPorts)) return false;
  return true;
}

/** True when `outer` matches every flow `inner` matches (an over-approximation is never returned). */
export function ruleCovers(outer: RuleSpec, inner: RuleSpec, sameScope: boolean): boolean {
  if (outer.action === 'Log') return false;
  if (outer.ipVersion !== undefined && outer.ipVersion !== inner.ipVersion) return false;
  if (outer.protocol !== undefined && outer.protocol !== inner.protocol) return false;
  if (
    outer.notProtocol !== undefined &&
    outer.notProtocol !== inner.notProtocol &&
    (inner.protocol === undefined || inner.protocol === outer.notProtocol)
  )
    return false;
  if (outer.icmp !== undefined && !same(outer.icmp, inner.icmp)) return false;
  if (outer.notICMP !== undefined && !same(outer.notICMP, inner.notICMP)) return false;
  if (outer.http !== undefined && !same(outer.http, inner.http)) return false;
  return (
    entityCovers(outer.source, inner.source, sameScope) && entityCovers(outer.destination, inner.destination, sameScope)
  );
}

const rulesOf = (state: ClusterState, policy: number, direction: Direction): readonly RuleSpec[] => {
  const spec = state.policies[policy];
  return spec ? (direction === 'Ingress' ? spec.ingress : spec.egress) : [];
};

function describePolicy(state: ClusterState, i: number): string {
  const spec = state.policies[i];
  if (!spec) return `policy ${i}`;
  return `${spec.kind} ${spec.namespace === undefined ? '' : `${spec.namespace}/`}${spec.name}`;
}

/**
 * What decides every flow of `rule` (of policy `policy`) for an endpoint selected by `selecting`
 * (indices in evaluation order) before the rule is reached, or undefined.
 */
function shadowFor(
  state: ClusterState,
  selection: Selection,
  selecting: readonly number[],
  policy: number,
  direction: Direction,
  rule: RuleSpec,
): string | undefined {
  const spec = state.policies[policy];
  if (!spec) return undefined;
  const tier = selection.tiers[policy];
  const ownRank = selection.rank[policy] ?? 0;
  const earlierTiers = new Map<string, { enforced: boolean; passes: boolean; deny: boolean }>();
  for (const q of selecting) {
    if (q === policy || (selection.rank[q] ?? 0) > ownRank) break;
    const other = state.policies[q];
    if (!other || other.staged) continue;
    const otherTier = selection.tiers[q];
    const sameTier = other.tier === spec.tier;
    const sameScope = other.namespace === spec.namespace;
    const rules = rulesOf(state, q, direction);
    for (const [index, candidate] of rules.entries()) {
      const terminal = sameTier
        ? candidate.action !== 'Log'
        : candidate.action === 'Allow' || candidate.action === 'Deny';
      if (terminal && ruleCovers(candidate, rule, sameScope)) return `${describePolicy(state, q)} rule ${index}`;
    }
    if (!sameTier) {
      const entry = earlierTiers.get(other.tier) ?? {
        enforced: true,
        passes: false,
        deny: otherTier?.defaultAction === 'Deny',
      };
      if (rules.some((r) => r.action === 'Pass')) entry.passes = true;
      earlierTiers.set(other.tier, entry);
    }
  }
  for (const [name, entry] of earlierTiers) {
    if (entry.deny && !entry.passes && name !== tier?.name) return `the end of tier ${name}`;
  }
  return undefined;
}

/** Every rule no flow can reach, with what takes its flows. */
export function unreachableRules(state: ClusterState, selection: Selection): UnreachableRule[] {
  const out: UnreachableRule[] = [];
  // Endpoints with the same selecting policies share one proof.
  const signatures = new Map<number, Map<string, readonly number[]>>();
  for (const direction of ['Ingress', 'Egress'] as const) {
    for (const endpoint of selection.endpoints) {
      const selecting = applying(state, endpoint.policies, direction);
      const key = selecting.join(',');
      for (const p of selecting) {
        const id = p * 2 + (direction === 'Ingress' ? 0 : 1);
        const bySignature = signatures.get(id) ?? new Map<string, readonly number[]>();
        bySignature.set(key, selecting);
        signatures.set(id, bySignature);
      }
    }
  }
  state.policies.forEach((spec, policy) => {
    for (const direction of ['Ingress', 'Egress'] as const) {
      if (!spec.types.includes(direction)) continue;
      const rules = rulesOf(state, policy, direction);
      const contexts = [...(signatures.get(policy * 2 + (direction === 'Ingress' ? 0 : 1))?.values() ?? [])];
      rules.forEach((rule, ruleIndex) => {
        if (rule.action === 'Log') return;
        const earlier = rules.slice(0, ruleIndex).findIndex((r) => ruleCovers(r, rule, true));
        if (earlier >= 0) {
          out.push({ policy, direction, ruleIndex, shadowedBy: `rule ${earlier} of the same policy` });
          return;
        }
        if (contexts.length === 0) return;
        const reasons = contexts.map((selecting) => shadowFor(state, selection, selecting, policy, direction, rule));
        if (reasons.every((r) => r !== undefined)) {
          out.push({ policy, direction, ruleIndex, shadowedBy: [...new Set(reasons)].join('; ') });
        }
      });
    }
  });
  return out;
}
