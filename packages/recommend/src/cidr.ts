// IPv4 address aggregation for external peers: observed addresses become a few covering CIDRs,
// never one rule per address. IPv6 addresses are grouped per /64 (known limit: no wider merge).
import { formatIp, parseIpv4 } from '@verdict/engine';

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] as const;
/** Never part of a "public internet" fallback: private, shared (CGNAT), loopback, link-local (cloud metadata). */
export const NON_PUBLIC_V4: readonly string[] = [...PRIVATE_V4, '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'];
export const PRIVATE_RANGES_V4: readonly string[] = PRIVATE_V4;

interface V4Cidr {
  network: number;
  prefix: number;
}

const formatIpv4 = (value: number): string => formatIp({ family: 4, value });

const size = (prefix: number) => 2 ** (32 - prefix);
const networkOf = (value: number, prefix: number) => value - (value % size(prefix));

export function parseCidrV4(text: string): V4Cidr | undefined {
  const [address = '', bits = '32'] = text.split('/');
  const value = parseIpv4(address);
  const prefix = Number(bits);
  if (value === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return { network: networkOf(value, prefix), prefix };
}

export function cidrContainsIp(cidr: string, ip: string): boolean {
  const c = parseCidrV4(cidr);
  const v = parseIpv4(ip);
  return c !== undefined && v !== undefined && networkOf(v, c.prefix) === c.network;
}

export function isPrivateIpv4(ip: string): boolean {
  return PRIVATE_V4.some((cidr) => cidrContainsIp(cidr, ip));
}

/** Exact union: merges duplicates, covered CIDRs and sibling halves; never widens. */
export function collapseCidrs(cidrs: readonly string[]): string[] {
  let list = cidrs.map(parseCidrV4).filter((c): c is V4Cidr => c !== undefined);
  list.sort((a, b) => a.network - b.network || a.prefix - b.prefix);
  for (let changed = true; changed; ) {
    changed = false;
    const out: V4Cidr[] = [];
    for (const c of list) {
      const last = out[out.length - 1];
      if (last && networkOf(c.network, last.prefix) === last.network && c.prefix >= last.prefix) {
        changed = true; // covered
        continue;
      }
      if (
        last &&
        last.prefix === c.prefix &&
        c.prefix > 0 &&
        networkOf(last.network, c.prefix - 1) === networkOf(c.network, c.prefix - 1)
      ) {
        out[out.length - 1] = { network: networkOf(last.network, c.prefix - 1), prefix: c.prefix - 1 };
        changed = true;
        continue;
      }
      out.push(c);
    }
    list = out;
  }
  return list.map((c) => `${formatIpv4(c.network)}/${c.prefix}`);
}

/** Per `groupPrefix` block of the addresses: the smallest CIDR inside the block that covers its addresses. */
function coverWithin(values: readonly number[], groupPrefix: number): V4Cidr[] {
  const groups = new Map<number, number[]>();
  for (const v of values) {
    const g = networkOf(v, groupPrefix);
    groups.set(g, [...(groups.get(g) ?? []), v]);
  }
  return [...groups.values()].map((members) => {
    const lo = Math.min(...members);
    const hi = Math.max(...members);
    let prefix = 32;
    while (prefix > groupPrefix && networkOf(lo, prefix) !== networkOf(hi, prefix)) prefix--;
    return { network: networkOf(lo, prefix), prefix };
  });
}

export interface AggregateOptions {
  /** Addresses are never widened beyond this prefix while the result stays short (default 24). */
  prefix?: number;
  /** When more CIDRs than this remain, widen to /16 groups (default 8). */
  maxCidrs?: number;
}

/**
 * Covering CIDRs for observed IPv4 addresses: addresses of one /24 share the smallest CIDR that
 * covers them (a lone address stays /32), siblings merge, and a long list widens to /16 groups.
 */
export function aggregateAddresses(ips: readonly string[], options: AggregateOptions = {}): string[] {
  const values = [...new Set(ips.map(parseIpv4).filter((v): v is number => v !== undefined))];
  if (values.length === 0) return [];
  const maxCidrs = options.maxCidrs ?? 8;
  let prefix = options.prefix ?? 24;
  let out = collapseCidrs(coverWithin(values, prefix).map((c) => `${formatIpv4(c.network)}/${c.prefix}`));
  while (out.length > maxCidrs && prefix > 8) {
    prefix -= 8;
    out = collapseCidrs(coverWithin(values, prefix).map((c) => `${formatIpv4(c.network)}/${c.prefix}`));
  }
  return out;
}

/** The /16s holding these addresses (used to keep pod and node networks out of a private fallback). */
export function networksOf(ips: readonly string[], prefix = 16): string[] {
  const values = ips.map(parseIpv4).filter((v): v is number => v !== undefined);
  return collapseCidrs(values.map((v) => `${formatIpv4(networkOf(v, prefix))}/${prefix}`));
}
