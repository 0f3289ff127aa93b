// The addresses an aggregated flow was seen with (projectcalico/calico #10601): per side a bounded,
// sorted set of distinct IPs and a count of the ones that did not fit.
import { type Cidr, cidrContains, formatIp, parseCidr, parseIp } from '@verdict/engine';
import type { IpSet } from './model.ts';

/** At most this many addresses are kept per side of a flow. */
export const MAX_FLOW_IPS = 100;

/** The canonical text of an address (`10.0.0.1`, RFC 5952 IPv6), or undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip === undefined ? undefined : formatIp(ip);
}

/** A set of one address; undefined for an empty or unparsable one. */
export function ipSetOf(text: string | undefined): IpSet | undefined {
  if (!text) return undefined;
  const ip = canonicalIp(text);
  return ip === undefined ? undefined : { ips: [ip], beyond: 0 };
}

/**
 * The union of two sets, keeping the `MAX_FLOW_IPS` lowest addresses in plain string order; `beyond`
 * adds up what both had beyond plus what this union could not keep. Keeping the lowest makes the kept
 * addresses independent of merge order; `beyond` may count an address more than once when the same
 * address overflowed in several windows.
 */
export function mergeIpSets(a: IpSet | undefined, b: IpSet | undefined): IpSet | undefined {
  if (!a || a.ips.length + a.beyond === 0) return b && b.ips.length + b.beyond > 0 ? b : undefined;
  if (!b || b.ips.length + b.beyond === 0 || a === b) return a;
  const x = a.ips;
  const y = b.ips;
  if (y.length === 1 && b.beyond === 0 && x.includes(y[0]!)) return a;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const p = x[i];
    const q = y[j];
    if (q === undefined || (p !== undefined && p < q)) {
      out.push(p!);
      i++;
    } else if (p === undefined || q < p) {
      out.push(q);
      j++;
    } else {
      out.push(p);
      i++;
      j++;
    }
  }
  const over = Math.max(0, out.length - MAX_FLOW_IPS);
  if (over > 0) out.length = MAX_FLOW_IPS;
  return { ips: out, beyond: a.beyond + b.beyond + over };
}

/** Parses CIDR texts (bare addresses are host routes); the index of the first bad one otherwise. */
export function parseCidrList(texts: readonly string[]): { ok: true; cidrs: Cidr[] } | { ok: false; index: number } {
  const cidrs: Cidr[] = [];
  for (let i = 0; i < texts.length; i++) {
    const c = parseCidr(texts[i]!);
    if (!c) return { ok: false, index: i };
    cidrs.push(c);
  }
  return { ok: true, cidrs };
}

/** Whether a kept address of the set lies in one of the CIDRs; a flow without recorded addresses never does. */
export function ipSetInCidrs(set: IpSet | undefined, cidrs: readonly Cidr[]): boolean {
  if (!set) return false;
  for (const text of set.ips) {
    const ip = parseIp(text);
    if (ip && cidrs.some((c) => cidrContains(c, ip))) return true;
  }
  return false;
}
