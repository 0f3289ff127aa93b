// Observation: the cluster's workloads as flow logs name them, and flow records folded into
// connections (one per endpoint pair, port and protocol, whichever side reported them).
import type { ClusterState, HostEndpoint, NetworkSet, Pod } from '@verdict/engine';
import { pendingVerdict } from '@verdict/flows';
import { type StableSelector, stableSelector, workloadName } from './labels.ts';
import type { FlowInput, ObservedFlow } from './model.ts';

export interface Workload {
  namespace: string;
  /** Display name (stable label value or owner). */
  name: string;
  /** Goldmane's aggregated name (`<owner>-*`, or the pod name). */
  aggregatedName: string;
  pods: readonly Pod[];
  selector: StableSelector;
}

/** The cluster as the recommender reads it. */
export interface ClusterView {
  state: ClusterState;
  workloads: ReadonlyMap<string, Workload>;
  byNamespace: ReadonlyMap<string, readonly Workload[]>;
  hostEndpoints: readonly HostEndpoint[];
  /** Host endpoint by node name (flow logs name host endpoints by node). */
  nodes: ReadonlyMap<string, HostEndpoint>;
  /** Node IPs; pods on the host network share them. */
  nodeIPs: readonly string[];
  networkSets: readonly NetworkSet[];
  apiServer: { addresses: readonly string[]; ports: readonly number[] };
  /** The pods that answer cluster DNS (kube-dns Service backends, else `k8s-app=kube-dns`). */
  dns: Workload | undefined;
  /** Every pod and node address, to keep them out of private-range fallbacks. */
  clusterIPs: readonly string[];
}

export const aggregatedNameOf = (pod: Pod) => (pod.owner ? `${pod.owner}-*` : pod.name);
export const workloadKey = (namespace: string, aggregatedName: string) => `${namespace}\0${aggregatedName}`;

export function viewCluster(state: ClusterState): ClusterView {
  const podsByNamespace = new Map<string, Pod[]>();
  const groups = new Map<string, Pod[]>();
  for (const pod of state.pods) {
    if (pod.hostNetwork) continue;
    podsByNamespace.set(pod.namespace, [...(podsByNamespace.get(pod.namespace) ?? []), pod]);
    const key = workloadKey(pod.namespace, aggregatedNameOf(pod));
    groups.set(key, [...(groups.get(key) ?? []), pod]);
  }
  const workloads = new Map<string, Workload>();
  const byNamespace = new Map<string, Workload[]>();
  for (const [key, pods] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const first = pods[0] as Pod;
    const w: Workload = {
      namespace: first.namespace,
      name: workloadName(pods),
      aggregatedName: aggregatedNameOf(first),
      pods,
      selector: stableSelector(pods, podsByNamespace.get(first.namespace) ?? []),
    };
    workloads.set(key, w);
    byNamespace.set(w.namespace, [...(byNamespace.get(w.namespace) ?? []), w]);
  }
  // Two workloads sharing a display name (pods without an owner, one label value) would share a
  // policy name, and the second draft would replace the first: they are named by owner or pod instead.
  for (const list of byNamespace.values()) {
    const counts = new Map<string, number>();
    for (const w of list) counts.set(w.name, (counts.get(w.name) ?? 0) + 1);
    for (const w of list) if ((counts.get(w.name) ?? 0) > 1) w.name = w.aggregatedName.replace(/-\*$/, '');
  }
  const nodes = new Map(state.hostEndpoints.map((h) => [h.node, h]));
  const slices = state.endpointSlices.filter((s) => s.namespace === 'default' && s.serviceName === 'kubernetes');
  const apiServer = {
    addresses: [...new Set(slices.flatMap((s) => s.addresses))].sort(),
    ports: [
      ...new Set(slices.flatMap((s) => s.ports.map((p) => p.port).filter((p): p is number => p !== undefined))),
    ].sort((a, b) => a - b),
  };
  const dnsService = state.services.find((s) => s.namespace === 'kube-system' && s.name === 'kube-dns');
  const dnsLabels = dnsService?.selector ?? { 'k8s-app': 'kube-dns' };
  const dnsPod = (podsByNamespace.get('kube-system') ?? []).find((p) =>
    Object.entries(dnsLabels).every(([k, v]) => p.labels[k] === v),
  );
  const dns = dnsPod ? workloads.get(workloadKey('kube-system', aggregatedNameOf(dnsPod))) : undefined;
  const nodeIPs = [...new Set(state.hostEndpoints.flatMap((h) => h.expectedIPs))].sort();
  return {
    state,
    workloads,
    byNamespace,
    hostEndpoints: state.hostEndpoints,
    nodes,
    nodeIPs,
    networkSets: state.networkSets,
    apiServer,
    dns,
    clusterIPs: [...state.pods.flatMap((p) => p.ips), ...nodeIPs],
  };
}

