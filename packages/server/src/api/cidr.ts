// CIDR filters over aggregated flows. Stored flows carry no IPs, so an endpoint matches when one of
// the addresses it stands for in the current cluster state lies in a filter CIDR: the pod IPs of
// the workload, the host endpoint's IPs, the network set's nets (overlap). `pvt` matches a CIDR
// that overlaps RFC 1918 space and `pub` one that is not wholly inside it, unless a network set
// covers the whole CIDR (an approximation: partial cover by network sets is not subtracted).
import type { ClusterState } from '@verdict/engine';

export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256n + BigInt(p), 0n);
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let groups: string[];
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const last = (tail.length > 0 ? tail : head).at(-1) ?? '';
  let v4: bigint | undefined;
  if (last.includes('.')) {
    v4 = parseV4(last);
    if (v4 === undefined) return undefined;
    (tail.length > 0 ? tail : head).pop();
  }
  const width = 8 - (v4 === undefined ? 0 : 2);
  if (halves.length === 2) {
    const fill = width - head.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  } else groups = head;
  if (groups.length !== width || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let value = groups.reduce((acc, g) => (acc << 16n) + BigInt(Number.parseInt(g, 16)), 0n);
  if (v4 !== undefined) value = (value << 32n) + v4;
  return value;
}

function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);
const mask = (family: 4 | 6, prefix: number) => ((1n << BigInt(prefix)) - 1n) << BigInt(bits(family) - prefix);

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a host route); undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const prefixText = slash < 0 ? String(bits(ip.family)) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits(ip.family)) return undefined;
  return { family: ip.family, network: ip.value & mask(ip.family, prefix), prefix };
}

/** Whether two CIDRs share an address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const m = mask(a.family, Math.min(a.prefix, b.prefix));
  return (a.network & m) === (b.network & m);
}

const contains = (outer: Cidr, inner: Cidr) =>
  outer.family === inner.family && outer.prefix <= inner.prefix && overlaps(outer, inner);

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

export interface FlowEndpoint {
  type: string;
  namespace: string;
  name: string;
}

/** A predicate "does this flow endpoint stand for an address in one of `cidrs`", memoised per endpoint. */
export function endpointInCidrs(state: ClusterState, cidrs: readonly Cidr[]): (e: FlowEndpoint) => boolean {
  const memo = new Map<string, boolean>();
  const setNets = state.networkSets.flatMap((s) => s.nets.flatMap((n) => parseCidr(n) ?? []));
  /** Filter CIDRs with an address that flow logs would show as a bare network (not in a network set). */
  const bare = cidrs.filter((f) => !setNets.some((n) => contains(n, f)));
  const anyIn = (texts: readonly string[]) =>
    texts.some((t) => {
      const c = parseCidr(t);
      return c !== undefined && cidrs.some((f) => overlaps(f, c));
    });
  const decide = (e: FlowEndpoint): boolean => {
    switch (e.type) {
      case 'WorkloadEndpoint':
        return state.pods.some(
          (p) => p.namespace === e.namespace && (p.owner ? `${p.owner}-*` : p.name) === e.name && anyIn(p.ips),
        );
      case 'HostEndpoint':
        return state.hostEndpoints.some((h) => (h.node || h.name) === e.name && anyIn(h.expectedIPs));
      case 'NetworkSet':
        return state.networkSets.some(
          (s) => s.name === e.name && (s.namespace ?? '-') === e.namespace && anyIn(s.nets),
        );
      default:
        if (e.name === 'pvt') return bare.some((f) => PRIVATE.some((p) => overlaps(f, p)));
        if (e.name === 'pub') return bare.some((f) => !PRIVATE.some((p) => contains(p, f)));
        return false;
    }
  };
  return (e) => {
    const key = `${e.type}\0${e.namespace}\0${e.name}`;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = decide(e)));
    return v;
  };
}
