import { describe, expect, it } from 'vitest';
import type { PolicyStats } from '../api/types.ts';
import { indexPolicyStats, policyCounts, statsKey } from './policyStats.ts';

const c = (allowed: number, denied: number, passed = 0) => ({ allowed, denied, passed });

function stats(p: Partial<PolicyStats> & Pick<PolicyStats, 'name'>): PolicyStats {
  return {
    kind: 'NetworkPolicy',
    namespace: 'shop',
    tier: 'application',
    ...c(0, 0),
    rules: [],
    pending: { ...c(0, 0), rules: [] },
    ...p,
  };
}

describe('policyStats > counts', () => {
  it('shows the same counts without a mark when staging changes nothing', () => {
    const s = stats({
      name: 'web',
      ...c(5, 1),
      rules: [{ direction: 'Ingress', ruleIndex: 0, ...c(5, 0) }],
      pending: { ...c(5, 1), rules: [{ direction: 'Ingress', ruleIndex: 0, ...c(5, 0) }] },
    });
    const p = policyCounts(s, false);
    expect(p).toMatchObject({ enforced: c(5, 1), pending: c(5, 1), changes: false, stagedOnly: false });
    expect(p.rules).toEqual([
      { direction: 'Ingress', ruleIndex: 0, enforced: c(5, 0), pending: c(5, 0), changes: false },
    ]);
  });

  it('marks a policy whose pending counts differ, and merges rules hit in either trace', () => {
    const s = stats({
      name: 'api',
      ...c(4, 0),
      rules: [
        { direction: 'Ingress', ruleIndex: -1, ...c(0, 1) },
        { direction: 'Ingress', ruleIndex: 1, ...c(4, 0) },
      ],
      pending: {
        ...c(2, 0),
        rules: [
          { direction: 'Ingress', ruleIndex: 1, ...c(2, 0) },
          { direction: 'Egress', ruleIndex: 0, ...c(1, 0) },
        ],
      },
    });
    const p = policyCounts(s, false);
    expect(p.changes).toBe(true);
    expect(p.rules.map((r) => [r.direction, r.ruleIndex, r.changes])).toEqual([
      ['Egress', 0, true],
      ['Ingress', 1, true],
      ['Ingress', -1, true],
    ]);
    expect(p.rules[0]).toMatchObject({ enforced: c(0, 0), pending: c(1, 0) });
  });

  it('marks a change in a rule even when the policy totals agree', () => {
    const s = stats({
      name: 'x',
      ...c(2, 0),
      rules: [{ direction: 'Ingress', ruleIndex: 0, ...c(2, 0) }],
      pending: { ...c(2, 0), rules: [{ direction: 'Ingress', ruleIndex: 1, ...c(2, 0) }] },
    });
    expect(policyCounts(s, false).changes).toBe(true);
  });

  it('shows a staged policy by its pending counts only, without the change mark', () => {
    const s = stats({ name: 'lockdown', kind: 'StagedNetworkPolicy', pending: { ...c(0, 7), rules: [] } });
    expect(policyCounts(s, true)).toMatchObject({ stagedOnly: true, changes: false, pending: c(0, 7) });
    expect(policyCounts(undefined, false)).toMatchObject({ enforced: c(0, 0), pending: c(0, 0), changes: false });
  });
});

describe('policyStats > index', () => {
  it('sums entries sharing tier, namespace and name (a policy and its staged kind)', () => {
    const enforced = stats({ name: 'db', ...c(3, 0), rules: [{ direction: 'Ingress', ruleIndex: 0, ...c(3, 0) }] });
    const staged = stats({
      name: 'db',
      kind: 'StagedNetworkPolicy',
      pending: { ...c(1, 2), rules: [{ direction: 'Ingress', ruleIndex: 0, ...c(1, 0) }] },
    });
    const m = indexPolicyStats([enforced, staged]);
    expect(m.size).toBe(1);
    const merged = m.get(statsKey(enforced))!;
    expect(merged).toMatchObject({ ...c(3, 0), pending: { ...c(1, 2) } });
    expect(policyCounts(merged, false).rules[0]).toMatchObject({ enforced: c(3, 0), pending: c(1, 0), changes: true });
  });
});
