// Drafting: each in-scope workload's allowed connections become peers with ports and evidence;
// guardrails are added; peers with the same ports are merged where the result stays readable.
// Dialect-neutral: render.ts writes the result as Kubernetes or Calico policy.
import type { HostEndpoint, NetworkSet, Pod } from '@verdict/engine';
import { aggregateAddresses, collapseCidrs, PRIVATE_RANGES_V4 } from './cidr.ts';
import type { Dialect } from './model.ts';
import {
  type ClusterView,
  type Connection,
  connectionText,
  type End,
  endText,
  type Workload,
  workloadKey,
} from './observe.ts';

export type Peer =
  | { kind: 'pods'; namespace: string; labels: Readonly<Record<string, string>>; name: string }
  | { kind: 'nodes'; nodes: readonly HostEndpoint[]; all: boolean }
  | { kind: 'set'; set: NetworkSet }
  | { kind: 'nets'; nets: readonly string[]; except: readonly string[]; name: string }
  | { kind: 'apiserver'; nets: readonly string[] };

export interface PortSpec {
  /** `TCP`, `UDP`, `SCTP`, `ICMP` or a number as text. */
  protocol: string;
  /** 0 = the whole protocol (no ports). */
  port: number;
  name?: string;
}

export interface Evidence {
  flows: number;
  connections: number;
  firstSeen: number;
  lastSeen: number;
  examples: string[];
}

export type Guardrail = 'dns' | 'kube-apiserver' | 'node-probes';

export interface DraftRule {
  direction: 'Ingress' | 'Egress';
  peers: Peer[];
  ports: PortSpec[];
  /** Per port (`portKey`), so that a rule split by protocol keeps its own evidence. */
  evidence: Map<string, Evidence>;
  guardrail?: Guardrail;
}

export interface DraftPolicy {
  workload: Workload;
  ingress: DraftRule[];
  egress: DraftRule[];
}

const PROTOCOLS: Readonly<Record<string, string>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP', icmp: 'ICMP' };
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, SCTP: 132 };
const MAX_EXAMPLES = 3;
const MAX_MERGED_PEERS = 4;

export const portKey = (p: PortSpec) => `${p.protocol}/${p.port}`;
export const portText = (p: PortSpec) => (p.port === 0 ? p.protocol : `${p.protocol} ${p.name ?? p.port}`);

export function peerKey(peer: Peer): string {
  switch (peer.kind) {
    case 'pods':
      return `pods:${peer.namespace}:${labelText(peer.labels)}`;
    case 'nodes':
      return `nodes:${peer.all ? '*' : peer.nodes.map((n) => n.name).join(',')}`;
    case 'set':
      return `set:${peer.set.namespace ?? '-'}/${peer.set.name}`;
    case 'nets':
      return `nets:${peer.nets.join(',')}!${peer.except.join(',')}`;
    case 'apiserver':
      return `apiserver:${peer.nets.join(',')}`;
  }
}

export function peerText(peer: Peer, policyNamespace: string): string {
  switch (peer.kind) {
    case 'pods':
      return peer.namespace === policyNamespace ? peer.name : `${peer.namespace}/${peer.name}`;
    case 'nodes':
      return peer.all ? 'nodes' : `nodes ${peer.nodes.map((n) => n.node).join(', ')}`;
    case 'set':
      return `${peer.set.namespace ? 'networkset' : 'globalnetworkset'} ${peer.set.name}`;
    case 'nets':
      return peer.name;
    case 'apiserver':
      return 'kube-apiserver';
  }
}

