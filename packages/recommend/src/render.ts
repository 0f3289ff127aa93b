// Rendering: a draft policy written as a Kubernetes NetworkPolicy, a Calico (Staged)NetworkPolicy or a
// ClusterNetworkPolicy,
// with every rule's rationale as a YAML comment above it (for the reviewer) and in the
// `verdict.dev/rationale` annotation (which survives `kubectl apply`).
import { Document, isMap, isSeq } from 'yaml';
import type { DraftPolicy, DraftRule, Evidence, Peer, PortSpec } from './draft.ts';
import { addEvidence, emptyEvidence, peerText, portKey, portText } from './draft.ts';
import type { Dialect, RecommendedPolicy, RecommendedRule } from './model.ts';

export interface RenderOptions {
  dialect: Dialect;
  tier: string;
  staged: boolean;
  order: number;
}

export const RATIONALE_ANNOTATION = 'verdict.dev/rationale';
export const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

type Obj = Record<string, unknown>;

export function policyName(draft: DraftPolicy, options: RenderOptions): string {
  // A ClusterNetworkPolicy is cluster-scoped: its name carries the namespace.
  const scoped = options.dialect === 'cnp' ? `${draft.workload.namespace}-${draft.workload.name}` : draft.workload.name;
  const base = `verdict-${scoped}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  // Before Calico 3.32 a policy outside tier `default` had to be named `<tier>.<name>`.
  return options.dialect === 'calico' && options.tier !== 'default' ? `${options.tier}.${base}` : base;
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function rationaleText(e: Evidence, guardrail: string | undefined): string {
  const seen =
    e.flows === 0
      ? 'not seen in the window'
      : `${e.connections} connections in ${e.flows} flows, ${isoTime(e.firstSeen)} to ${isoTime(e.lastSeen)}`;
  return guardrail ? `guardrail ${guardrail}; ${seen}` : seen;
}

// ---------------------------------------------------------------------------------------------
// Calico

const quote = (v: string) => (v.includes("'") ? `"${v}"` : `'${v}'`);

function labelsSelector(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k} == ${quote(labels[k] as string)}`)
    .join(' && ');
}

/** Label terms that pick this network set and no other set in its scope. */
function setSelector(
  set: Extract<Peer, { kind: 'set' }>['set'],
  sets: readonly Extract<Peer, { kind: 'set' }>['set'][],
) {
  const rivals = sets.filter((s) => s !== set && (s.namespace ?? '') === (set.namespace ?? ''));
  const matches = (labels: Record<string, string>, s: typeof set) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  for (const [k, v] of Object.entries(set.labels)) {
    if (!rivals.some((r) => matches({ [k]: v }, r))) return labelsSelector({ [k]: v });
  }
  const all = { ...set.labels };
  return Object.keys(all).length > 0 && !rivals.some((r) => matches(all, r)) ? labelsSelector(all) : undefined;
}

function calicoEntities(
  peers: readonly Peer[],
  namespace: string,
  sets: readonly Extract<Peer, { kind: 'set' }>['set'][],
): Obj {
  const [peer] = peers;
  if (!peer) return {};
  switch (peer.kind) {
    case 'pods': {
      let selector = labelsSelector(peer.labels);
      if (peers.length > 1) {
        const key = Object.keys(peer.labels)[0] as string;
        const values = peers.map((p) => (p.kind === 'pods' ? (p.labels[key] as string) : ''));
        selector = `${key} in {${values.sort().map(quote).join(', ')}}`;
      }
      return peer.namespace === namespace
        ? { selector }
        : { namespaceSelector: `${NAMESPACE_LABEL} == ${quote(peer.namespace)}`, selector };
    }
    case 'nodes': {
      const labelled = peer.nodes.length > 0 && peer.nodes.every((n) => n.labels[HOSTNAME_LABEL] !== undefined);
      if (!labelled) return { nets: peer.nodes.flatMap((n) => n.expectedIPs.map((ip) => `${ip}/32`)) };
      const selector = peer.all
        ? `has(${HOSTNAME_LABEL})`
        : `${HOSTNAME_LABEL} in {${peer.nodes.map((n) => quote(n.labels[HOSTNAME_LABEL] as string)).join(', ')}}`;
      return { namespaceSelector: 'global()', selector };
    }
    case 'set': {
      const selector = setSelector(peer.set, sets);
      if (selector === undefined) return { nets: [...peer.set.nets] };
      if (peer.set.namespace === undefined) return { namespaceSelector: 'global()', selector };
      return peer.set.namespace === namespace
        ? { selector }
        : { namespaceSelector: `${NAMESPACE_LABEL} == ${quote(peer.set.namespace)}`, selector };
    }
    case 'nets':
      return peer.except.length > 0 ? { nets: [...peer.nets], notNets: [...peer.except] } : { nets: [...peer.nets] };
    case 'apiserver':
      return { nets: [...peer.nets] };
  }
}

