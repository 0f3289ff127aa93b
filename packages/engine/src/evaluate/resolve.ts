// Resolving a flow query: both ends to IP identities (pods, host endpoints, network sets, other
// IPs), the facts rules test, and how flow logs show each end.
import { cidrContains, isPrivateIpv4 } from '../net/ip.ts';
import { protocolNumber } from '../net/protocol.ts';
import { err, ok, type Result } from '../result.ts';
import { type IpIdentity, makeIdentity } from './cluster-index.ts';
import type { CompiledCluster } from './compile.ts';
import type { Entity } from './entities.ts';
import { describeEntity, type FlowFacts } from './rules.ts';
import type { EndpointInfo, EndpointRef, EndpointType, EvaluateError, FlowQuery } from './types.ts';

/** The identity of one end of a flow, or what is wrong with it. */
export function resolveEndpoint(
  cluster: CompiledCluster,
  endpoint: EndpointRef,
  path: string,
  family: 4 | 6 | undefined,
): IpIdentity | EvaluateError {
  const { index } = cluster;
  // Field reads rather than `in` checks: queries arrive in several shapes and this is the hot path.
  const { ip, namespace, name, hostEndpoint } = endpoint as Partial<{
    ip: string;
    namespace: string;
    name: string;
    hostEndpoint: string;
  }>;
  if (ip !== undefined) {
    return index.identify(ip) ?? { code: 'invalid-ip', message: `${ip} is not an IP address`, path: `${path}.ip` };
  }
  const entity =
    hostEndpoint !== undefined ? index.hostEndpointsByName.get(hostEndpoint) : index.pod(namespace ?? '', name ?? '');
  if (!entity) {
    const label = hostEndpoint !== undefined ? `host endpoint ${hostEndpoint}` : `pod ${namespace}/${name}`;
    return { code: 'unknown-endpoint', message: `${label} is not in the cluster state`, path };
  }
  const primary = index.primaryIdentity(entity);
  if (!primary) return { code: 'unknown-endpoint', message: `${describeEntity(entity)} has no IP address`, path };
  if (family === undefined || primary.family === family) return primary;
  // A dual-stack endpoint: use its address of the other end's family.
  const text = (entity.pod?.ips ?? entity.hostEndpoint?.expectedIPs ?? []).find(
    (candidate) => familyOf(candidate) === family,
  );
  const identity = text === undefined ? undefined : index.identify(text);
  if (!identity) return primary;
  // An IP shared by several endpoints belongs to the one named in the query.
  return identity.owner === entity ? identity : makeIdentity(identity.ip, identity.text, entity, identity.networkSets);
}

/** The protocol number, or what is wrong with the protocol or the destination port. */
export function checkService(protocol: string | number, destPort: number): number | EvaluateError {
  const number = protocolNumber(protocol);
  if (number === undefined) {
    return {
      code: 'invalid-protocol',
      message: `protocol ${String(protocol)} is not a protocol name or number 0-255`,
      path: 'protocol',
    };
  }
  if (!Number.isInteger(destPort) || destPort < 0 || destPort > 65535) {
    return { code: 'invalid-port', message: `port ${String(destPort)} is not a number 0-65535`, path: 'destPort' };
  }
  return number;
}

/** Both ends of a flow resolved, or the first error; see resolvePair. */
export interface ResolvedPair {
  src: IpIdentity;
  dst: IpIdentity;
  error: EvaluateError | undefined;
}

/**
 * Resolves both ends: the source in the family of whichever end is an IP, the destination in the
 * source's family. Returns one object reused by every call (this is the hot path of every
 * evaluation); read it before the next call.
 */
export function resolvePair(cluster: CompiledCluster, source: EndpointRef, destination: EndpointRef): ResolvedPair {
  const pair = reused;
  const sourceIp = (source as { ip?: string }).ip;
  const destinationIp = (destination as { ip?: string }).ip;
  const family =
    sourceIp !== undefined ? familyOf(sourceIp) : destinationIp !== undefined ? familyOf(destinationIp) : undefined;
  const src = resolveEndpoint(cluster, source, 'source', family);
  if ('code' in src) {
    pair.error = src;
    return pair;
  }
  const dst = resolveEndpoint(cluster, destination, 'destination', src.family);
  if ('code' in dst) {
    pair.error = dst;
    return pair;
  }
  if (src.family !== dst.family) {
    pair.error = {
      code: 'mixed-families',
      message: 'source and destination are of different IP families',
      path: 'destination',
    };
    return pair;
  }
  pair.src = src;
  pair.dst = dst;
  pair.error = undefined;
  return pair;
}

