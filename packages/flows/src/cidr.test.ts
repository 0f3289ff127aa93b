import type { ClusterState } from '@verdict/engine';
import { emptyClusterState, parseCidr } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { cidrsOverlap, endpointInCidrs } from './cidr.ts';

const cidr = (text: string) => {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad CIDR ${text}`);
  return c;
};

const state: ClusterState = {
  ...emptyClusterState(),
  pods: [
    {
      namespace: 'shop',
      name: 'web-7d9f-abcde',
      owner: 'web-7d9f',
      labels: {},
      ips: ['10.244.1.5', 'fd00::5'],
      serviceAccount: 'default',
      ports: [],
    },
  ],
  networkSets: [{ name: 'partners', namespace: 'shop', labels: {}, nets: ['198.51.100.0/24'] }],
};

describe('cidrsOverlap', () => {
  it.each([
    ['10.0.0.0/8', '10.1.2.0/24', true],
    ['10.1.2.0/24', '10.0.0.0/8', true],
    ['10.1.2.0/24', '10.1.3.0/24', false],
    ['fd00::/8', 'fd00::5', true],
    ['10.0.0.0/8', 'fd00::/8', false],
  ])('%s and %s: %s', (a, b, overlap) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(overlap);
  });
});

describe('endpointInCidrs', () => {
  const workload = { type: 'WorkloadEndpoint', namespace: 'shop', name: 'web-7d9f-*' };
  const partners = { type: 'NetworkSet', namespace: 'shop', name: 'partners' };
  const pvt = { type: 'Network', namespace: '-', name: 'pvt' };
  const pub = { type: 'Network', namespace: '-', name: 'pub' };

  it('matches a workload by its pods addresses, in either family', () => {
    expect(endpointInCidrs(state, [cidr('10.244.1.0/24')])(workload)).toBe(true);
    expect(endpointInCidrs(state, [cidr('fd00::/64')])(workload)).toBe(true);
    expect(endpointInCidrs(state, [cidr('10.244.2.0/24')])(workload)).toBe(false);
  });

  it('matches a network set by overlap and the networks by RFC 1918 space not covered by a set', () => {
    expect(endpointInCidrs(state, [cidr('198.51.100.7')])(partners)).toBe(true);
    expect(endpointInCidrs(state, [cidr('192.168.0.0/16')])(pvt)).toBe(true);
    expect(endpointInCidrs(state, [cidr('192.168.0.0/16')])(pub)).toBe(false);
    expect(endpointInCidrs(state, [cidr('8.8.8.0/24')])(pub)).toBe(true);
    // Wholly inside a network set: flow logs would name the set, not the public network.
    expect(endpointInCidrs(state, [cidr('198.51.100.0/25')])(pub)).toBe(false);
  });
});