const labelText = (labels: Readonly<Record<string, string>>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');

export function emptyEvidence(): Evidence {
  return { flows: 0, connections: 0, firstSeen: 0, lastSeen: 0, examples: [] };
}

export function addEvidence(to: Evidence, from: Evidence | Connection): void {
  const seen = 'sourceIPs' in from ? [from.firstSeen, from.lastSeen] : [from.firstSeen, from.lastSeen];
  if (from.flows > 0 || 'sourceIPs' in from) {
    to.firstSeen = to.firstSeen === 0 ? (seen[0] as number) : Math.min(to.firstSeen, seen[0] as number);
    to.lastSeen = Math.max(to.lastSeen, seen[1] as number);
  }
  to.flows += from.flows;
  to.connections += from.connections;
  const examples = 'sourceIPs' in from ? [connectionText(from)] : from.examples;
  for (const e of examples) if (to.examples.length < MAX_EXAMPLES && !to.examples.includes(e)) to.examples.push(e);
}

/** A port as the destination pods name it, when all of them declare the same name for it. */
function namedPort(pods: readonly Pod[], protocol: string, port: number): string | undefined {
  const number = PROTOCOL_NUMBERS[protocol];
  if (number === undefined || pods.length === 0) return undefined;
  const names = new Set(pods.map((p) => p.ports.find((n) => n.port === port && n.protocol === number)?.name));
  const [name] = names;
  return names.size === 1 && name !== undefined ? name : undefined;
}

interface PeerEntry {
  peer: Peer;
  ports: Map<string, PortSpec>;
  evidence: Map<string, Evidence>;
  guardrail?: Guardrail;
}

/** Collects peers of one direction of one workload, keyed by peer. */
class PeerTable {
  readonly entries = new Map<string, PeerEntry>();
  add(peer: Peer, port: PortSpec, from: Connection | undefined, guardrail?: Guardrail): void {
    const key = peerKey(peer);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { peer, ports: new Map(), evidence: new Map() };
      this.entries.set(key, entry);
    }
    if (guardrail) entry.guardrail = guardrail;
    const k = portKey(port);
    entry.ports.set(k, port);
    let evidence = entry.evidence.get(k);
    if (!evidence) entry.evidence.set(k, (evidence = emptyEvidence()));
    if (from) addEvidence(evidence, from);
  }
}

export interface DraftContext {
  view: ClusterView;
  dialect: Dialect;
  notes: string[];
  /** Nodes the current workload's egress reached (set per workload by draftPolicy). */
  egressNodes?: ReadonlySet<string>;
}

/** The workload a flow endpoint stands for, if it is a pod the cluster still has. */
export function workloadOf(view: ClusterView, end: End): Workload | undefined {
  return end.type === 'WorkloadEndpoint' ? view.workloads.get(workloadKey(end.namespace, end.name)) : undefined;
}

function isApiServer(view: ClusterView, c: Connection): boolean {
  if (c.service?.namespace === 'default' && c.service.name === 'kubernetes') return true;
  const d = c.destination;
  const ips =
    d.type === 'HostEndpoint'
      ? (view.nodes.get(d.name)?.expectedIPs ?? [])
      : d.type === 'Network'
        ? [...c.destIPs]
        : [];
  return ips.some((ip) => view.apiServer.addresses.includes(ip)) && view.apiServer.ports.includes(c.destPort);
}

/**
 * The peer for the far end of a connection, or undefined (with a note) when it is gone from the
 * cluster. `direction` is the policy's side.
 */
function peerOf(ctx: DraftContext, c: Connection, direction: 'Ingress' | 'Egress'): Peer | undefined {
  const { view } = ctx;
  const end = direction === 'Ingress' ? c.source : c.destination;
  switch (end.type) {
    case 'WorkloadEndpoint': {
      const w = workloadOf(view, end);
      if (w) return { kind: 'pods', namespace: w.namespace, labels: w.selector.labels, name: w.name };
      const labels = Object.fromEntries(end.labels.map((l) => l.split('=', 2) as [string, string]));
      const stable = ['app.kubernetes.io/name', 'app', 'k8s-app'].find((k) => labels[k] !== undefined);
      if (stable) {
        return {
          kind: 'pods',
          namespace: end.namespace,
          labels: { [stable]: labels[stable] as string },
          name: labels[stable] as string,
        };
      }
      ctx.notes.push(
        `peer ${end.namespace}/${end.name} is no longer in the cluster and its flows carry no stable label: ${connectionText(c)} left out`,
      );
      return undefined;
    }
    case 'HostEndpoint': {
      // Pods move between nodes, so probes are allowed from every node; egress names the nodes seen.
      const seen = direction === 'Egress' ? ctx.egressNodes : undefined;
      const nodes = seen ? view.hostEndpoints.filter((h) => seen.has(h.node)) : [];
      const all = seen === undefined || nodes.length === 0 || nodes.length === view.hostEndpoints.length;
      return all ? { kind: 'nodes', nodes: view.hostEndpoints, all: true } : { kind: 'nodes', nodes, all: false };
    }
    case 'NetworkSet': {
      const set = view.networkSets.find((s) => s.name === end.name && (s.namespace ?? '-') === end.namespace);
      if (set) return { kind: 'set', set };
      ctx.notes.push(`network set ${endText(end)} is no longer in the cluster: ${connectionText(c)} left out`);
      return undefined;
    }
    case 'Network':
      return networkPeer(ctx, c, direction);
  }
}

/**
 * The peer for a `Network` end. With every address known: their aggregated CIDRs. Without (flows
 * from Goldmane carry none, or a set overflowed): the whole network the flow log names, minus only
 * the exact pod and node addresses, so that any address the flows could have used stays allowed
 * (a private non-pod address inside the pods' range included).
 */
