// CIDR filters over aggregated flows. Stored flows carry no IPs, so an endpoint matches when one of
// the addresses it stands for in the current cluster state lies in a filter CIDR: the pod IPs of
// the workload, the host endpoint's IPs, the network set's nets (overlap). `pvt` matches a CIDR
// that overlaps RFC 1918 space and `pub` one that is not wholly inside it, unless a network set
// covers the whole CIDR (an approximation: partial cover by network sets is not subtracted).
import type { Cidr, ClusterState } from '@verdict/engine';
import { cidrContains, parseCidr } from '@verdict/engine';

/** Whether two CIDRs share an address: the wider one holds the other's network address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const [wide, narrow] = a.prefix <= b.prefix ? [a, b] : [b, a];
  return narrow.family === 4
    ? cidrContains(wide, { family: 4, value: narrow.network })
    : cidrContains(wide, { family: 6, value: narrow.network });
}

const covers = (outer: Cidr, inner: Cidr) => outer.prefix <= inner.prefix && cidrsOverlap(outer, inner);

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].flatMap((c) => parseCidr(c) ?? []);

/** One end of a flow key. */
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
  const bare = cidrs.filter((f) => !setNets.some((n) => covers(n, f)));
  const anyIn = (texts: readonly string[]) =>
    texts.some((t) => {
      const c = parseCidr(t);
      return c !== undefined && cidrs.some((f) => cidrsOverlap(f, c));
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
        if (e.name === 'pvt') return bare.some((f) => PRIVATE.some((p) => cidrsOverlap(f, p)));
        if (e.name === 'pub') return bare.some((f) => !PRIVATE.some((p) => covers(p, f)));
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
