// Egress lockdown for one namespace: every external destination each workload used, and a proposed
// lockdown (default-deny egress, allow-lists as NetworkSets from the aggregated CIDRs, DNS and
// API-server guardrails) rehearsed over the same flows before it is staged.
import { type ClusterState, createEvaluator } from '@verdict/engine';
import { aggregateAddresses, isStableLabel } from '@verdict/recommend';
import { parseChangeSet, rehearse } from '@verdict/rehearse';
import { stringify } from 'yaml';
import { addressesOf, connectionsOf, type Indexed, indexed } from './flows.ts';
import type { InsightsFlow } from './model.ts';

export interface EgressDestination {
  /** `Network` (public or private addresses) or `NetworkSet` (a known set). */
  type: 'Network' | 'NetworkSet';
  /** Aggregated CIDRs, `public internet`/`private networks` without addresses, or the set's name. */
  network: string;
  /** Query names that resolved to these addresses (from a DNS import). */
  domains: string[];
  proto: string;
  port: number;
  flows: number;
  connections: number;
  bytes: number;
  /** Allowed and denied flow records. */
  allowed: number;
  denied: number;
}

export interface EgressWorkload {
  /** Goldmane's aggregated name. */
  workload: string;
  labels: Record<string, string>;
  destinations: EgressDestination[];
}

export interface EgressReport {
  namespace: string;
  workloads: EgressWorkload[];
  proposal: {
    /** NetworkSets (apply first), then the staged lockdown policy: the proposal as it would be applied. */
    yaml: string;
    /** The same policy with the sets' CIDRs written inline: the change set that was rehearsed. */
    changeSet: string;
    rehearsal: { flowsConsidered: number; newlyDenied: number; newlyAllowed: number } | null;
  };
  notes: string[];
}

export interface EgressInput {
  state: ClusterState;
  flows: readonly InsightsFlow[];
  namespace: string;
  /** Query name → addresses, from an NDJSON DNS import. */
  dns?: ReadonlyMap<string, readonly string[]>;
  /**
   * Where domains go in the proposal: `calico` (open source: NetworkSets hold only CIDRs, so the
   * domains are written as comments beside them) or `calico-enterprise` (Calico Enterprise and Cloud:
   * the sets' `allowedEgressDomains`). Default `calico`.
   */
  dialect?: EgressDialect;
}

export const EGRESS_DIALECTS = ['calico', 'calico-enterprise'] as const;
export type EgressDialect = (typeof EGRESS_DIALECTS)[number];

const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
const dnsName = (text: string) =>
  text
    .toLowerCase()
    .replace(/-[a-z0-9]{5,10}-\*$|-\*$/, '')
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40);

