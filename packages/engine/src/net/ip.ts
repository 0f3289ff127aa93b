// IPv4/IPv6 addresses and CIDRs. IPv4 values are unsigned 32-bit numbers; IPv6 values are bigints.

export type IpFamily = 4 | 6;

export type Ip = { family: 4; value: number } | { family: 6; value: bigint };

export type Cidr = { family: 4; network: number; prefix: number } | { family: 6; network: bigint; prefix: number };

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function parseIpv6(text: string): bigint | undefined {
  if (!text.includes(':')) return undefined;
  let head = text;
  let tail = '';
  let v4Tail: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4Tail = parseIpv4(text.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const double = head.indexOf('::');
  if (double !== -1) {
    if (head.indexOf('::', double + 1) !== -1) return undefined;
    tail = head.slice(double + 2);
    head = head.slice(0, double);
  }
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  if (double === -1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...headGroups, ...Array<string>(double === -1 ? 0 : missing).fill('0'), ...tailGroups];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  if (v4Tail !== undefined) value = (value & ~0xffffffffn) | BigInt(v4Tail);
  return value;
}

export function parseIp(text: string): Ip | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/**
 * Parses `a.b.c.d/n` or an IPv6 CIDR and clears the host bits (`192.168.242.213/24` → `192.168.242.0/24`);
 * a bare IP is a /32 or /128 unless `allowBareIp` is false.
 */
export function parseCidr(text: string, allowBareIp = true): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1 && !allowBareIp) return undefined;
  const address = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(address);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return undefined;
    prefix = Number(bits);
    if (prefix > max) return undefined;
  }
  if (ip.family === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { family: 4, network: (ip.value & mask) >>> 0, prefix };
  }
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix);
  return { family: 6, network: ip.value & mask, prefix };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family === 4) {
    if (ip.family !== 4) return false;
    const mask = cidr.prefix === 0 ? 0 : (0xffffffff << (32 - cidr.prefix)) >>> 0;
    return (ip.value & mask) >>> 0 === cidr.network;
  }
  if (ip.family !== 6) return false;
  const shift = BigInt(128 - cidr.prefix);
  return ip.value >> shift === cidr.network >> shift;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.family === 4 ? { family: 4, value: cidr.network } : { family: 6, value: cidr.network })}/${cidr.prefix}`;
}

/** Dotted quad, or RFC 5952 IPv6 text (the longest run of two or more zero groups becomes `::`). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    const v = ip.value;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (list: number[]) => list.map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** True when `inner` lies inside `outer` (same family, equal or longer prefix). */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  return inner.family === 4
    ? cidrContains(outer, { family: 4, value: inner.network })
    : cidrContains(outer, { family: 6, value: inner.network });
}

/** RFC 1918 private ranges, which Goldmane names `pvt`; everything else external is `pub`. */
export function isPrivateIpv4(value: number): boolean {
  return value >>> 24 === 10 || value >>> 20 === (172 << 4) + 1 || value >>> 16 === (192 << 8) + 168;
}

/**
 * A few addresses inside a CIDR for probing what it stands for: its first host, middle and last
 * host (the network address too, for an IPv4 /31 or /32). IPv6 CIDRs give their network address.
 */
export function sampleAddresses(text: string): string[] {
  const cidr = parseCidr(text);
  if (!cidr) return [];
  if (cidr.family === 6) return [formatIp({ family: 6, value: cidr.network })];
  const size = 2 ** (32 - cidr.prefix);
  const offsets = size <= 2 ? [0] : [1, Math.floor(size / 2), size - 2];
  return [...new Set(offsets.map((offset) => formatIp({ family: 4, value: (cidr.network + offset) >>> 0 })))];
}
