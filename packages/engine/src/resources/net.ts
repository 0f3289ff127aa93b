// IP address and CIDR parsing with normalisation to the network address.

export interface Cidr {
  family: 4 | 6;
  /** Canonical text, host bits cleared: `10.9.0.0/16`, `fd00::/64`. */
  text: string;
  prefix: number;
  /** The network address as a big integer (32 or 128 bits). */
  bits: bigint;
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!V4_PART.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

function parseV6(text: string): bigint | undefined {
  if (text.includes('%')) return undefined;
  let groups: string[];
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  let head = split(halves[0] ?? '');
  let tail = halves.length === 2 ? split(halves[1] ?? '') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const expandV4 = (list: string[]): string[] | undefined => {
    const last = list[list.length - 1];
    if (last === undefined || !last.includes('.')) return list;
    const v4 = parseV4(last);
    if (v4 === undefined) return undefined;
    return [...list.slice(0, -1), (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
  };
  if (halves.length === 2) {
    const t = expandV4(tail);
    if (!t) return undefined;
    tail = t;
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else {
    const h = expandV4(head);
    if (!h) return undefined;
    head = h;
    if (head.length !== 8) return undefined;
    groups = head;
  }
  let out = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return out;
}

/** Parses an IPv4 or IPv6 address. */
export function parseIp(text: string): { family: 4 | 6; bits: bigint } | undefined {
  if (text.includes(':')) {
    const bits = parseV6(text);
    return bits === undefined ? undefined : { family: 6, bits };
  }
  const bits = parseV4(text);
  return bits === undefined ? undefined : { family: 4, bits };
}

export function formatIp(family: 4 | 6, bits: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((bits >> s) & 0xffn).toString()).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((bits >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups (length ≥ 2) becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/**
 * Parses `addr/prefix` (or, with `allowBareIp`, a plain address as /32 or /128) and clears the
 * host bits: `192.168.242.213/24` → `192.168.242.0/24`.
 */
export function parseCidr(text: string, allowBareIp: boolean): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 && !allowBareIp) return undefined;
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const width = addr.family === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > width) return undefined;
  }
  const hostBits = BigInt(width - prefix);
  const bits = (addr.bits >> hostBits) << hostBits;
  return { family: addr.family, prefix, bits, text: `${formatIp(addr.family, bits)}/${prefix}` };
}

/** True when `inner` lies inside `outer` (same family, longer or equal prefix). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const width = outer.family === 4 ? 32 : 128;
  const shift = BigInt(width - outer.prefix);
  return inner.bits >> shift === outer.bits >> shift;
}