const unresolved: IpIdentity = makeIdentity({ family: 4, value: 0 }, '', undefined, []);
const reused: ResolvedPair = { src: unresolved, dst: unresolved, error: undefined };

/** Checks the query and resolves both ends. */
export function resolveEnds(
  cluster: CompiledCluster,
  query: FlowQuery,
): Result<{ src: IpIdentity; dst: IpIdentity; protocol: number }, EvaluateError> {
  const protocol = checkService(query.protocol, query.destPort);
  if (typeof protocol !== 'number') return err(protocol);
  const pair = resolvePair(cluster, query.source, query.destination);
  if (pair.error !== undefined) return err(pair.error);
  return ok({ src: pair.src, dst: pair.dst, protocol });
}

export function resolveFlow(cluster: CompiledCluster, query: FlowQuery): Result<FlowFacts, EvaluateError> {
  const ends = resolveEnds(cluster, query);
  return ends.ok
    ? ok(factsOf(ends.value.src, ends.value.dst, ends.value.protocol, query.destPort, query.sourcePort, query.icmp))
    : ends;
}

export function factsOf(
  src: IpIdentity,
  dst: IpIdentity,
  protocol: number,
  dstPort: number,
  srcPort: number | undefined,
  icmp: FlowQuery['icmp'],
): FlowFacts {
  return { family: src.family, protocol, srcIp: src.text, dstIp: dst.text, src, dst, srcPort, dstPort, icmp };
}

function familyOf(ip: string): 4 | 6 | undefined {
  return ip.includes(':') ? 6 : ip.includes('.') ? 4 : undefined;
}

/** How flow logs show the endpoint; computed once per IP identity. */
export function endpointInfo(identity: IpIdentity): EndpointInfo {
  identity.info ??= describeEndpoint(identity, identity.text);
  return identity.info;
}

function describeEndpoint(identity: IpIdentity, ip: string): EndpointInfo {
  const owner = identity.owner;
  if (owner) {
    const type: EndpointType = owner.kind === 'pod' ? 'WorkloadEndpoint' : 'HostEndpoint';
    const pod = owner.pod;
    return {
      type,
      name: owner.name,
      aggregatedName: pod?.owner
        ? `${pod.owner}-*`
        : type === 'HostEndpoint'
          ? (owner.hostEndpoint?.node ?? owner.name)
          : owner.name,
      namespace: owner.namespace ?? '-',
      ip,
      labels: visibleLabels(pod?.labels ?? owner.hostEndpoint?.labels ?? {}),
    };
  }
  const set = mostSpecificSet(identity);
  if (set) {
    return {
      type: 'NetworkSet',
      name: set.name,
      aggregatedName: set.name,
      namespace: set.namespace ?? '-',
      ip,
      labels: visibleLabels(set.networkSet?.labels ?? {}),
    };
  }
  const name = identity.ip.family === 4 && isPrivateIpv4(identity.ip.value) ? 'pvt' : 'pub';
  return { type: 'Network', name, aggregatedName: name, namespace: '-', ip, labels: [] };
}

/** Flow logs name the network set with the longest prefix containing the IP. */
function mostSpecificSet(identity: IpIdentity): Entity | undefined {
  let best: Entity | undefined;
  let bestPrefix = -1;
  for (const set of identity.networkSets) {
    for (const cidr of set.nets) {
      if (cidr.prefix > bestPrefix && cidrContains(cidr, identity.ip)) {
        best = set;
        bestPrefix = cidr.prefix;
      }
    }
  }
  return best;
}

function visibleLabels(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels)
    .filter(([key]) => !key.startsWith('projectcalico.org/'))
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}
