import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parseIp } from './net.ts';

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
    expect(parseCidr(input, false)?.text).toBe(expected);
  });

  it('accepts bare IPs only when asked', () => {
    expect(parseCidr('10.0.0.1', true)?.text).toBe('10.0.0.1/32');
    expect(parseCidr('fd00::1', true)?.text).toBe('fd00::1/128');
    expect(parseCidr('10.0.0.1', false)).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '10.0.0/8', '256.0.0.0/8', '01.2.3.4/8', 'fd00::/129', '1::2::3/64', 'x/8', '10.0.0.0/'])(
    'rejects %s',
    (text) => {
      expect(parseCidr(text, true)).toBeUndefined();
    },
  );

  it('parses addresses and checks containment', () => {
    expect(parseIp('10.0.0.1')?.family).toBe(4);
    expect(parseIp('::1')?.family).toBe(6);
    expect(parseIp('10.0.0.256')).toBeUndefined();
    const outer = parseCidr('10.0.0.0/8', false)!;
    expect(cidrContains(outer, parseCidr('10.1.0.0/16', false)!)).toBe(true);
    expect(cidrContains(outer, parseCidr('11.0.0.0/16', false)!)).toBe(false);
    expect(cidrContains(outer, parseCidr('::/0', false)!)).toBe(false);
  });
});
