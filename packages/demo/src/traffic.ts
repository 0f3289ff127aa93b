// The demo traffic generator: turns the call graph (callgraph.ts) into a deterministic stream of
// raw flows over simulated time, resolved against the cluster's pods, services and nodes.
import { type ClusterState, formatIp, type Pod, parseCidr, type Service } from '@verdict/engine';
import type { EndpointRef, RawFlow } from '@verdict/flows';
import { type CallDestination, type CallEdge, type CallSource, DEMO_CALL_GRAPH } from './callgraph.ts';
import { createRandom, type Random } from './prng.ts';

/** The parts of the cluster the generator reads; a whole `ClusterState` will do. */
export type TrafficCluster = Pick<ClusterState, 'pods' | 'services' | 'hostEndpoints'> &
  Partial<Pick<ClusterState, 'endpointSlices'>>;

export interface TrafficGeneratorOptions {
  cluster: TrafficCluster;
  seed: number;
  /** Unix seconds at which simulated time starts. */
  now: number;
  /** Length of one simulated step in seconds; each step reports its connections as flows. Default 5. */
  stepSeconds?: number;
  /** Default: the demo shop's call graph. */
  edges?: readonly CallEdge[];
}

/** A raw flow and the call-graph edge that produced it. */
export interface TaggedFlow {
  edge: string;
  flow: RawFlow;
}

export interface TrafficGenerator {
  /** Unix seconds up to which traffic has been generated. */
  readonly now: number;
  /**
   * Flows for every whole step that ends at or before `untilUnixSeconds`, ordered by start time.
   * The output depends only on the seed and the time reached, not on how the calls are split.
   * Byte and packet counters are from the client's side: `Out` = sent by the source.
   */
  next(untilUnixSeconds: number): RawFlow[];
  /** Like `next`, with the id of the call-graph edge behind each flow. */
  nextTagged(untilUnixSeconds: number): TaggedFlow[];
}

/**
 * Creates a generator of the demo shop's traffic. Edges whose workloads, services or nodes are
 * missing from the cluster produce nothing.
 */
export function createTrafficGenerator(options: TrafficGeneratorOptions): TrafficGenerator {
  const step = options.stepSeconds ?? 5;
  if (!(step > 0)) throw new RangeError(`stepSeconds must be positive, got ${step}`);
  const random = createRandom(options.seed);
  const lanes = compileLanes(options.edges ?? DEMO_CALL_GRAPH, indexCluster(options.cluster), random);
  let cursor = Math.floor(options.now);
  let stepIndex = 0;

  const nextTagged = (until: number): TaggedFlow[] => {
    const out: TaggedFlow[] = [];
    while (cursor + step <= until) {
      for (const lane of lanes) emitLane(lane, cursor, step, stepIndex === 0, random, out);
      cursor += step;
      stepIndex++;
    }
    return out.sort((a, b) => a.flow.startTime - b.flow.startTime);
  };
  return {
    get now() {
      return cursor;
    },
    nextTagged,
    next: (until) => nextTagged(until).map((tagged) => tagged.flow),
  };
}

// ---------------------------------------------------------------------------------------------
// Cluster index

interface ClusterIndex {
  /** Pods sorted by namespace and name, so that the input order does not matter. */
  pods: readonly Pod[];
  byWorkload: ReadonlyMap<string, readonly Pod[]>;
  services: ReadonlyMap<string, Service>;
  /** `namespace/service` → addresses of its EndpointSlices (selector-less services). */
  sliceAddresses: ReadonlyMap<string, readonly string[]>;
  /** Node name → node IP (first expected IP of its HostEndpoint). */
  nodeIPs: ReadonlyMap<string, string>;
  podByIP: ReadonlyMap<string, Pod>;
}