function stableLabels(labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) {
    const i = l.indexOf('=');
    if (i > 0 && isStableLabel(l.slice(0, i))) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

const selectorOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k} == ${quote(v)}`)
    .join(' && ') || 'all()';

/** The external destinations of the namespace's workloads and the proposed, rehearsed lockdown. */
export async function egressReport(input: EgressInput): Promise<EgressReport> {
  const { state, namespace } = input;
  const flows = indexed(input.flows).filter(
    ({ flow: { key: k } }) =>
      k.reporter === 'Src' && k.sourceNamespace === namespace && k.sourceType === 'WorkloadEndpoint',
  );
  const byAddress = new Map<string, string[]>();
  for (const [name, addresses] of input.dns ?? []) {
    for (const a of addresses) byAddress.set(a, [...(byAddress.get(a) ?? []), name]);
  }
  const notes: string[] = [];
  const perWorkload = new Map<string, { labels: Record<string, string>; groups: Map<string, Indexed[]> }>();
  for (const item of flows) {
    const k = item.flow.key;
    if (k.destType !== 'Network' && k.destType !== 'NetworkSet') continue;
    const entry = perWorkload.get(k.sourceName) ?? { labels: stableLabels(item.flow.sourceLabels), groups: new Map() };
    const group = `${k.destType}\0${k.destNamespace}\0${k.destName}\0${k.proto}\0${k.destPort}`;
    entry.groups.set(group, [...(entry.groups.get(group) ?? []), item]);
    perWorkload.set(k.sourceName, entry);
  }
  const workloads: EgressWorkload[] = [];
  const policyRules: unknown[] = [];
  const inlineRules: unknown[] = [];
  const sets: { doc: unknown; comment: string }[] = [];
  const domainsSupported = input.dialect === 'calico-enterprise';
  for (const [workload, { labels, groups }] of [...perWorkload].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const destinations: EgressDestination[] = [];
    const allowedCidrs = new Map<string, { cidrs: Set<string>; domains: Set<string> }>();
    let withoutAddresses = false;
    for (const list of groups.values()) {
      const k = (list[0] as Indexed).flow.key;
      const ips = [...new Set(list.flatMap((f) => addressesOf(f.flow, 'dest')))];
      const complete =
        ips.length > 0 &&
        list.every((f) => addressesOf(f.flow, 'dest').length > 0 && (f.flow.destIps?.beyond ?? 0) === 0);
      const set =
        k.destType === 'NetworkSet'
          ? state.networkSets.find((s) => s.name === k.destName && (s.namespace ?? '-') === k.destNamespace)
          : undefined;
      const cidrs = set ? [...set.nets] : complete ? aggregateAddresses(ips) : [];
      const domains = [...new Set(ips.flatMap((ip) => byAddress.get(ip) ?? []))].sort();
      const allowed = list.filter((f) => f.flow.key.action === 'Allow').length;
      destinations.push({
        type: k.destType as 'Network' | 'NetworkSet',
        network: set
          ? `${set.namespace ? `${set.namespace}/` : ''}${set.name}`
          : cidrs.length > 0
            ? cidrs.join(', ')
            : k.destName === 'pvt'
              ? 'private networks (no addresses recorded)'
              : 'public internet (no addresses recorded)',
        domains,
        proto: k.proto,
        port: k.destPort,
        flows: list.length,
        connections: list.reduce((n, f) => n + connectionsOf(f.flow), 0),
        bytes: list.reduce((n, f) => n + f.flow.bytesOut + f.flow.bytesIn, 0),
        allowed,
        denied: list.length - allowed,
      });
      if (allowed === 0) continue; // Denied today: the lockdown does not open it.
      if (cidrs.length === 0) {
        withoutAddresses = true;
        continue;
      }
      const key = `${k.proto.toUpperCase()}\0${k.destPort}`;
      const entry = allowedCidrs.get(key) ?? { cidrs: new Set(), domains: new Set() };
      for (const c of cidrs) entry.cidrs.add(c);
      for (const d of domains) entry.domains.add(d);
      allowedCidrs.set(key, entry);
    }
    workloads.push({ workload, labels, destinations });
    if (withoutAddresses) {
      notes.push(
        `${namespace}/${dnsName(workload)}: some external flows carry no addresses; the lockdown denies them until their destinations are known`,
      );
    }
    if (allowedCidrs.size === 0) continue;
    const setName = `egress-${dnsName(workload)}`;
    const all = new Set([...allowedCidrs.values()].flatMap((e) => [...e.cidrs]));
    const domains = [...new Set([...allowedCidrs.values()].flatMap((e) => [...e.domains]))].sort();
    sets.push({
      doc: {
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkSet',
        metadata: { name: setName, namespace, labels: { 'verdict.dev/egress-allow': dnsName(workload) } },
        spec: {
          nets: [...all].sort(),
          ...(domains.length > 0 && domainsSupported ? { allowedEgressDomains: domains } : {}),
        },
      },
      comment:
        domains.length > 0 && !domainsSupported
          ? `# ${setName}: the addresses of ${domains.join(', ')} (open-source Calico allows by address only;\n# Calico Enterprise could name the domains: --dialect calico-enterprise)\n`
          : '',
    });
    for (const [key, entry] of allowedCidrs) {
      const [protocol = 'TCP', port = '0'] = key.split('\0');
      const proto = ['TCP', 'UDP', 'SCTP'].includes(protocol) ? protocol : undefined;
      const base = { action: 'Allow', ...(proto ? { protocol: proto } : {}), source: { selector: selectorOf(labels) } };
      const ports = proto ? { ports: [Number(port)] } : {};
      policyRules.push({
        ...base,
        destination: { selector: `verdict.dev/egress-allow == ${quote(dnsName(workload))}`, ...ports },
      });
      inlineRules.push({ ...base, destination: { nets: [...entry.cidrs].sort(), ...ports } });
    }
  }
  const guardrails = guardrailRules(state);
  // Nodes the namespace's pods talked to (node exporters, kubelets) stay reachable on their ports.
  const nodeFlows = flows.filter((f) => f.flow.key.destType === 'HostEndpoint' && f.flow.key.action === 'Allow');
  const nodeIPs = [
    ...new Set(
      nodeFlows.flatMap(
        (f) =>
          state.hostEndpoints.find((h) => h.node === f.flow.key.destName || h.name === f.flow.key.destName)
            ?.expectedIPs ?? [],
      ),
    ),
  ].sort();
  const nodePorts = [...new Set(nodeFlows.map((f) => f.flow.key.destPort))].sort((a, b) => a - b);
  if (nodeIPs.length > 0) {
    guardrails.push({
      action: 'Allow',
      protocol: 'TCP',
      destination: { nets: nodeIPs.map((ip) => `${ip}/32`), ports: nodePorts },
    });
  }
  const policy = (rules: unknown[]) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'StagedNetworkPolicy',
    metadata: { name: 'egress-lockdown', namespace },
    spec: {
      stagedAction: 'Set',
      tier: 'default',
      order: 50,
      selector: 'all()',
      types: ['Egress'],
      egress: [
        ...guardrails,
        { action: 'Allow', destination: { namespaceSelector: 'all()' } },
        ...rules,
        { action: 'Deny' },
      ],
    },
  });
  const doc = (o: unknown) => stringify(o, { lineWidth: 0 }).trimEnd();
  const header = `# Egress lockdown for ${namespace}: DNS and API-server guardrails, in-cluster traffic unchanged, the\n# external destinations each workload used (NetworkSets, aggregated CIDRs), everything else denied.\n`;
  const yaml = `${header}${[...sets.map((set) => `${set.comment}${doc(set.doc)}`), doc(policy(policyRules))].join('\n---\n')}\n`;
  const changeSet = `${doc(policy(inlineRules))}\n`;
  const parsed = parseChangeSet([{ file: 'egress-lockdown.yaml', text: changeSet }]);
  let rehearsal: EgressReport['proposal']['rehearsal'] = null;
  if (parsed.ok) {
    const result = await rehearse({
      flows: indexed(input.flows),
      before: createEvaluator(state),
      changeSet: parsed.value,
    });
    if (result.ok) {
      const t = result.value.totals;
      rehearsal = { flowsConsidered: t.flowsConsidered, newlyDenied: t.newlyDenied, newlyAllowed: t.newlyAllowed };
    }
  } else notes.push(`the lockdown does not load: ${parsed.error.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  if (rehearsal && rehearsal.newlyDenied > 0) {
    notes.push(
      `${rehearsal.newlyDenied} flow records allowed today would be denied: review them with verdict rehearse before staging`,
    );
  }
  return { namespace, workloads, proposal: { yaml, changeSet, rehearsal }, notes };
}

/** DNS to the cluster DNS pods and the API server's addresses and ports. */
function guardrailRules(state: ClusterState): unknown[] {
  const service = state.services.find((s) => s.namespace === 'kube-system' && s.name === 'kube-dns');
  const dnsSelector = selectorOf({ ...(service?.selector ?? { 'k8s-app': 'kube-dns' }) });
  const rules: unknown[] = ['UDP', 'TCP'].map((protocol) => ({
    action: 'Allow',
    protocol,
    destination: { namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: dnsSelector, ports: [53] },
  }));
  const slices = state.endpointSlices.filter((s) => s.namespace === 'default' && s.serviceName === 'kubernetes');
  const addresses = [...new Set(slices.flatMap((s) => s.addresses))].sort();
  const ports = [
    ...new Set(slices.flatMap((s) => s.ports.map((p) => p.port).filter((p): p is number => p !== undefined))),
  ];
  if (addresses.length > 0 && ports.length > 0) {
    rules.push({ action: 'Allow', protocol: 'TCP', destination: { nets: addresses.map((a) => `${a}/32`), ports } });
  }
  return rules;
}