const portValue = (p: PortSpec): string | number => p.name ?? p.port;

function byProtocol(ports: readonly PortSpec[]): Map<string, PortSpec[]> {
  const out = new Map<string, PortSpec[]>();
  for (const p of ports) out.set(p.protocol, [...(out.get(p.protocol) ?? []), p]);
  return out;
}

interface Rendered {
  object: Obj;
  rules: RecommendedRule[];
  /** Per direction, per rendered rule index: the comment above it. */
  comments: { direction: 'ingress' | 'egress'; index: number; text: string }[];
}

function ruleInfo(rule: DraftRule, index: number, ports: readonly PortSpec[], namespace: string): RecommendedRule {
  const e = emptyEvidence();
  for (const p of ports) {
    const pe = rule.evidence.get(portKey(p));
    if (pe) addEvidence(e, pe);
  }
  return {
    direction: rule.direction,
    index,
    peer: rule.peers.map((p) => peerText(p, namespace)).join(', '),
    ports: ports.map(portText).join(', '),
    rationale: {
      flows: e.flows,
      connections: e.connections,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      examples: [...e.examples],
      ...(rule.guardrail ? { guardrail: rule.guardrail } : {}),
    },
  };
}

function renderCalico(
  draft: DraftPolicy,
  options: RenderOptions,
  sets: Parameters<typeof calicoEntities>[2],
): Rendered {
  const namespace = draft.workload.namespace;
  const rules: RecommendedRule[] = [];
  const comments: Rendered['comments'] = [];
  const side = (list: readonly DraftRule[], direction: 'ingress' | 'egress') => {
    const out: Obj[] = [];
    for (const rule of list) {
      for (const [protocol, ports] of byProtocol(rule.ports)) {
        const entity = calicoEntities(rule.peers, namespace, sets);
        const numbered = ports.filter((p) => p.port !== 0).map(portValue);
        const target = numbered.length > 0 ? { ports: numbered } : {};
        const written: Obj = { action: 'Allow', protocol };
        if (direction === 'ingress') {
          written.source = entity;
          if (numbered.length > 0) written.destination = target;
        } else written.destination = { ...entity, ...target };
        const info = ruleInfo(rule, out.length, ports, namespace);
        comments.push({ direction, index: out.length, text: commentFor(info) });
        rules.push(info);
        out.push(written);
      }
    }
    return out;
  };
  const ingress = side(draft.ingress, 'ingress');
  const egress = side(draft.egress, 'egress');
  const spec: Obj = {
    ...(options.staged ? { stagedAction: 'Set' } : {}),
    tier: options.tier,
    order: options.order,
    selector: labelsSelector(draft.workload.selector.labels),
    types: ['Ingress', 'Egress'],
    ingress,
    egress,
  };
  return {
    object: {
      apiVersion: 'projectcalico.org/v3',
      kind: options.staged ? 'StagedNetworkPolicy' : 'NetworkPolicy',
      metadata: metadata(draft, options, rules),
      spec,
    },
    rules,
    comments,
  };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

function k8sPeers(peer: Peer, namespace: string): Obj[] {
  switch (peer.kind) {
    case 'pods': {
      const podSelector = { matchLabels: { ...peer.labels } };
      return peer.namespace === namespace
        ? [{ podSelector }]
        : [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: peer.namespace } }, podSelector }];
    }
    case 'nodes':
      return peer.nodes.flatMap((n) => n.expectedIPs).map((ip) => ({ ipBlock: { cidr: `${ip}/32` } }));
    case 'set':
      return peer.set.nets.map((cidr) => ({ ipBlock: { cidr } }));
    case 'nets':
      return peer.nets.map((cidr) => {
        const except = peer.except.filter((e) => within(cidr, e));
        return { ipBlock: except.length > 0 ? { cidr, except } : { cidr } };
      });
    case 'apiserver':
      return peer.nets.map((cidr) => ({ ipBlock: { cidr } }));
  }
}

