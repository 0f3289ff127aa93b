import { describe, expect, it } from 'vitest';
import { aggregateAddresses, collapseCidrs } from './cidr.ts';

describe('aggregateAddresses', () => {
  it('covers many addresses of one /24 with that /24', () => {
    const ips = Array.from({ length: 40 }, (_, i) => `198.51.100.${i * 6 + 2}`);
    expect(aggregateAddresses(ips)).toEqual(['198.51.100.0/24']);
  });
  it('keeps a lone address exact and a tight cluster tight', () => {
    expect(aggregateAddresses(['203.0.113.66'])).toEqual(['203.0.113.66/32']);
    expect(aggregateAddresses(['203.0.113.8', '203.0.113.9', '203.0.113.10'])).toEqual(['203.0.113.8/30']);
  });
  it('widens to the smallest CIDR of a /16 when a provider spreads over many /24s', () => {
    const ips = Array.from({ length: 30 }, (_, i) => `151.101.${i * 3}.7`);
    expect(aggregateAddresses(ips)).toEqual(['151.101.0.0/17']);
  });
});

describe('collapseCidrs', () => {
  it('merges siblings and drops covered CIDRs, never widens', () => {
    expect(collapseCidrs(['10.0.0.12/32', '10.0.0.13/32', '10.0.0.11/32'])).toEqual(['10.0.0.11/32', '10.0.0.12/31']);
    expect(collapseCidrs(['10.0.0.0/24', '10.0.0.5/32', '10.0.1.0/24'])).toEqual(['10.0.0.0/23']);
  });
});
