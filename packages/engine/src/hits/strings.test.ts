import { describe, expect, it } from 'vitest';
import type { PolicyHit } from '../model.ts';
import { formatPolicyHit, parsePolicyHitString } from './strings.ts';

function parse(s: string): PolicyHit {
  const r = parsePolicyHitString(s);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const hit = (kind: PolicyHit['kind'], namespace: string, name: string, tier: string, more: Partial<PolicyHit> = {}) =>
  ({ kind, namespace, name, tier, action: 'Allow', policyIndex: 0, ruleIndex: 0, ...more }) as PolicyHit;

// §6.1: every row of the v3.32+ table, written back byte for byte.
const CURRENT: [string, PolicyHit][] = [
  ['0|tier1|np:default/np1-1|pass|0', hit('CalicoNetworkPolicy', 'default', 'np1-1', 'tier1', { action: 'Pass' })],
  ['0|security|gnp:deny-egress|allow|0', hit('GlobalNetworkPolicy', '', 'deny-egress', 'security')],
  [
    '1|tier2|snp:shop/lockdown|deny|0',
    hit('StagedNetworkPolicy', 'shop', 'lockdown', 'tier2', { action: 'Deny', policyIndex: 1 }),
  ],
  [
    '1|security|sgnp:quarantine|deny|2',
    hit('StagedGlobalNetworkPolicy', '', 'quarantine', 'security', { action: 'Deny', policyIndex: 1, ruleIndex: 2 }),
  ],
  [
    '1|default|sknp:shop/deny-all|deny|3',
    hit('StagedKubernetesNetworkPolicy', 'shop', 'deny-all', 'default', {
      action: 'Deny',
      policyIndex: 1,
      ruleIndex: 3,
    }),
  ],
  ['0|default|knp:shop/allow-web|allow|2', hit('NetworkPolicy', 'shop', 'allow-web', 'default', { ruleIndex: 2 })],
  [
    '3|kube-admin|kcnp:block-metadata|pass|4',
    hit('ClusterNetworkPolicy', '', 'block-metadata', 'kube-admin', { action: 'Pass', policyIndex: 3, ruleIndex: 4 }),
  ],
  ['0|__PROFILE__|pro:kns.shop|allow|0', hit('Profile', '', 'kns.shop', '')],
  // Verdict's short kinds for v1alpha1 AdminNetworkPolicy / BaselineAdminNetworkPolicy.
  [
    '0|adminnetworkpolicy|kanp:deny-db|deny|1',
    hit('AdminNetworkPolicy', '', 'deny-db', 'adminnetworkpolicy', { action: 'Deny', ruleIndex: 1 }),
  ],
  [
    '2|baselineadminnetworkpolicy|kbanp:default|allow|0',
    hit('BaselineAdminNetworkPolicy', '', 'default', 'baselineadminnetworkpolicy', { policyIndex: 2 }),
  ],
  // §6.3 end of tier: rule index -1, the named policy becomes the trigger.
  [
    '0|tier1|np:ns1/policy1|deny|-1',
    hit('EndOfTier', '', '', 'tier1', {
      action: 'Deny',
      ruleIndex: -1,
      trigger: { kind: 'CalicoNetworkPolicy', namespace: 'ns1', name: 'policy1', tier: 'tier1' },
    }),
  ],
  [
    '0|security|snp:shop/lockdown|deny|-1',
    hit('EndOfTier', '', '', 'security', {
      action: 'Deny',
      ruleIndex: -1,
      trigger: { kind: 'StagedNetworkPolicy', namespace: 'shop', name: 'lockdown', tier: 'security' },
    }),
  ],
];

// §6.2: every row of the legacy table (tier in the name, `staged:` prefixes), with the 3.32+ string it becomes.
const LEGACY: [string, string, PolicyHit][] = [
  [
    '0|security|security.deny-egress|allow|0',
    '0|security|gnp:deny-egress|allow|0',
    hit('GlobalNetworkPolicy', '', 'deny-egress', 'security'),
  ],
  [
    '0|tier1|shop/tier1.web.v2|pass|1',
    '0|tier1|np:shop/web.v2|pass|1',
    hit('CalicoNetworkPolicy', 'shop', 'web.v2', 'tier1', { action: 'Pass', ruleIndex: 1 }),
  ],
  [
    '0|default|shop/knp.default.allow-web|allow|2',
    '0|default|knp:shop/allow-web|allow|2',
    hit('NetworkPolicy', 'shop', 'allow-web', 'default', { ruleIndex: 2 }),
  ],
  [
    '1|default|shop/staged:knp.default.deny-all|deny|3',
    '1|default|sknp:shop/deny-all|deny|3',
    hit('StagedKubernetesNetworkPolicy', 'shop', 'deny-all', 'default', {
      action: 'Deny',
      policyIndex: 1,
      ruleIndex: 3,
    }),
  ],
  [
    '1|security|security.staged:quarantine|deny|2',
    '1|security|sgnp:quarantine|deny|2',
    hit('StagedGlobalNetworkPolicy', '', 'quarantine', 'security', { action: 'Deny', policyIndex: 1, ruleIndex: 2 }),
  ],
  [
    '1|tier|namespace/tier.staged:name|deny|0',
    '1|tier|snp:namespace/name|deny|0',
    hit('StagedNetworkPolicy', 'namespace', 'name', 'tier', { action: 'Deny', policyIndex: 1 }),
  ],
  [
    '0|adminnetworkpolicy|kanp.adminnetworkpolicy.deny-db|deny|1',
    '0|adminnetworkpolicy|kanp:deny-db|deny|1',
    hit('AdminNetworkPolicy', '', 'deny-db', 'adminnetworkpolicy', { action: 'Deny', ruleIndex: 1 }),
  ],
  [
    '2|baselineadminnetworkpolicy|kbanp.baselineadminnetworkpolicy.default|allow|0',
    '2|baselineadminnetworkpolicy|kbanp:default|allow|0',
    hit('BaselineAdminNetworkPolicy', '', 'default', 'baselineadminnetworkpolicy', { policyIndex: 2 }),
  ],
  [
    '0|__PROFILE__|__PROFILE__.kns.shop|allow|0',
    '0|__PROFILE__|pro:kns.shop|allow|0',
    hit('Profile', '', 'kns.shop', ''),
  ],
  [
    '0|tier1|ns1/tier1.staged:policy1|deny|-1',
    '0|tier1|snp:ns1/policy1|deny|-1',
    hit('EndOfTier', '', '', 'tier1', {
      action: 'Deny',
      ruleIndex: -1,
      trigger: { kind: 'StagedNetworkPolicy', namespace: 'ns1', name: 'policy1', tier: 'tier1' },
    }),
  ],
];

describe('policy-hit strings, v3.32+ form (§6.1)', () => {
  it.each(CURRENT)('%s', (s, expected) => {
    expect(parse(s)).toEqual(expected);
    expect(formatPolicyHit(expected)).toBe(s);
  });
});

describe('policy-hit strings, legacy v3.30/v3.31 form (§6.2)', () => {
  it.each(LEGACY)('%s', (legacy, current, expected) => {
    const parsed = parse(legacy);
    expect(parsed).toEqual(expected);
    expect(formatPolicyHit(parsed)).toBe(current);
    expect(parse(current)).toEqual(parsed);
  });
});

describe('policy-hit strings, leniency and errors', () => {
  it('accepts the __NO_MATCH__ placeholders Felix emits', () => {
    expect(parse('0|tier1|eot:__NO_MATCH__|deny|-1')).toEqual(
      hit('EndOfTier', '', '', 'tier1', { action: 'Deny', ruleIndex: -1 }),
    );
    expect(parse('1|__PROFILE__|pro:__NO_MATCH__|deny|0')).toEqual(
      hit('Profile', '', '', '', { action: 'Deny', policyIndex: 1 }),
    );
    expect(formatPolicyHit(parse('0|tier1|eot:__NO_MATCH__|deny|-1'))).toBe('0|tier1|eot:__NO_MATCH__|deny|-1');
  });

  it.each([
    ['0|tier1|np:default/np1|allow', 'expected 5 fields'],
    ['x|tier1|np:default/np1|allow|0', 'policy index "x"'],
    ['0|tier1|np:default/np1|allow|-2', 'rule index "-2"'],
    ['0|tier1|np:default/np1|maybe|0', 'action "maybe"'],
    ['0|Tier_1|np:default/np1|allow|0', 'tier "Tier_1" is not a DNS-1123 name'],
    ['0|tier1|np:np1|allow|0', 'needs <namespace>/<name>'],
    ['0|tier1|gnp:ns/np1|allow|0', 'is not namespaced'],
    ['0|tier1|np:default/Bad_Name|allow|0', 'name "Bad_Name" is not a DNS-1123 name'],
    ['0|tier1|other.np1|allow|0', 'legacy tier1.<name> form'],
  ])('rejects %s', (s, message) => {
    const r = parsePolicyHitString(s);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.input).toBe(s);
      expect(r.error.message).toContain(message);
    }
  });
});