function within(outer: string, inner: string): boolean {
  const [oa = '', ob = '32'] = outer.split('/');
  const [ia = '', ib = '32'] = inner.split('/');
  const v = (t: string) => t.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const mask = 2 ** (32 - Number(ob));
  return Number(ib) > Number(ob) && Math.floor(v(oa) / mask) === Math.floor(v(ia) / mask);
}

function renderK8s(draft: DraftPolicy, options: RenderOptions, notes: string[]): Rendered {
  const namespace = draft.workload.namespace;
  const rules: RecommendedRule[] = [];
  const comments: Rendered['comments'] = [];
  const side = (list: readonly DraftRule[], direction: 'ingress' | 'egress') => {
    const out: Obj[] = [];
    for (const rule of list) {
      const ports = rule.ports.filter((p) => ['TCP', 'UDP', 'SCTP'].includes(p.protocol));
      const dropped = rule.ports.filter((p) => !ports.includes(p));
      if (dropped.length > 0) {
        notes.push(
          `${draft.workload.name}: ${dropped.map(portText).join(', ')} ${direction} with ${rule.peers.map((p) => peerText(p, namespace)).join(', ')} cannot be written as a Kubernetes NetworkPolicy port; use the calico dialect`,
        );
        if (ports.length === 0) continue;
      }
      const peers = rule.peers.flatMap((p) => k8sPeers(p, namespace));
      const written: Obj = {
        [direction === 'ingress' ? 'from' : 'to']: peers,
        ports: ports.map((p) => ({ protocol: p.protocol, port: portValue(p) })),
      };
      const info = ruleInfo(rule, out.length, ports, namespace);
      comments.push({ direction, index: out.length, text: commentFor(info) });
      rules.push(info);
      out.push(written);
    }
    return out;
  };
  const ingress = side(draft.ingress, 'ingress');
  const egress = side(draft.egress, 'egress');
  return {
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(draft, options, rules),
      spec: {
        podSelector: { matchLabels: { ...draft.workload.selector.labels } },
        policyTypes: ['Ingress', 'Egress'],
        ingress,
        egress,
      },
    },
    rules,
    comments,
  };
}

// ---------------------------------------------------------------------------------------------
// ClusterNetworkPolicy (v1alpha2): Accept rules for what was observed, then a Deny of the rest, in
// the Baseline tier. CNP peers are pods, namespaces and (egress) networks only, so ingress from
// nodes or addresses cannot be written; the closing Deny names only pods of namespaces, so such
// ingress stays allowed rather than broken.