function networkPeer(ctx: DraftContext, c: Connection, direction: 'Ingress' | 'Egress'): Peer {
  const end = direction === 'Ingress' ? c.source : c.destination;
  const ips = direction === 'Ingress' ? c.sourceIPs : c.destIPs;
  const incomplete = direction === 'Ingress' ? c.sourceIPsIncomplete : c.destIPsIncomplete;
  if (ips.size > 0 && !incomplete) {
    const nets = aggregateAddresses([...ips]);
    return { kind: 'nets', nets, except: [], name: nets.join(', ') };
  }
  const own = collapseCidrs(ctx.view.clusterIPs.map((ip) => `${ip}/32`));
  if (end.name === 'pvt') {
    return {
      kind: 'nets',
      nets: PRIVATE_RANGES_V4,
      except: own.filter((n) => PRIVATE_RANGES_V4.some((r) => covers(r, n))),
      name: 'private networks outside the cluster',
    };
  }
  return {
    kind: 'nets',
    nets: ['0.0.0.0/0'],
    except: [...PRIVATE_RANGES_V4, ...own.filter((n) => !PRIVATE_RANGES_V4.some((r) => covers(r, n)))],
    name: 'public internet',
  };
}

function covers(outer: string, inner: string): boolean {
  const [oa = '', ob = '32'] = outer.split('/');
  const [ia = ''] = inner.split('/');
  const bits = Number(ob);
  const v = (t: string) => t.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const mask = 2 ** (32 - bits);
  return Math.floor(v(oa) / mask) === Math.floor(v(ia) / mask) && Number(inner.split('/')[1] ?? 32) >= bits;
}

function portOf(view: ClusterView, c: Connection, direction: 'Ingress' | 'Egress', self: Workload): PortSpec {
  const protocol = PROTOCOLS[c.proto] ?? c.proto.toUpperCase();
  if (protocol === 'ICMP' || !(protocol in PROTOCOL_NUMBERS)) return { protocol, port: 0 };
  const target = direction === 'Ingress' ? self : workloadOf(view, c.destination);
  const name = target ? namedPort(target.pods, protocol, c.destPort) : undefined;
  return name === undefined ? { protocol, port: c.destPort } : { protocol, port: c.destPort, name };
}

/** The draft policy of one workload from its connections (already filtered to allowed ones). */
export function draftPolicy(ctx: DraftContext, workload: Workload, connections: readonly Connection[]): DraftPolicy {
  const { view } = ctx;
  const ingress = new PeerTable();
  const egress = new PeerTable();
  const key = workloadKey(workload.namespace, workload.aggregatedName);
  const isSelf = (e: End) => e.type === 'WorkloadEndpoint' && workloadKey(e.namespace, e.name) === key;
  ctx.egressNodes = new Set(
    connections.filter((c) => isSelf(c.source) && c.destination.type === 'HostEndpoint').map((c) => c.destination.name),
  );
  for (const c of connections) {
    if (isSelf(c.destination)) {
      const peer = peerOf(ctx, c, 'Ingress');
      if (peer) {
        const guardrail = peer.kind === 'nodes' ? 'node-probes' : undefined;
        ingress.add(peer, portOf(view, c, 'Ingress', workload), c, guardrail);
      }
    }
    if (isSelf(c.source)) {
      if (isApiServer(view, c) && view.apiServer.addresses.length > 0) {
        const peer: Peer = { kind: 'apiserver', nets: view.apiServer.addresses.map((a) => `${a}/32`) };
        for (const port of view.apiServer.ports)
          egress.add(peer, { protocol: 'TCP', port }, undefined, 'kube-apiserver');
        egress.add(peer, { protocol: 'TCP', port: c.destPort }, c, 'kube-apiserver');
        continue;
      }
      const peer = peerOf(ctx, c, 'Egress');
      if (peer) egress.add(peer, portOf(view, c, 'Egress', workload), c);
    }
  }
  addDnsGuardrail(ctx, workload, egress);
  return {
    workload,
    ingress: mergeRules(ctx, 'Ingress', ingress, workload.namespace),
    egress: mergeRules(ctx, 'Egress', egress, workload.namespace),
  };
}

function addDnsGuardrail(ctx: DraftContext, workload: Workload, egress: PeerTable): void {
  const dns = ctx.view.dns;
  if (dns === workload) return;
  if (!dns) {
    ctx.notes.push(
      'no cluster DNS pods found (kube-system Service kube-dns or pods labelled k8s-app=kube-dns): the draft has no DNS rule',
    );
    return;
  }
  const peer: Peer = { kind: 'pods', namespace: dns.namespace, labels: dns.selector.labels, name: dns.name };
  for (const protocol of ['UDP', 'TCP']) {
    const name = namedPort(dns.pods, protocol, 53);
    egress.add(peer, name === undefined ? { protocol, port: 53 } : { protocol, port: 53, name }, undefined, 'dns');
  }
}

