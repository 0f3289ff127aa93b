import { describe, expect, it } from 'vitest';
import { endOfTier, flowBetween, hit } from './fixtures.ts';
import { policyStats } from './policyStats.ts';

const allowWeb = hit('CalicoNetworkPolicy', 'default/shop/allow-web', 'Allow', { ruleIndex: 1 });
const anp = hit('AdminNetworkPolicy', 'adminnetworkpolicy/guard', 'Pass', { ruleIndex: 0 });

describe('policyStats', () => {
  it('counts each flow once per policy and per rule, by the direction its reporter implies', () => {
    const stats = policyStats([
      flowBetween('shop/web-*', 'shop/api-*', { enforced: [allowWeb, allowWeb] }),
      flowBetween('shop/web-*', 'shop/api-*', { reporter: 'Src', enforced: [allowWeb] }),
    ]);
    expect(stats).toEqual([
      {
        kind: 'CalicoNetworkPolicy',
        name: 'allow-web',
        namespace: 'shop',
        tier: 'default',
        allowed: 2,
        denied: 0,
        passed: 0,
        rules: [
          { direction: 'Egress', ruleIndex: 1, allowed: 1, denied: 0, passed: 0 },
          { direction: 'Ingress', ruleIndex: 1, allowed: 1, denied: 0, passed: 0 },
        ],
        pending: { allowed: 0, denied: 0, passed: 0, rules: [] },
      },
    ]);
  });

  it('counts an end-of-tier hit for its trigger with rule index -1, and pending traces apart', () => {
    const [guard] = policyStats([
      flowBetween('shop/web-*', 'shop/api-*', { enforced: [endOfTier(anp, 'Pass')], pending: [anp] }),
    ]);
    expect(guard).toMatchObject({
      kind: 'AdminNetworkPolicy',
      name: 'guard',
      passed: 1,
      rules: [{ direction: 'Ingress', ruleIndex: -1, passed: 1 }],
      pending: { passed: 1, rules: [{ ruleIndex: 0, passed: 1 }] },
    });
  });
});