function cnpPeers(peer: Peer, direction: 'ingress' | 'egress'): Obj[] | undefined {
  if (peer.kind === 'pods') {
    const namespaceSelector = { matchLabels: { [NAMESPACE_LABEL]: peer.namespace } };
    return [{ pods: { namespaceSelector, podSelector: { matchLabels: { ...peer.labels } } } }];
  }
  if (direction === 'ingress') return undefined;
  const nets =
    peer.kind === 'nodes'
      ? peer.nodes.flatMap((n) => n.expectedIPs).map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`)
      : peer.kind === 'set'
        ? [...peer.set.nets]
        : [...peer.nets];
  return nets.length > 0 ? [{ networks: [...new Set(nets)].slice(0, 25) }] : undefined;
}

/** CNP `protocols`; undefined (every protocol) when a port is of a protocol CNP cannot name. */
function cnpProtocols(ports: readonly PortSpec[]): Obj[] | undefined {
  const out: Obj[] = [];
  for (const p of ports) {
    const key = ({ TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' } as Record<string, string>)[p.protocol];
    if (key === undefined) return undefined;
    if (p.name !== undefined) out.push({ destinationNamedPort: p.name });
    else if (p.port === 0) out.push({ [key]: { destinationPort: { range: { start: 1, end: 65535 } } } });
    else out.push({ [key]: { destinationPort: { number: p.port } } });
  }
  return out.slice(0, 25);
}

function renderCnp(draft: DraftPolicy, options: RenderOptions, notes: string[]): Rendered {
  const namespace = draft.workload.namespace;
  const rules: RecommendedRule[] = [];
  const comments: Rendered['comments'] = [];
  const side = (list: readonly DraftRule[], direction: 'ingress' | 'egress') => {
    const out: Obj[] = [];
    for (const rule of list) {
      const peers = rule.peers.flatMap((p) => cnpPeers(p, direction) ?? []);
      const unwritable = rule.peers.filter((p) => cnpPeers(p, direction) === undefined);
      if (unwritable.length > 0) {
        notes.push(
          `${namespace}/${draft.workload.name}: ${direction} from ${unwritable.map((p) => peerText(p, namespace)).join(', ')} cannot be a ClusterNetworkPolicy peer; it is left to the other tiers (the closing Deny names pods only)`,
        );
      }
      if (peers.length === 0) continue;
      const protocols = cnpProtocols(rule.ports);
      if (protocols === undefined) {
        notes.push(
          `${namespace}/${draft.workload.name}: ${rule.ports.map(portText).join(', ')} cannot be written as ClusterNetworkPolicy protocols; the rule accepts every protocol of its peers`,
        );
      }
      const written: Obj = {
        action: 'Accept',
        [direction === 'ingress' ? 'from' : 'to']: peers.slice(0, 25),
        ...(protocols ? { protocols } : {}),
      };
      const info = ruleInfo(rule, out.length, rule.ports, namespace);
      comments.push({ direction, index: out.length, text: commentFor(info) });
      rules.push(info);
      out.push(written);
    }
    return out;
  };
  const ingress = side(draft.ingress, 'ingress');
  const egress = side(draft.egress, 'egress');
  ingress.push({ name: 'deny-other-pods', action: 'Deny', from: [{ namespaces: {} }] });
  egress.push({ name: 'deny-everything-else', action: 'Deny', to: [{ networks: ['0.0.0.0/0', '::/0'] }] });
  const { namespace: _, ...meta } = metadata(draft, options, rules);
  return {
    object: {
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: meta,
      spec: {
        tier: 'Baseline',
        priority: Math.min(1000, Math.max(0, Math.round(options.order))),
        subject: {
          pods: {
            namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: namespace } },
            podSelector: { matchLabels: { ...draft.workload.selector.labels } },
          },
        },
        ingress,
        egress,
      },
    },
    rules,
    comments,
  };
}

// ---------------------------------------------------------------------------------------------

function commentFor(rule: RecommendedRule): string {
  const r = rule.rationale;
  const lines = [` ${rule.peer} on ${rule.ports}: ${rationaleText({ ...r, examples: r.examples }, r.guardrail)}`];
  for (const e of r.examples.slice(0, 2)) lines.push(`   e.g. ${e}`);
  return lines.join('\n');
}

function metadata(draft: DraftPolicy, options: RenderOptions, rules: readonly RecommendedRule[]): Obj {
  const annotation = rules
    .map((r) => {
      const where = `${r.direction === 'Ingress' ? 'ingress' : 'egress'}[${r.index}]`;
      return `${where} ${r.peer} ${r.ports}: ${rationaleText({ ...r.rationale }, r.rationale.guardrail)}`;
    })
    .join('\n');
  return {
    name: policyName(draft, options),
    namespace: draft.workload.namespace,
    labels: { 'app.kubernetes.io/managed-by': 'verdict' },
    annotations: { [RATIONALE_ANNOTATION]: annotation },
  };
}

/** The policy as an object and as commented YAML. */
export function renderPolicy(
  draft: DraftPolicy,
  options: RenderOptions,
  sets: Parameters<typeof calicoEntities>[2],
  notes: string[],
): RecommendedPolicy {
  const rendered =
    options.dialect === 'calico'
      ? renderCalico(draft, options, sets)
      : options.dialect === 'cnp'
        ? renderCnp(draft, options, notes)
        : renderK8s(draft, options, notes);
  const doc = new Document(rendered.object);
  const w = draft.workload;
  doc.commentBefore = ` ${w.namespace}/${w.name}: drafted by Verdict from observed flows; review before enforcing.`;
  for (const { direction, index, text } of rendered.comments) {
    const seq = doc.getIn(['spec', direction], true);
    if (!isSeq(seq)) continue;
    const item = seq.items[index];
    if (isMap(item)) item.commentBefore = text;
  }
  return { workload: w.name, yaml: doc.toString({ lineWidth: 0 }), object: rendered.object, rules: rendered.rules };
}
