// End-of-tier Pass hits as Calico records them since v3.30.0 (reference §4.4, §15.4;
// calico-observability §6.3): one test per case.
import { describe, expect, it } from 'vitest';
import { hitToWhiskerJson } from '../hits/json.ts';
import type { ClusterState } from '../model.ts';
import { loadObjects } from '../resources/index.ts';
import { createEvaluator, type FlowQuery, type ScopeVerdict } from './evaluator.ts';
import { cluster, globalPolicy, hitString, pod, rule, stagedGlobalPolicy, tier } from './fixtures.ts';

const web = pod('shop/web', '10.0.1.1', { app: 'web' });
const db = pod('shop/db', '10.0.1.2', { app: 'db' });
const webToDb: FlowQuery = {
  source: { namespace: 'shop', name: 'web' },
  destination: { namespace: 'shop', name: 'db' },
  protocol: 'TCP',
  destPort: 5432,
};
const passTier = tier('tier1', 100, 'Pass');
const noMatch = (name: string, fields = {}) =>
  globalPolicy(name, { tier: 'tier1', ingress: [rule('Allow', { protocol: 17 })], ...fields });

function run(state: ClusterState) {
  const result = createEvaluator(state).evaluate(webToDb, { whatIf: true });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
const ingress = (verdict: ScopeVerdict) => verdict.ingress?.hits.map(hitString) ?? [];

describe('end-of-tier Pass hits (reference §15.4)', () => {
  it('a Pass tier whose selecting policy matches no rule records EndOfTier Pass with rule index -1 in both traces', () => {
    const verdict = run(cluster({ pods: [web, db], tiers: [passTier], policies: [noMatch('ep2-4')] }));
    // felix/fv/tiered_policy_test.go: `0|tier1|gnp:tier1.ep2-4|pass|-1` then the profile, in both sets.
    const expected = ['0|tier1|gnp:ep2-4|pass|-1', '1|__PROFILE__|pro:kns.shop|allow|0'];
    expect(ingress(verdict.enforced)).toEqual(expected);
    expect(ingress(verdict.pending)).toEqual(expected);
    expect(verdict.enforced.ingress?.hits[0]).toEqual({
      kind: 'EndOfTier',
      namespace: '',
      name: '',
      tier: 'tier1',
      action: 'Pass',
      policyIndex: 0,
      ruleIndex: -1,
      trigger: { kind: 'GlobalNetworkPolicy', namespace: '', name: 'ep2-4', tier: 'tier1' },
    });
  });

  it('the enforced trace names the last enforced selecting policy, the pending trace the first', () => {
    const verdict = run(
      cluster({
        pods: [web, db],
        tiers: [passTier],
        policies: [noMatch('a', { order: 1 }), noMatch('b', { order: 2 })],
      }),
    );
    expect(ingress(verdict.enforced)[0]).toBe('0|tier1|gnp:b|pass|-1');
    expect(ingress(verdict.pending)[0]).toBe('0|tier1|gnp:a|pass|-1');
  });

  it('a tier selected only by staged policies has the end-of-tier Pass in the pending trace only', () => {
    const staged = stagedGlobalPolicy('s', { tier: 'tier1', ingress: [rule('Allow', { protocol: 17 })] });
    const verdict = run(cluster({ pods: [web, db], tiers: [passTier], policies: [staged] }));
    expect(ingress(verdict.enforced)).toEqual(['0|__PROFILE__|pro:kns.shop|allow|0']);
    expect(ingress(verdict.pending)).toEqual(['0|tier1|sgnp:s|pass|-1', '1|__PROFILE__|pro:kns.shop|allow|0']);
  });

  it('a staged policy before the enforced one is the pending trigger and is absent from the enforced trace', () => {
    const staged = stagedGlobalPolicy('a-staged', {
      tier: 'tier1',
      order: 1,
      ingress: [rule('Allow', { protocol: 17 })],
    });
    const verdict = run(
      cluster({ pods: [web, db], tiers: [passTier], policies: [staged, noMatch('b', { order: 2 })] }),
    );
    expect(ingress(verdict.enforced)[0]).toBe('0|tier1|gnp:b|pass|-1');
    expect(ingress(verdict.pending)[0]).toBe('0|tier1|sgnp:a-staged|pass|-1');
  });

  it('a matched Pass rule records its own hit and no end-of-tier hit', () => {
    const passes = globalPolicy('passes', { tier: 'tier1', ingress: [rule('Pass')] });
    const verdict = run(cluster({ pods: [web, db], tiers: [passTier], policies: [passes] }));
    expect(ingress(verdict.enforced)).toEqual(['0|tier1|gnp:passes|pass|0', '1|__PROFILE__|pro:kns.shop|allow|0']);
  });

  it('a Pass tier that no policy selects leaves no hit', () => {
    const elsewhere = noMatch('elsewhere', { selector: "app == 'other'" });
    const verdict = run(cluster({ pods: [web, db], tiers: [passTier], policies: [elsewhere] }));
    expect(ingress(verdict.enforced)).toEqual(['0|__PROFILE__|pro:kns.shop|allow|0']);
    expect(ingress(verdict.pending)).toEqual(['0|__PROFILE__|pro:kns.shop|allow|0']);
  });

  it('hits after an end-of-tier Pass keep counting policy_index', () => {
    const deny = globalPolicy('deny', { ingress: [rule('Deny')] });
    const verdict = run(cluster({ pods: [web, db], tiers: [passTier], policies: [noMatch('first'), deny] }));
    expect(ingress(verdict.enforced)).toEqual(['0|tier1|gnp:first|pass|-1', '1|default|gnp:deny|deny|0']);
  });

  it('the admin tier records an end-of-tier Pass when no AdminNetworkPolicy rule matches (Calico 3.31)', () => {
    const anp = {
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: 'guard' },
      spec: {
        priority: 10,
        subject: { namespaces: {} },
        ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'red' } } }] }],
      },
    };
    const loaded = loadObjects([anp], 'anp.yaml', { calicoVersion: '3.31' });
    expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const { tiers, policies } = loaded.state;
    const verdict = run({ ...cluster({ pods: [web, db], tiers, policies }), calicoVersion: '3.31' });
    expect(ingress(verdict.enforced)).toEqual([
      '0|adminnetworkpolicy|kanp:guard|pass|-1',
      '1|__PROFILE__|pro:kns.shop|allow|0',
    ]);
  });

  it('the explanation names the trigger at the end-of-tier Pass step', () => {
    const evaluator = createEvaluator(
      cluster({
        pods: [web, db],
        tiers: [passTier],
        policies: [noMatch('a', { order: 1 }), noMatch('b', { order: 2 })],
      }),
    );
    for (const [scope, name] of [
      ['enforced', 'b'],
      ['pending', 'a'],
    ] as const) {
      const result = evaluator.explain(webToDb, scope);
      if (!result.ok) throw new Error(result.error.message);
      const side = result.value.sides.find((s) => s.direction === 'Ingress');
      const step = side?.steps.find((s) => s.outcome === 'end-of-tier');
      expect(step).toMatchObject({ tier: 'tier1', action: 'Pass', ruleIndex: -1, policy: { name } });
      expect(side?.hits.map(hitString)[0]).toBe(`0|tier1|gnp:${name}|pass|-1`);
    }
  });

  it('whisker-backend JSON carries the end-of-tier Pass with its trigger', () => {
    const verdict = run(cluster({ pods: [web, db], tiers: [passTier], policies: [noMatch('ep')] }));
    const hit = verdict.enforced.ingress?.hits[0];
    if (!hit) throw new Error('no hit');
    expect(hitToWhiskerJson(hit)).toEqual({
      kind: 'EndOfTier',
      name: '',
      namespace: '',
      tier: 'tier1',
      action: 'Pass',
      policy_index: 0,
      rule_index: -1,
      trigger: {
        kind: 'GlobalNetworkPolicy',
        name: 'ep',
        namespace: '',
        tier: 'tier1',
        action: 'ActionUnspecified',
        policy_index: 0,
        rule_index: 0,
        trigger: null,
      },
    });
  });
});

