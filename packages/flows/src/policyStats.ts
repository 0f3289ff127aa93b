// /policy-stats: how many listed flows each policy and rule decided. Each aggregated flow counts
// once (not weighted by connections: many sources report no connection counts), per distinct
// policy and per distinct (direction, rule) of its trace. EndOfTier hits count for their trigger
// policy with rule index -1.

import type { PolicyStats, RuleStats, VerdictCounts } from '@verdict/api';
import type { PolicyHit } from '@verdict/engine';
import type { FlowKey } from './model.ts';

type Direction = RuleStats['direction'];

interface Tally {
  counts: VerdictCounts;
  rules: Map<string, RuleStats>;
}

interface Entry {
  ref: { kind: string; name: string; namespace: string; tier: string };
  enforced: Tally;
  pending: Tally;
}

const zero = (): VerdictCounts => ({ allowed: 0, denied: 0, passed: 0 });
const SLOT = { Allow: 'allowed', Deny: 'denied', Pass: 'passed' } as const;

function add(
  tally: Tally,
  hit: PolicyHit,
  direction: Direction,
  seen: Set<string>,
  policyKey: string,
  n: number,
): void {
  const slot = SLOT[hit.action];
  if (!seen.has(policyKey)) {
    seen.add(policyKey);
    tally.counts[slot] += n;
  }
  const ruleKey = `${direction}\0${hit.ruleIndex}\0${hit.action}`;
  if (seen.has(`${policyKey}\0${ruleKey}`)) return;
  seen.add(`${policyKey}\0${ruleKey}`);
  const ruleMapKey = `${direction}\0${hit.ruleIndex}`;
  let rule = tally.rules.get(ruleMapKey);
  if (!rule) tally.rules.set(ruleMapKey, (rule = { direction, ruleIndex: hit.ruleIndex, ...zero() }));
  rule[slot] += n;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Counts per policy from the enforced and pending traces, sorted by tier, kind, namespace and name.
 * An item with a `count` (a store's `countKeys` answer) stands for that many flows.
 */
export function policyStats(flows: Iterable<{ key: FlowKey; count?: number }>): PolicyStats[] {
  const entries = new Map<string, Entry>();
  for (const flow of flows) {
    const direction: Direction = flow.key.reporter === 'Src' ? 'Egress' : 'Ingress';
    for (const scope of ['enforced', 'pending'] as const) {
      const seen = new Set<string>();
      for (const hit of flow.key.policies[scope]) {
        const id = hit.kind === 'EndOfTier' && hit.trigger ? hit.trigger : hit;
        const key = `${id.tier}\0${id.kind}\0${id.namespace}\0${id.name}`;
        let entry = entries.get(key);
        if (!entry) {
          entry = {
            ref: { kind: id.kind, name: id.name, namespace: id.namespace, tier: id.tier },
            enforced: { counts: zero(), rules: new Map() },
            pending: { counts: zero(), rules: new Map() },
          };
          entries.set(key, entry);
        }
        add(entry[scope], hit, direction, seen, key, flow.count ?? 1);
      }
    }
  }
  const rules = (t: Tally) =>
    [...t.rules.values()].sort((a, b) => compare(a.direction, b.direction) || a.ruleIndex - b.ruleIndex);
  return [...entries.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, e]) => ({
      ...e.ref,
      ...e.enforced.counts,
      rules: rules(e.enforced),
      pending: { ...e.pending.counts, rules: rules(e.pending) },
    }));
}
