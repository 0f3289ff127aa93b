import { describe, expect, it } from 'vitest';
import { endOfTier, flowBetween, hit, T0 } from './fixtures.ts';
import { flowKeyString, intersectLabels, mergeFlow, mergeLabels, parseFlowKey, pendingVerdict } from './key.ts';

describe('flowKeyString', () => {
  it('is the same for the same key regardless of trace order', () => {
    const a = hit('CalicoNetworkPolicy', 'sec/shop/a', 'Pass', { policyIndex: 0 });
    const b = hit('NetworkPolicy', 'default/shop/b', 'Allow', { policyIndex: 1 });
    const f1 = flowBetween('shop/web', 'shop/api', { enforced: [a, b] });
    const f2 = flowBetween('shop/web', 'shop/api', { enforced: [b, a] });
    expect(flowKeyString(f1.key)).toBe(flowKeyString(f2.key));
  });
  it('differs when any key field differs', () => {
    const base = flowBetween('shop/web', 'shop/api');
    for (const o of [{ destPort: 9090 }, { proto: 'udp' }, { reporter: 'Src' as const }, { action: 'Deny' as const }]) {
      expect(flowKeyString(flowBetween('shop/web', 'shop/api', o).key)).not.toBe(flowKeyString(base.key));
    }
  });
  it('includes the pending trace, so a new staged policy starts a new key', () => {
    const before = flowBetween('shop/web', 'shop/api');
    const staged = hit('StagedNetworkPolicy', 'default/shop/lockdown', 'Deny');
    const after = flowBetween('shop/web', 'shop/api', { pending: [endOfTier(staged, 'Deny')] });
    expect(flowKeyString(after.key)).not.toBe(flowKeyString(before.key));
  });
  it('round-trips through parseFlowKey with traces sorted by policyIndex', () => {
    const a = hit('CalicoNetworkPolicy', 'sec/shop/a', 'Pass', { policyIndex: 1 });
    const eot = endOfTier(hit('NetworkPolicy', 'default/shop/b', 'Deny'), 'Deny', 0);
    const f = flowBetween('shop/web', 'shop/api', { enforced: [a, eot] });
    const back = parseFlowKey(flowKeyString(f.key));
    expect(back.policies.enforced).toEqual([eot, a]);
    expect({ ...back, policies: null }).toEqual({ ...f.key, policies: null });
  });
});

describe('merging', () => {
  it('sums counters and takes min start and max end', () => {
    const a = flowBetween('shop/web', 'shop/api', { startTime: T0, endTime: T0 + 15, packetsIn: 2, bytesOut: 10 });
    const b = flowBetween('shop/web', 'shop/api', { startTime: T0 + 30, endTime: T0 + 45, packetsIn: 3, bytesOut: 5 });
    const m = mergeFlow(b, a);
    expect([m.startTime, m.endTime, m.packetsIn, m.bytesOut]).toEqual([T0, T0 + 45, 5, 15]);
    expect(m.numConnectionsStarted).toBe(2);
  });
  it('intersects labels', () => {
    expect(intersectLabels(['a=1', 'b=2', 'c=3'], ['b=2', 'c=4'])).toEqual(['b=2']);
    expect(intersectLabels(['a=1'], [])).toEqual([]);
  });
  it('treats an empty label set on one side as not yet set across windows', () => {
    expect(mergeLabels([], ['a=1'])).toEqual(['a=1']);
    expect(mergeLabels(['a=1', 'b=2'], [])).toEqual(['a=1', 'b=2']);
    const m = mergeFlow(
      flowBetween('shop/web', 'shop/api', { sourceLabels: [] }),
      flowBetween('shop/web', 'shop/api', { sourceLabels: ['app=web', 'v=1'] }),
    );
    expect(m.sourceLabels).toEqual(['app=web', 'v=1']);
  });
});

describe('pendingVerdict', () => {
  it('is the action of the last Allow or Deny pending hit', () => {
    const pass = hit('CalicoNetworkPolicy', 'sec/shop/a', 'Pass', { policyIndex: 0 });
    const deny = hit('NetworkPolicy', 'default/shop/b', 'Deny', { policyIndex: 1 });
    expect(pendingVerdict(flowBetween('a/b', 'c/d', { pending: [pass, deny] }).key)).toBe('Deny');
    expect(pendingVerdict(flowBetween('a/b', 'c/d', { pending: [pass] }).key)).toBeUndefined();
  });
});
