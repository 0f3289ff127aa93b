// Policies board: enforced and pending counts side by side, per policy and per rule, and whether
// enforcing the staged policies would change what a policy decides.
import type { PolicyStats, RuleStats, VerdictCounts } from '../api/types.ts';

/** Stats are matched to policies by tier, namespace and name; kind is ignored because staged kinds may be reported either way. */
export function statsKey(p: { namespace: string; name: string; tier: string }): string {
  return `${p.tier}|${p.namespace}|${p.name}`;
}

const ZERO: VerdictCounts = { allowed: 0, denied: 0, passed: 0 };

function sum(a: VerdictCounts, b: VerdictCounts): VerdictCounts {
  return { allowed: a.allowed + b.allowed, denied: a.denied + b.denied, passed: a.passed + b.passed };
}

function mergeRules(a: readonly RuleStats[], b: readonly RuleStats[]): RuleStats[] {
  const m = new Map<string, RuleStats>();
  for (const r of [...a, ...b]) {
    const k = `${r.direction}|${r.ruleIndex}`;
    const acc = m.get(k);
    m.set(k, acc ? { ...acc, ...sum(acc, r) } : { ...r });
  }
  return [...m.values()];
}

/** Stats by `statsKey`; entries that share a key (a policy and its staged kind) are summed. */
export function indexPolicyStats(items: readonly PolicyStats[]): Map<string, PolicyStats> {
  const m = new Map<string, PolicyStats>();
  for (const s of items) {
    const k = statsKey(s);
    const acc = m.get(k);
    if (!acc) {
      m.set(k, s);
      continue;
    }
    m.set(k, {
      ...acc,
      ...sum(acc, s),
      rules: mergeRules(acc.rules, s.rules),
      pending: { ...sum(acc.pending, s.pending), rules: mergeRules(acc.pending.rules, s.pending.rules) },
    });
  }
  return m;
}

export function sameCounts(a: VerdictCounts, b: VerdictCounts): boolean {
  return a.allowed === b.allowed && a.denied === b.denied && a.passed === b.passed;
}

export interface RuleCounts {
  direction: RuleStats['direction'];
  /** -1 = end of tier. */
  ruleIndex: number;
  enforced: VerdictCounts;
  pending: VerdictCounts;
  /** Pending counts differ from the enforced ones. */
  changes: boolean;
}

export interface PolicyCounts {
  enforced: VerdictCounts;
  pending: VerdictCounts;
  /** Not a staged policy, and its pending counts (or any rule's) differ from the enforced ones. */
  changes: boolean;
  /** A staged policy: never enforced, so only the pending counts mean anything. */
  stagedOnly: boolean;
  /** Rules hit in either trace, ingress first, by index (end of tier last). */
  rules: RuleCounts[];
}

/** Enforced and pending counts of one policy (no stats = nothing decided: zeros). */
export function policyCounts(s: PolicyStats | undefined, staged: boolean): PolicyCounts {
  const enforced = s ? { allowed: s.allowed, denied: s.denied, passed: s.passed } : ZERO;
  const pending = s ? { allowed: s.pending.allowed, denied: s.pending.denied, passed: s.pending.passed } : ZERO;
  const byRule = new Map<string, RuleCounts>();
  const rule = (r: RuleStats) => {
    const k = `${r.direction}|${r.ruleIndex}`;
    let row = byRule.get(k);
    if (!row) {
      row = { direction: r.direction, ruleIndex: r.ruleIndex, enforced: ZERO, pending: ZERO, changes: false };
      byRule.set(k, row);
    }
    return row;
  };
  for (const r of s?.rules ?? []) rule(r).enforced = { allowed: r.allowed, denied: r.denied, passed: r.passed };
  for (const r of s?.pending.rules ?? []) rule(r).pending = { allowed: r.allowed, denied: r.denied, passed: r.passed };
  const rank = (i: number) => (i < 0 ? Number.MAX_SAFE_INTEGER : i);
  const rules = [...byRule.values()]
    .map((r) => ({ ...r, changes: !staged && !sameCounts(r.enforced, r.pending) }))
    .sort((a, b) => a.direction.localeCompare(b.direction) || rank(a.ruleIndex) - rank(b.ruleIndex));
  const changes = !staged && (!sameCounts(enforced, pending) || rules.some((r) => r.changes));
  return { enforced, pending, changes, stagedOnly: staged, rules };
}
