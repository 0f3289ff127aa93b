import { describe, expect, it } from 'vitest';
import { canonicalIp, ipSetInCidrs, ipSetOf, MAX_FLOW_IPS, mergeIpSets, parseCidrList } from './ips.ts';

const set = (ips: string[], beyond = 0) => ({ ips, beyond });

describe('flow address sets', () => {
  it('canonicalises addresses and refuses what is not one', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(ipSetOf('10.0.0.1')).toEqual(set(['10.0.0.1']));
    expect([ipSetOf(''), ipSetOf(undefined), ipSetOf('10.0.0.256')]).toEqual([undefined, undefined, undefined]);
  });

  it('merges into a sorted union and leaves absent sides absent', () => {
    expect(mergeIpSets(set(['10.0.0.2']), set(['10.0.0.1', '10.0.0.2']))).toEqual(set(['10.0.0.1', '10.0.0.2']));
    expect(mergeIpSets(undefined, undefined)).toBeUndefined();
    expect(mergeIpSets(undefined, set(['10.0.0.1']))).toEqual(set(['10.0.0.1']));
  });

  it('keeps the lowest addresses whatever the merge order and counts the rest', () => {
    const all = Array.from({ length: MAX_FLOW_IPS + 5 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    let forward: ReturnType<typeof mergeIpSets>;
    for (const ip of all) forward = mergeIpSets(forward, ipSetOf(ip));
    let backward: ReturnType<typeof mergeIpSets>;
    for (const ip of [...all].reverse()) backward = mergeIpSets(backward, ipSetOf(ip));
    expect(forward!.ips).toEqual([...all].sort().slice(0, MAX_FLOW_IPS));
    expect(backward!.ips).toEqual(forward!.ips);
    expect([forward!.beyond, backward!.beyond]).toEqual([5, 5]);
  });

  it('matches kept addresses against CIDRs of either family', () => {
    const cidrs = parseCidrList(['10.0.0.0/8', '2001:db8::/32']);
    if (!cidrs.ok) throw new Error('fixture CIDRs parse');
    expect(ipSetInCidrs(set(['192.168.1.1', '10.9.9.9']), cidrs.cidrs)).toBe(true);
    expect(ipSetInCidrs(set(['2001:db8::7']), cidrs.cidrs)).toBe(true);
    expect(ipSetInCidrs(set(['11.0.0.1']), cidrs.cidrs)).toBe(false);
    expect(ipSetInCidrs(undefined, cidrs.cidrs)).toBe(false);
    expect(parseCidrList(['10.0.0.0/8', 'nope'])).toEqual({ ok: false, index: 1 });
  });
});
