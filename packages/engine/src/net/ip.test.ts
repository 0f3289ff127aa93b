import { describe, expect, it } from 'vitest';
import { cidrContains, cidrCovers, formatCidr, formatIp, isPrivateIpv4, parseCidr, parseIp, parseIpv4 } from './ip.ts';

const cidr = (text: string) => {
  const parsed = parseCidr(text, false);
  if (!parsed) throw new Error(`bad CIDR ${text}`);
  return parsed;
};

describe('CIDR parsing', () => {
  it.each([
    ['10.9.3.4/16', '10.9.0.0/16'],
    ['192.168.242.213/24', '192.168.242.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['fd00:0:0:0:0:0:0:1/64', 'fd00::/64'],
    ['2001:db8::ff/120', '2001:db8::/120'],
    ['::ffff:10.1.2.3/128', '::ffff:a01:203/128'],
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'],
  ])('normalises %s to %s', (input, expected) => {
    expect(formatCidr(cidr(input))).toBe(expected);
  });

  it('accepts bare IPs only when asked', () => {
    expect(formatCidr(parseCidr('10.0.0.1') ?? cidr('0.0.0.0/0'))).toBe('10.0.0.1/32');
    expect(formatCidr(parseCidr('fd00::1') ?? cidr('::/0'))).toBe('fd00::1/128');
    expect(parseCidr('10.0.0.1', false)).toBeUndefined();
  });

  it.each([
    '10.0.0.0/33',
    '10.0.0/8',
    '256.0.0.0/8',
    '01.2.3.4/8',
    'fd00::/129',
    '1::2::3/64',
    'x/8',
    '10.0.0.0/',
    '10.0.0.0/08',
  ])('rejects %s', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('addresses', () => {
  it('parses both families and formats them back', () => {
    expect(parseIp('10.0.0.1')?.family).toBe(4);
    expect(parseIp('::1')?.family).toBe(6);
    expect(parseIp('10.0.0.256')).toBeUndefined();
    const v6 = parseIp('2001:db8:0:0:1:0:0:1');
    expect(v6 && formatIp(v6)).toBe('2001:db8::1:0:0:1');
  });

  it('checks containment of addresses and of CIDRs', () => {
    const ip = parseIp('10.1.2.3');
    expect(ip && cidrContains(cidr('10.0.0.0/8'), ip)).toBe(true);
    expect(ip && cidrContains(cidr('fd00::/8'), ip)).toBe(false);
    expect(cidrCovers(cidr('10.0.0.0/8'), cidr('10.1.0.0/16'))).toBe(true);
    expect(cidrCovers(cidr('10.0.0.0/8'), cidr('11.0.0.0/16'))).toBe(false);
    expect(cidrCovers(cidr('10.0.0.0/8'), cidr('::/0'))).toBe(false);
  });

  it('knows the RFC 1918 ranges Goldmane calls pvt', () => {
    expect(
      ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1'].map((a) => isPrivateIpv4(parseIpv4(a) ?? 0)),
    ).toEqual([true, true, true, true]);
    expect(['172.32.0.1', '8.8.8.8', '169.254.169.254'].map((a) => isPrivateIpv4(parseIpv4(a) ?? 0))).toEqual([
      false,
      false,
      false,
    ]);
  });
});
