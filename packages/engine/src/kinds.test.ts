import { describe, expect, it } from 'vitest';
import { formatPolicyHit, parsePolicyHitString } from './hits/strings.ts';
import {
  apiVersionOf,
  enforcedKindOf,
  POLICY_KINDS,
  policyKindInfo,
  policyKindOfHit,
  policyKindOfManifest,
} from './kinds.ts';
import { HIT_KINDS } from './model.ts';

describe('the catalogue of policy kinds', () => {
  it('gives every kind its own hit kind and short kind', () => {
    const hits = POLICY_KINDS.map((k) => policyKindInfo(k).hitKind);
    const shorts = POLICY_KINDS.map((k) => policyKindInfo(k).shortKind);
    expect(new Set(hits).size).toBe(POLICY_KINDS.length);
    expect(new Set(shorts).size).toBe(POLICY_KINDS.length);
    for (const hit of hits) expect(HIT_KINDS).toContain(hit);
  });

  it('pairs staged and enforced counterparts both ways', () => {
    for (const kind of POLICY_KINDS) {
      const { staged, counterpart } = policyKindInfo(kind);
      if (counterpart === undefined) continue;
      expect(policyKindInfo(counterpart).counterpart).toBe(kind);
      expect(policyKindInfo(counterpart).staged).toBe(!staged);
      expect(enforcedKindOf(kind)).toBe(staged ? counterpart : undefined);
    }
  });

  it('maps hit kinds and manifests back to the kind', () => {
    for (const kind of POLICY_KINDS) {
      const info = policyKindInfo(kind);
      expect(policyKindOfHit(info.hitKind)).toBe(kind);
      expect(policyKindOfManifest(info.manifestKind, apiVersionOf(kind))).toBe(kind);
    }
    expect(policyKindOfManifest('NetworkPolicy', 'networking.k8s.io/v1')).toBe('KubernetesNetworkPolicy');
    expect(policyKindOfManifest('NetworkPolicy', 'projectcalico.org/v3')).toBe('NetworkPolicy');
    expect(policyKindOfHit('Profile')).toBeUndefined();
  });

  it('writes and reads every kind through its short kind in the policy-hit string', () => {
    for (const kind of POLICY_KINDS) {
      const info = policyKindInfo(kind);
      const namespace = info.scope === 'Namespaced' ? 'shop' : '';
      const hit = {
        kind: info.hitKind,
        namespace,
        name: 'p1',
        tier: 'default',
        action: 'Allow' as const,
        policyIndex: 0,
        ruleIndex: 2,
      };
      const text = formatPolicyHit(hit);
      expect(text).toBe(`0|default|${info.shortKind}:${namespace ? 'shop/' : ''}p1|allow|2`);
      expect(parsePolicyHitString(text)).toEqual({ ok: true, value: hit });
    }
  });
});