describe('end-of-tier Deny triggers (calico-observability §6.3, felix/calc TierDefaultActionRuleID)', () => {
  const denyTier = tier('tier1', 100, 'Deny');
  const quiet = (name: string, fields = {}) =>
    globalPolicy(name, { tier: 'tier1', ingress: [rule('Allow', { protocol: 17 })], ...fields });

  it('the enforced trace names the last enforced selecting policy of the tier (TierDefaultActionRuleID), the pending trace the first', () => {
    const verdict = run(
      cluster({ pods: [web, db], tiers: [denyTier], policies: [quiet('a', { order: 1 }), quiet('b', { order: 2 })] }),
    );
    expect(verdict.enforced.action).toBe('Deny');
    expect(ingress(verdict.enforced)).toEqual(['0|tier1|gnp:b|deny|-1']);
    expect(ingress(verdict.pending)).toEqual(['0|tier1|gnp:a|deny|-1']);
    expect(verdict.enforced.ingress?.hits[0]?.trigger).toEqual({
      kind: 'GlobalNetworkPolicy',
      namespace: '',
      name: 'b',
      tier: 'tier1',
    });
  });

  it('a staged policy after the enforced ones is never the enforced trigger', () => {
    const staged = stagedGlobalPolicy('z-staged', {
      tier: 'tier1',
      order: 3,
      ingress: [rule('Allow', { protocol: 17 })],
    });
    const verdict = run(
      cluster({
        pods: [web, db],
        tiers: [denyTier],
        policies: [quiet('a', { order: 1 }), quiet('b', { order: 2 }), staged],
      }),
    );
    expect(ingress(verdict.enforced)).toEqual(['0|tier1|gnp:b|deny|-1']);
    expect(ingress(verdict.pending)).toEqual(['0|tier1|gnp:a|deny|-1']);
  });

  it('the explanation of each scope names its own trigger at the end-of-tier Deny step', () => {
    const evaluator = createEvaluator(
      cluster({ pods: [web, db], tiers: [denyTier], policies: [quiet('a', { order: 1 }), quiet('b', { order: 2 })] }),
    );
    for (const [scope, name] of [
      ['enforced', 'b'],
      ['pending', 'a'],
    ] as const) {
      const result = evaluator.explain(webToDb, scope);
      if (!result.ok) throw new Error(result.error.message);
      const side = result.value.sides.find((s) => s.direction === 'Ingress');
      expect(side?.steps.find((s) => s.outcome === 'end-of-tier')).toMatchObject({
        action: 'Deny',
        ruleIndex: -1,
        policy: { name },
      });
    }
  });
});