// ---------------------------------------------------------------------------------------------
// Connections

export interface End {
  type: 'WorkloadEndpoint' | 'HostEndpoint' | 'NetworkSet' | 'Network';
  namespace: string;
  name: string;
  labels: readonly string[];
}

export interface Connection {
  source: End;
  destination: End;
  destPort: number;
  /** Lower-case protocol name as in flow keys (`tcp`, `udp`, `icmp`, or a number). */
  proto: string;
  service: { namespace: string; name: string } | undefined;
  /** Denied by either side today (enforced). */
  denied: boolean;
  /** Allowed today but the pending (staged) trace of some side denies it. */
  pendingDenied: boolean;
  flows: number;
  connections: number;
  firstSeen: number;
  lastSeen: number;
  /** Concrete addresses, when the input carried them. */
  sourceIPs: Set<string>;
  destIPs: Set<string>;
  /** True when some record of a `Network` end had no address. */
  sourceIPsIncomplete: boolean;
  destIPsIncomplete: boolean;
}

function observed(input: FlowInput): ObservedFlow {
  if ('key' in input) return { flow: input };
  if ('id' in input) return { flow: input.flow };
  return input;
}

/** `namespace/name`, with Goldmane's `<owner>-*` shortened to the owner without its replica-set hash. */
export const endText = (e: End) => {
  const name = e.type === 'WorkloadEndpoint' ? e.name.replace(/-[a-z0-9]{5,10}-\*$|-\*$/, '') : e.name;
  return e.namespace === '-' ? name : `${e.namespace}/${name}`;
};
export const connectionText = (c: Connection) =>
  `${endText(c.source)} → ${endText(c.destination)}:${c.destPort}/${c.proto}`;

/** Folds flow records into connections; counts come from the reporter that saw the most. */
export function connectionsOf(inputs: readonly FlowInput[]): Connection[] {
  const out = new Map<string, Connection & { perReporter: Map<string, { flows: number; connections: number }> }>();
  for (const input of inputs) {
    const { flow, sourceIP, destIP } = observed(input);
    const k = flow.key;
    const id = [
      k.sourceType,
      k.sourceNamespace,
      k.sourceName,
      k.destType,
      k.destNamespace,
      k.destName,
      k.destPort,
      k.proto,
      k.destServiceNamespace,
      k.destServiceName,
    ].join('\0');
    let c = out.get(id);
    if (!c) {
      c = {
        source: { type: k.sourceType, namespace: k.sourceNamespace, name: k.sourceName, labels: flow.sourceLabels },
        destination: { type: k.destType, namespace: k.destNamespace, name: k.destName, labels: flow.destLabels },
        destPort: k.destPort,
        proto: k.proto.toLowerCase(),
        service: k.destServiceName === '-' ? undefined : { namespace: k.destServiceNamespace, name: k.destServiceName },
        denied: false,
        pendingDenied: false,
        flows: 0,
        connections: 0,
        firstSeen: flow.startTime,
        lastSeen: flow.endTime,
        sourceIPs: new Set(),
        destIPs: new Set(),
        sourceIPsIncomplete: false,
        destIPsIncomplete: false,
        perReporter: new Map(),
      };
      out.set(id, c);
    }
    if (k.action === 'Deny') c.denied = true;
    else if (pendingVerdict(k) === 'Deny') c.pendingDenied = true;
    c.firstSeen = Math.min(c.firstSeen, flow.startTime);
    c.lastSeen = Math.max(c.lastSeen, flow.endTime);
    // A record knows its addresses when it carries an address set that kept all of them, or the raw source gave one.
    const sources = [...(flow.sourceIps?.ips ?? []), ...(sourceIP ? [sourceIP] : [])];
    const dests = [...(flow.destIps?.ips ?? []), ...(destIP ? [destIP] : [])];
    for (const ip of sources) c.sourceIPs.add(ip);
    for (const ip of dests) c.destIPs.add(ip);
    if (k.sourceType === 'Network' && (sources.length === 0 || (flow.sourceIps?.beyond ?? 0) > 0))
      c.sourceIPsIncomplete = true;
    if (k.destType === 'Network' && (dests.length === 0 || (flow.destIps?.beyond ?? 0) > 0)) c.destIPsIncomplete = true;
    const r = c.perReporter.get(k.reporter) ?? { flows: 0, connections: 0 };
    r.flows++;
    r.connections += flow.numConnectionsStarted + (flow.numConnectionsStarted === 0 ? flow.numConnectionsLive : 0);
    c.perReporter.set(k.reporter, r);
  }
  return [...out.values()].map(({ perReporter, ...c }) => {
    for (const r of perReporter.values()) {
      c.flows = Math.max(c.flows, r.flows);
      c.connections = Math.max(c.connections, r.connections);
    }
    return c;
  });
}