const KIND_RANK: Readonly<Record<Peer['kind'], number>> = { apiserver: 1, pods: 2, nodes: 3, set: 4, nets: 5 };

function rank(entry: { peer: Peer; guardrail?: Guardrail }, namespace: string): string {
  const g = entry.guardrail === 'dns' ? 0 : KIND_RANK[entry.peer.kind];
  const p = entry.peer;
  const local = p.kind === 'pods' && p.namespace === namespace ? 0 : 1;
  return `${g}${local}${peerText(p, namespace)}`;
}

const dnsRank = (p: PortSpec) => (p.port === 53 ? (p.protocol === 'UDP' ? 0 : 1) : 2);
const dnsFirst = (a: PortSpec, b: PortSpec) => dnsRank(a) - dnsRank(b) || comparePorts(a, b);

function comparePorts(a: PortSpec, b: PortSpec): number {
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port;
}

/**
 * One rule per peer with all its ports; then peers with identical ports share a rule when the
 * dialect writes them readably: Kubernetes lists several `from`/`to` entries (pods with pods,
 * addresses with addresses, at most four); Calico has one entity per rule, so it only merges pods
 * of one namespace told apart by the same single label (`key in {…}`) and address lists.
 * Guardrails stay rules of their own.
 */
function mergeRules(
  ctx: DraftContext,
  direction: 'Ingress' | 'Egress',
  table: PeerTable,
  namespace: string,
): DraftRule[] {
  const entries = [...table.entries.values()].sort((a, b) => (rank(a, namespace) < rank(b, namespace) ? -1 : 1));
  const rules: DraftRule[] = [];
  const open = new Map<string, DraftRule>();
  for (const entry of entries) {
    // DNS reads best as UDP then TCP; everything else by protocol and number.
    const ports = [...entry.ports.values()].sort(entry.guardrail === 'dns' ? dnsFirst : comparePorts);
    const group = entry.guardrail ? undefined : mergeGroup(ctx.dialect, entry.peer, ports);
    const existing = group === undefined ? undefined : open.get(group);
    if (existing && existing.peers.length < MAX_MERGED_PEERS) {
      existing.peers.push(entry.peer);
      for (const [k, e] of entry.evidence) {
        const into = existing.evidence.get(k) ?? emptyEvidence();
        addEvidence(into, e);
        existing.evidence.set(k, into);
      }
      continue;
    }
    const evidence = new Map<string, Evidence>();
    for (const [k, e] of entry.evidence) {
      const copy = emptyEvidence();
      addEvidence(copy, e);
      evidence.set(k, copy);
    }
    const rule: DraftRule = { direction, peers: [entry.peer], ports, evidence };
    if (entry.guardrail) rule.guardrail = entry.guardrail;
    rules.push(rule);
    if (group !== undefined) open.set(group, rule);
  }
  for (const rule of rules) if (rule.peers.length > 1) rule.peers = collapsePeers(rule.peers);
  return rules;
}

function mergeGroup(dialect: Dialect, peer: Peer, ports: readonly PortSpec[]): string | undefined {
  const p = ports.map(portKey).join(',');
  if (dialect !== 'calico') {
    if (peer.kind === 'pods') return `pods|${p}`;
    if (peer.kind === 'nets' || peer.kind === 'set') return `addresses|${p}`;
    return undefined;
  }
  if (peer.kind === 'pods') {
    const keys = Object.keys(peer.labels);
    return keys.length === 1 ? `pods|${peer.namespace}|${keys[0]}|${p}` : undefined;
  }
  if (peer.kind === 'nets') return `nets|${peer.except.join(',')}|${p}`;
  return undefined;
}

const first0 = <T>(list: readonly T[]) => list[0] as T;

/** Address peers merged into one rule become one address list. */
function collapsePeers(peers: Peer[]): Peer[] {
  const nets = peers.filter((p): p is Extract<Peer, { kind: 'nets' }> => p.kind === 'nets');
  if (nets.length < 2 || nets.some((n) => n.except.join() !== nets[0]?.except.join())) return peers;
  const merged =
    first0(nets).except.length > 0
      ? [...new Set(nets.flatMap((n) => n.nets))]
      : collapseCidrs(nets.flatMap((n) => n.nets));
  const first = nets[0] as Extract<Peer, { kind: 'nets' }>;
  const name = first.except.length > 0 ? first.name : merged.join(', ');
  return [...peers.filter((p) => p.kind !== 'nets'), { kind: 'nets', nets: merged, except: first.except, name }];
}
