// Calico version mode: one test per difference between 3.30, 3.31, 3.32 and 3.33 (DESIGN.md
// compatibility targets; reference §15.3 "v1alpha1 removed", calico-observability §6).
import { describe, expect, it } from 'vitest';
import { createEvaluator } from './evaluate/evaluator.ts';
import { formatPolicyHit, parsePolicyHitString } from './hits/strings.ts';
import {
  CALICO_VERSIONS,
  type CalicoVersion,
  calicoVersionOfRelease,
  DEFAULT_CALICO_VERSION,
  hitKindsIn,
  POLICY_KINDS,
  policyKindInfo,
} from './kinds.ts';
import type { ClusterState, PolicyHit } from './model.ts';
import { loadObjects } from './resources/index.ts';

const anp = {
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'deny-all' },
  spec: { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] },
};
const cnp = {
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name: 'deny-all' },
  spec: {
    tier: 'Admin',
    priority: 1,
    subject: { namespaces: {} },
    ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }],
  },
};
const pods = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'web' }, status: { podIP: '10.0.1.1' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'db' }, status: { podIP: '10.0.1.2' } },
];

function load(policy: object, calicoVersion: CalicoVersion) {
  return loadObjects([...pods, policy], 'cluster.yaml', { calicoVersion });
}
function ingressAction(state: ClusterState): string {
  const result = createEvaluator(state).evaluate({
    source: { namespace: 'shop', name: 'web' },
    destination: { namespace: 'shop', name: 'db' },
    protocol: 'TCP',
    destPort: 80,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value.enforced.action;
}

describe('Calico version mode', () => {
  it('defaults to the newest release, 3.33', () => {
    expect(DEFAULT_CALICO_VERSION).toBe('3.33');
    expect(CALICO_VERSIONS.at(-1)).toBe(DEFAULT_CALICO_VERSION);
    expect(createEvaluator(loadObjects(pods).state).calicoVersion).toBe('3.33');
  });

  it('3.30 and 3.31 enforce AdminNetworkPolicy; 3.32 and 3.33 load it, mark it not enforced and skip it', () => {
    for (const version of CALICO_VERSIONS) {
      const loaded = load(anp, version);
      const enforced = version === '3.30' || version === '3.31';
      expect(loaded.state.policies.map((p) => p.kind)).toEqual(['AdminNetworkPolicy']);
      expect(loaded.issues.map((i) => i.code)).toEqual(enforced ? [] : ['not-enforced']);
      expect(ingressAction(loaded.state), version).toBe(enforced ? 'Deny' : 'Allow');
      const evaluator = createEvaluator(loaded.state);
      expect(evaluator.enforces('AdminNetworkPolicy')).toBe(enforced);
      expect(evaluator.enforces('BaselineAdminNetworkPolicy')).toBe(enforced);
      // Shown: the policy is in its tier's view whether enforced or not.
      expect(evaluator.tiers().flatMap((t) => t.policies.map((p) => p.name))).toEqual(['deny-all']);
    }
  });

  it('3.32 and 3.33 enforce ClusterNetworkPolicy; 3.30 and 3.31 load it, mark it not enforced and skip it', () => {
    for (const version of CALICO_VERSIONS) {
      const loaded = load(cnp, version);
      const enforced = version === '3.32' || version === '3.33';
      expect(loaded.issues.map((i) => i.code)).toEqual(enforced ? [] : ['not-enforced']);
      expect(loaded.issues[0]?.message ?? '').toMatch(enforced ? /^$/ : /does not enforce ClusterNetworkPolicy/);
      expect(ingressAction(loaded.state), version).toBe(enforced ? 'Deny' : 'Allow');
      expect(createEvaluator(loaded.state).enforces('ClusterNetworkPolicy')).toBe(enforced);
    }
  });

  it('Goldmane uses PolicyKinds 7 and 8 (ANP, BANP) up to 3.31 and 11 (ClusterNetworkPolicy) from 3.32', () => {
    for (const version of CALICO_VERSIONS) {
      const kinds = hitKindsIn(version);
      const old = version === '3.30' || version === '3.31';
      expect(kinds.includes('AdminNetworkPolicy')).toBe(old);
      expect(kinds.includes('BaselineAdminNetworkPolicy')).toBe(old);
      expect(kinds.includes('ClusterNetworkPolicy')).toBe(!old);
      expect(kinds).toContain('EndOfTier');
    }
  });

  it('3.30 and 3.31 write policy-hit strings with the tier in the name and staged: markers; 3.32+ write <kind>:<name>', () => {
    const hit = (kind: PolicyHit['kind'], namespace: string, tier: string): PolicyHit => ({
      kind,
      namespace,
      name: 'p1',
      tier,
      action: 'Deny',
      policyIndex: 1,
      ruleIndex: 0,
    });
    const legacy: Record<string, string> = {
      CalicoNetworkPolicy: '1|tier1|shop/tier1.p1|deny|0',
      GlobalNetworkPolicy: '1|tier1|tier1.p1|deny|0',
      StagedNetworkPolicy: '1|tier1|shop/tier1.staged:p1|deny|0',
      StagedGlobalNetworkPolicy: '1|tier1|tier1.staged:p1|deny|0',
      StagedKubernetesNetworkPolicy: '1|default|shop/staged:knp.default.p1|deny|0',
      NetworkPolicy: '1|default|shop/knp.default.p1|deny|0',
      AdminNetworkPolicy: '1|adminnetworkpolicy|kanp.adminnetworkpolicy.p1|deny|0',
      BaselineAdminNetworkPolicy: '1|baselineadminnetworkpolicy|kbanp.baselineadminnetworkpolicy.p1|deny|0',
    };
    const tierOf: Record<string, string> = {
      StagedKubernetesNetworkPolicy: 'default',
      NetworkPolicy: 'default',
      AdminNetworkPolicy: 'adminnetworkpolicy',
      BaselineAdminNetworkPolicy: 'baselineadminnetworkpolicy',
    };
    for (const kind of POLICY_KINDS.filter((k) => k !== 'ClusterNetworkPolicy')) {
      const info = policyKindInfo(kind);
      const h = hit(info.hitKind, info.scope === 'Namespaced' ? 'shop' : '', tierOf[info.hitKind] ?? 'tier1');
      for (const version of CALICO_VERSIONS) {
        const text = formatPolicyHit(h, version);
        const ns = h.namespace ? `${h.namespace}/` : '';
        const expected =
          version === '3.30' || version === '3.31'
            ? legacy[info.hitKind]
            : `1|${h.tier}|${info.shortKind}:${ns}p1|deny|0`;
        expect(text, `${kind} in ${version}`).toBe(expected);
        expect(parsePolicyHitString(text)).toEqual({ ok: true, value: h });
      }
    }
    const profile: PolicyHit = { ...hit('Profile', '', ''), name: 'kns.shop', action: 'Allow' };
    expect(formatPolicyHit(profile, '3.31')).toBe('1|__PROFILE__|__PROFILE__.kns.shop|allow|0');
    expect(formatPolicyHit(profile, '3.32')).toBe('1|__PROFILE__|pro:kns.shop|allow|0');
  });
});

describe('calicoVersionOfRelease: the mode for a release ClusterInformation reports', () => {
  it.each([
    ['v3.32.1', '3.32'],
    ['3.31', '3.31'],
    ['v3.30.0-0.dev', '3.30'],
    ['v3.29.4', '3.30'],
    ['v3.34.0', '3.33'],
    ['v4.0.0', '3.33'],
    [' v3.33.2 ', '3.33'],
  ])('%s → %s', (release, mode) => {
    expect(calicoVersionOfRelease(release)).toBe(mode);
  });

  it.each(['master', 'v3', '', 'a1b2c3d', 'v3.3x'])('%j is not a release', (release) => {
    expect(calicoVersionOfRelease(release)).toBeUndefined();
  });
});