function indexCluster(cluster: TrafficCluster): ClusterIndex {
  const pods = [...cluster.pods].sort((a, b) => compare(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
  const byWorkload = new Map<string, Pod[]>();
  const podByIP = new Map<string, Pod>();
  for (const pod of pods) {
    const app = workloadName(pod);
    if (app !== undefined) {
      const key = `${pod.namespace}/${app}`;
      byWorkload.set(key, [...(byWorkload.get(key) ?? []), pod]);
    }
    if (!pod.hostNetwork) for (const ip of pod.ips) podByIP.set(ip, pod);
  }
  const services = new Map(cluster.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const sliceAddresses = new Map<string, string[]>();
  for (const slice of cluster.endpointSlices ?? []) {
    const key = `${slice.namespace}/${slice.serviceName}`;
    sliceAddresses.set(key, [...(sliceAddresses.get(key) ?? []), ...slice.addresses]);
  }
  const nodeIPs = new Map<string, string>();
  for (const hep of [...cluster.hostEndpoints].sort((a, b) => compare(a.name, b.name))) {
    const ip = hep.expectedIPs[0];
    if (ip !== undefined && !nodeIPs.has(hep.node)) nodeIPs.set(hep.node, ip);
  }
  return { pods, byWorkload, services, sliceAddresses, nodeIPs, podByIP };
}

// ---------------------------------------------------------------------------------------------
// Lanes: one source with its candidate destinations, for one edge

/** A fixed endpoint, or a CIDR from which every connection draws a fresh address. */
type Place = { ref: EndpointRef } | { cidr: Cidr };

interface Target {
  place: Place;
  port: number;
  service?: NonNullable<RawFlow['destService']>;
}

interface Lane {
  edge: CallEdge;
  source: Place;
  targets: readonly Target[];
  /** Pooled connections: fixed targets and source ports. */
  pool: readonly { target: Target; sourcePort: number }[];
}

function compileLanes(edges: readonly CallEdge[], cluster: ClusterIndex, random: Random): Lane[] {
  const lanes: Lane[] = [];
  for (const edge of edges) {
    for (const { source, targets } of pairs(edge, cluster)) {
      if (targets.length === 0) continue;
      const groups = edge.perTarget ? targets.map((t) => [t]) : [targets];
      for (const group of groups) {
        const pool = Array.from({ length: edge.pool ?? 0 }, (_, i) => ({
          target: group[(lanes.length + i) % group.length] as Target,
          sourcePort: random.int(32768, 60999),
        }));
        lanes.push({ edge, source, targets: group, pool });
      }
    }
  }
  return lanes;
}

function pairs(edge: CallEdge, cluster: ClusterIndex): { source: Place; targets: Target[] }[] {
  const from = edge.from;
  if ('kubelet' in from) {
    // Each destination pod is probed by its own node.
    return resolveTargets(edge.to, edge.protocol, cluster).flatMap((target) => {
      const pod = 'ref' in target.place ? podOf(target.place.ref, cluster) : undefined;
      const nodeIP = pod?.nodeName === undefined ? undefined : cluster.nodeIPs.get(pod.nodeName);
      return nodeIP === undefined ? [] : [{ source: { ref: { ip: nodeIP } }, targets: [target] }];
    });
  }
  if ('external' in from) {
    return [{ source: { cidr: ipv4Range(from.external) }, targets: resolveTargets(edge.to, edge.protocol, cluster) }];
  }
  return sourcePods(from, cluster).map((pod) => ({
    source: { ref: { namespace: pod.namespace, name: pod.name } },
    // A pod does not call itself (kafka replication).
    targets: resolveTargets(edge.to, edge.protocol, cluster).filter(
      (t) => !('ref' in t.place && 'name' in t.place.ref && refKey(t.place.ref) === `${pod.namespace}/${pod.name}`),
    ),
  }));
}

function sourcePods(from: Exclude<CallSource, { kubelet: true } | { external: string }>, cluster: ClusterIndex): Pod[] {
  if ('allPods' in from) {
    const except = new Set(from.except ?? []);
    return cluster.pods.filter((p) => !p.hostNetwork && !except.has(`${p.namespace}/${workloadName(p)}`));
  }
  if ('pods' in from) return [...(cluster.byWorkload.get(from.pods) ?? [])];
  const first = cluster.byWorkload.get(from.pod)?.[0];
  return first === undefined ? [] : [first];
}

function resolveTargets(to: CallDestination, protocol: string, cluster: ClusterIndex): Target[] {
  const at = podTarget;
  const ip = (address: string, port: number): Target => {
    const pod = cluster.podByIP.get(address);
    return pod === undefined ? { place: { ref: { ip: address } }, port } : at(pod, port);
  };
  if ('service' in to) return serviceTargets(to.service, to.port, cluster, ip);
  if ('pods' in to) {
    return (cluster.byWorkload.get(to.pods) ?? []).flatMap((pod) => {
      const port = typeof to.port === 'number' ? to.port : namedPort(pod, to.port, protocol);
      return port === undefined ? [] : [at(pod, port)];
    });
  }
  if ('scrape' in to) {
    return cluster.pods.flatMap((pod) => {
      const port = pod.hostNetwork ? undefined : namedPort(pod, to.scrape, protocol);
      return port === undefined ? [] : [at(pod, port)];
    });
  }
  if ('nodes' in to) return [...cluster.nodeIPs.values()].map((address) => ip(address, to.nodes));
  if ('namespace' in to) {
    const pods = cluster.pods.filter((p) => p.namespace === to.namespace && !p.hostNetwork);
    return pods.flatMap((pod) => to.ports.map((port) => at(pod, port)));
  }
  const cidr = ipv4Range(to.ip);
  return [cidr.size === 1 ? ip(to.ip.split('/')[0] as string, to.port) : { place: { cidr }, port: to.port }];
}

function serviceTargets(
  name: string,
  portName: string,
  cluster: ClusterIndex,
  ip: (address: string, port: number) => Target,
): Target[] {
  const service = cluster.services.get(name);
  const servicePort = service?.ports.find((p) => p.name === portName);
  if (service === undefined || servicePort === undefined) return [];
  const destService = { namespace: service.namespace, name: service.name, portName, port: servicePort.port };
  const protocol = protocolName(servicePort.protocol);
  const selector = service.selector;
  let targets: Target[];
  if (selector === undefined) {
    const port = typeof servicePort.targetPort === 'number' ? servicePort.targetPort : undefined;
    const addresses = cluster.sliceAddresses.get(name) ?? [];
    targets = port === undefined ? [] : addresses.map((address) => ip(address, port));
  } else {
    const backends = cluster.pods.filter(
      (pod) => pod.namespace === service.namespace && Object.entries(selector).every(([k, v]) => pod.labels[k] === v),
    );
    targets = backends.flatMap((pod) => {
      const port =
        typeof servicePort.targetPort === 'number'
          ? servicePort.targetPort
          : namedPort(pod, servicePort.targetPort, protocol);
      return port === undefined ? [] : [podTarget(pod, port)];
    });
  }
  return targets.map((t) => ({ ...t, service: destService }));
}

function workloadName(pod: Pod): string | undefined {
  return pod.labels.app ?? pod.labels['app.kubernetes.io/name'];
}

/** A pod on the host network has no endpoint of its own: it is addressed by its (node) IP. */
function podTarget(pod: Pod, port: number): Target {
  const ip = pod.ips[0];
  return pod.hostNetwork && ip !== undefined
    ? { place: { ref: { ip } }, port }
    : { place: { ref: { namespace: pod.namespace, name: pod.name } }, port };
}

function namedPort(pod: Pod, name: string, protocol: string): number | undefined {
  const number = PROTOCOL_NUMBERS[protocol];
  return pod.ports.find((p) => p.name === name && (number === undefined || p.protocol === number))?.port;
}

function podOf(ref: EndpointRef, cluster: ClusterIndex): Pod | undefined {
  if ('ip' in ref) return cluster.podByIP.get(ref.ip);
  return cluster.pods.find((p) => p.namespace === ref.namespace && p.name === ref.name);
}

// ---------------------------------------------------------------------------------------------
// Emitting one step of one lane

const HEADER_BYTES = 66; // Ethernet + IPv4 + TCP with timestamps, per packet
const MSS = 1448;

function emitLane(lane: Lane, start: number, step: number, first: boolean, random: Random, out: TaggedFlow[]): void {
  const { edge } = lane;
  if (lane.pool.length > 0) {
    // Pooled connections stay open; each step reports their requests and keeps them live.
    const byTarget = new Map<Target, { count: number; sourcePort: number }>();
    for (const { target, sourcePort } of lane.pool) {
      const entry = byTarget.get(target);
      if (entry === undefined) byTarget.set(target, { count: 1, sourcePort });
      else entry.count++;
    }
    for (const [target, { count, sourcePort }] of byTarget) {
      const requests = random.poisson((edge.perMinute * step * count) / 60);
      const counters = exchange(edge, Math.max(requests, 1), random, requests === 0);
      out.push({
        edge: edge.id,
        flow: {
          ...endpoints(lane.source, target, random),
          sourcePort,
          protocol: edge.protocol,
          startTime: start,
          ...counters,
          connectionsStarted: first ? count : 0,
          connectionsCompleted: 0,
          connectionsLive: count,
        },
      });
    }
    return;
  }

  const connections = random.poisson((edge.perMinute * step) / 60);
  // Connections between the same two endpoints in one step are reported as one flow.
  const flows = new Map<string, TaggedFlow>();
  for (let i = 0; i < connections; i++) {
    const target = random.pick(lane.targets);
    const ends = endpoints(lane.source, target, random);
    const key = `${refKey(ends.source)}>${refKey(ends.destination)}:${target.port}`;
    const counters = exchange(edge, 1, random, false);
    const startTime = start + Math.floor(random.next() * step);
    const existing = flows.get(key);
    if (existing === undefined) {
      flows.set(key, {
        edge: edge.id,
        flow: {
          ...ends,
          sourcePort: random.int(32768, 60999),
          protocol: edge.protocol,
          startTime,
          ...counters,
          connectionsStarted: 1,
          connectionsCompleted: edge.unanswered ? 0 : 1,
          connectionsLive: 0,
        },
      });
    } else {
      const f = existing.flow;
      f.startTime = Math.min(f.startTime, startTime);
      f.packetsIn = (f.packetsIn ?? 0) + counters.packetsIn;
      f.packetsOut = (f.packetsOut ?? 0) + counters.packetsOut;
      f.bytesIn = (f.bytesIn ?? 0) + counters.bytesIn;
      f.bytesOut = (f.bytesOut ?? 0) + counters.bytesOut;
      f.connectionsStarted = (f.connectionsStarted ?? 0) + 1;
      f.connectionsCompleted = (f.connectionsCompleted ?? 0) + (edge.unanswered ? 0 : 1);
    }
  }
  for (const tagged of flows.values()) out.push(tagged);
}

function endpoints(
  source: Place,
  target: Target,
  random: Random,
): Pick<RawFlow, 'source' | 'destination' | 'destPort' | 'destService'> {
  const ends = { source: place(source, random), destination: place(target.place, random), destPort: target.port };
  return target.service === undefined ? ends : { ...ends, destService: target.service };
}

function place(p: Place, random: Random): EndpointRef {
  return 'ref' in p ? p.ref : { ip: randomAddress(p.cidr, random) };
}

/** Packet and byte counters of `requests` exchanges; `idle` = keep-alives only. */
function exchange(edge: CallEdge, requests: number, random: Random, idle: boolean) {
  const tcp = edge.protocol === 'TCP';
  if (edge.unanswered) {
    // The SYN and two retransmissions, no answer.
    const packets = tcp ? 3 : 1;
    return { packetsOut: packets, bytesOut: packets * (tcp ? 74 : 60), packetsIn: 0, bytesIn: 0 };
  }
  let sent = 0;
  let received = 0;
  if (!idle) {
    for (let i = 0; i < requests; i++) {
      sent += random.logUniform(edge.sent[0], edge.sent[1]);
      received += random.logUniform(edge.received[0], edge.received[1]);
    }
  }
  const overhead = tcp && edge.pool === undefined ? 3 : 0; // handshake and close
  const packetsOut = Math.max(1, Math.ceil(sent / MSS) + overhead + (tcp ? requests : 0));
  const packetsIn = idle ? 1 : Math.max(1, Math.ceil(received / MSS) + overhead);
  return {
    packetsOut,
    bytesOut: sent + packetsOut * HEADER_BYTES,
    packetsIn,
    bytesIn: received + packetsIn * HEADER_BYTES,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

function protocolName(number: number): string {
  return Object.entries(PROTOCOL_NUMBERS).find(([, n]) => n === number)?.[0] ?? String(number);
}

interface Cidr {
  base: number;
  size: number;
}

function ipv4Range(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr?.family !== 4) throw new RangeError(`not an IPv4 CIDR: ${text}`);
  return { base: cidr.network, size: 2 ** (32 - cidr.prefix) };
}

/** A host address of the CIDR (not the network or broadcast address when there are others). */
function randomAddress(cidr: Cidr, random: Random): string {
  const offset = cidr.size <= 2 ? random.int(0, cidr.size - 1) : random.int(1, cidr.size - 2);
  const value = cidr.base + offset;
  return formatIp({ family: 4, value: value >>> 0 });
}

function refKey(ref: EndpointRef): string {
  return 'ip' in ref ? ref.ip : `${ref.namespace}/${ref.name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
