import { describe, expect, it } from 'vitest';
import { createStore } from './factory.ts';
import { endOfTier, flowBetween, hit, T0, testClock } from './fixtures.ts';
import { computeStatistics } from './stats.ts';

const range = { gte: T0 - 3600, lt: T0 + 15 };
const allowWeb = hit('NetworkPolicy', 'default/shop/allow-web', 'Allow', { policyIndex: 1, ruleIndex: 3 });
const gate = hit('CalicoNetworkPolicy', 'security/shop/gate', 'Pass', { policyIndex: 0, ruleIndex: 0 });
const staged = hit('StagedNetworkPolicy', 'security/shop/lockdown', 'Deny');

describe('computeStatistics', () => {
  const windows = [
    flowBetween('shop/web', 'shop/api', {
      startTime: T0 - 30,
      packetsIn: 10,
      packetsOut: 20,
      enforced: [gate, allowWeb],
      pending: [endOfTier(staged, 'Deny')],
    }),
    flowBetween('shop/web', 'shop/api', {
      startTime: T0 - 15,
      packetsIn: 1,
      packetsOut: 2,
      reporter: 'Src',
      enforced: [gate, allowWeb],
    }),
  ];

  it('groups by policy with direction Any, using the trigger for end-of-tier hits, sorted by hit string', () => {
    const r = computeStatistics(windows, { range, type: 'PacketCount', groupBy: 'Policy' });
    expect(r.map((x) => [x.policy.kind, x.policy.name, x.direction])).toEqual([
      ['NetworkPolicy', 'allow-web', 'Any'],
      ['CalicoNetworkPolicy', 'gate', 'Any'],
      ['StagedNetworkPolicy', 'lockdown', 'Any'],
    ]);
    const lockdown = r[2]!;
    expect([lockdown.deniedIn, lockdown.deniedOut, lockdown.allowedIn]).toEqual([[10], [20], [0]]);
    expect([r[1]!.passedIn, r[1]!.passedOut]).toEqual([[11], [22]]);
  });

  it('groups by rule with the real rule_index and the direction from the reporter', () => {
    const r = computeStatistics(windows, { range, type: 'PacketCount', groupBy: 'PolicyRule' });
    const allow = r.filter((x) => x.policy.name === 'allow-web');
    expect(allow.map((x) => [x.policy.ruleIndex, x.direction, x.allowedIn, x.allowedOut])).toEqual([
      [3, 'Egress', [1], [2]],
      [3, 'Ingress', [10], [20]],
    ]);
    expect(r.find((x) => x.policy.name === 'lockdown')?.policy.ruleIndex).toBe(-1);
  });

  it('adds live connections to in for ingress and out for egress, and gives sparse time series', () => {
    const r = computeStatistics(windows, {
      range,
      type: 'LiveConnectionCount',
      groupBy: 'Policy',
      timeSeries: true,
      policyMatch: { name: { value: 'gate', type: 'Exact' } },
    });
    expect(r).toHaveLength(1);
    expect([r[0]!.x, r[0]!.passedIn, r[0]!.passedOut]).toEqual([
      [T0 - 30, T0 - 15],
      [1, 0],
      [0, 1],
    ]);
  });

  it('counts only windows inside the range and returns [] without data', () => {
    expect(
      computeStatistics(windows, { range: { gte: T0, lt: T0 + 15 }, type: 'ByteCount', groupBy: 'Policy' }),
    ).toEqual([]);
  });
});

describe('createStore', () => {
  it('builds each back-end from its config', async () => {
    const clock = testClock();
    const memory = createStore({ kind: 'memory', now: clock.now });
    const sqlite = createStore({ kind: 'sqlite', path: ':memory:', now: clock.now });
    expect([memory.kind, sqlite.kind]).toEqual(['memory', 'sqlite']);
    await Promise.all([memory.close(), sqlite.close()]);
  });
});
