// Fixes as change sets `verdict rehearse` accepts: policy documents and PolicyDeletions, as YAML.
import type { PolicySpec } from '@verdict/engine';
import { isStableLabel } from '@verdict/recommend';
import { DELETIONS_API_VERSION, DELETIONS_KIND } from '@verdict/rehearse';
import { stringify } from 'yaml';

const yaml = (docs: readonly unknown[]) =>
  `${docs.map((d) => stringify(d, { lineWidth: 0 }).trimEnd()).join('\n---\n')}\n`;

/** Removes the policy. */
export function deletionFix(spec: PolicySpec): string {
  const entry =
    spec.kind === 'KubernetesNetworkPolicy'
      ? { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: spec.namespace, name: spec.name }
      : { kind: spec.kind, ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }), name: spec.name };
  return yaml([{ apiVersion: DELETIONS_API_VERSION, kind: DELETIONS_KIND, deletions: [entry] }]);
}

const RULE_PATH = /^spec\.(ingress|egress)\[(\d+)\]$/;

function cloneOriginal(spec: PolicySpec): Record<string, unknown> | undefined {
  const original = spec.original;
  if (typeof original !== 'object' || original === null) return undefined;
  const copy = structuredClone(original) as Record<string, unknown>;
  const metadata = copy.metadata as Record<string, unknown> | undefined;
  if (metadata) {
    for (const key of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'])
      delete metadata[key];
  }
  return copy;
}

/** The policy as written without the rule at `rulePath` (`spec.ingress[2]`); null when the path is not a plain rule. */
export function withoutRuleFix(spec: PolicySpec, rulePath: string): string | null {
  const match = RULE_PATH.exec(rulePath);
  const copy = cloneOriginal(spec);
  if (!match || !copy) return null;
  const rules = (copy.spec as Record<string, unknown> | undefined)?.[match[1] as string];
  const index = Number(match[2]);
  if (!Array.isArray(rules) || index >= rules.length) return null;
  rules.splice(index, 1);
  return yaml([copy]);
}

/** One observed peer to keep: the far end of flows a staged policy would deny. */
export interface KeptPeer {
  direction: 'Ingress' | 'Egress';
  /** `WorkloadEndpoint` peers by namespace and labels; `Network` peers by CIDRs. */
  peer: { namespace: string; labels: readonly string[] } | { nets: readonly string[] };
  protocol: string;
  port: number;
}

const PROTOCOLS: Readonly<Record<string, string>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

function stableLabels(labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) {
    const i = l.indexOf('=');
    const key = l.slice(0, i);
    if (i > 0 && isStableLabel(key)) out[key] = l.slice(i + 1);
  }
  return out;
}

const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;

/**
 * The staged policy with rules that keep the given peers working: Calico kinds get Allow rules (Pass
 * outside the default tier, so that later tiers still decide) before their other rules, staged
 * Kubernetes policies get allow rules. Null when the policy was not written in a form that can be edited.
 */
export function keepPeersFix(spec: PolicySpec, peers: readonly KeptPeer[]): string | null {
  const copy = cloneOriginal(spec);
  const body = copy?.spec as Record<string, unknown> | undefined;
  if (!copy || !body || peers.length === 0) return null;
  const kubernetes = spec.kind === 'StagedKubernetesNetworkPolicy';
  const added: Record<'ingress' | 'egress', unknown[]> = { ingress: [], egress: [] };
  for (const kept of peers) {
    const protocol = PROTOCOLS[kept.protocol.toLowerCase()];
    if (!protocol) continue;
    const side = kept.direction === 'Ingress' ? 'ingress' : 'egress';
    if (kubernetes) {
      const peer =
        'nets' in kept.peer
          ? kept.peer.nets.map((cidr) => ({ ipBlock: { cidr } }))
          : [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': kept.peer.namespace } },
                podSelector: { matchLabels: stableLabels(kept.peer.labels) },
              },
            ];
      added[side].push({ [side === 'ingress' ? 'from' : 'to']: peer, ports: [{ protocol, port: kept.port }] });
      continue;
    }
    const entity =
      'nets' in kept.peer
        ? { nets: [...kept.peer.nets] }
        : {
            namespaceSelector: `projectcalico.org/name == ${quote(kept.peer.namespace)}`,
            selector:
              Object.entries(stableLabels(kept.peer.labels))
                .map(([k, v]) => `${k} == ${quote(v)}`)
                .join(' && ') || 'all()',
          };
    const action = spec.tier === 'default' ? 'Allow' : 'Pass';
    added[side].push(
      side === 'ingress'
        ? { action, protocol, source: entity, destination: { ports: [kept.port] } }
        : { action, protocol, destination: { ...entity, ports: [kept.port] } },
    );
  }
  for (const side of ['ingress', 'egress'] as const) {
    if (added[side].length === 0) continue;
    const existing = Array.isArray(body[side]) ? (body[side] as unknown[]) : [];
    body[side] = kubernetes ? [...existing, ...added[side]] : [...added[side], ...existing];
  }
  return yaml([copy]);
}

/**
 * A Calico NetworkPolicy in `tier`, ordered before the tier's other policies, that allows DNS
 * (UDP and TCP 53) from the workload to the cluster DNS pods on the denied side. It selects only
 * endpoints the tier already selects (the denied ones), so the tier's end-of-tier verdict for
 * everything else is unchanged.
 */
export function dnsFix(options: {
  namespace: string;
  /** `k=v` labels of the denied workload. */
  workloadLabels: readonly string[];
  workload: string;
  tier: string;
  order: number;
  direction: 'Ingress' | 'Egress';
  dnsNamespace: string;
  dnsLabels: Readonly<Record<string, string>>;
}): string {
  const dnsPods = {
    namespaceSelector: `projectcalico.org/name == ${quote(options.dnsNamespace)}`,
    selector: Object.entries(options.dnsLabels)
      .map(([k, v]) => `${k} == ${quote(v)}`)
      .join(' && '),
  };
  const workload = {
    namespaceSelector: `projectcalico.org/name == ${quote(options.namespace)}`,
    selector:
      Object.entries(stableLabels(options.workloadLabels))
        .map(([k, v]) => `${k} == ${quote(v)}`)
        .join(' && ') || 'all()',
  };
  const rules = ['UDP', 'TCP'].map((protocol) =>
    options.direction === 'Egress'
      ? { action: 'Allow', protocol, destination: { ...dnsPods, ports: [53] } }
      : { action: 'Allow', protocol, source: workload, destination: { ports: [53] } },
  );
  const base = `allow-dns-${options.workload.replace(/-\*$/, '')}`.slice(0, 50).replace(/[^a-z0-9-]/g, '-');
  const name = options.direction === 'Egress' ? base : `${base}-queries`;
  return yaml([
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: {
        name: options.tier === 'default' ? name : `${options.tier}.${name}`,
        namespace: options.direction === 'Egress' ? options.namespace : options.dnsNamespace,
      },
      spec: {
        tier: options.tier,
        order: options.order,
        selector: options.direction === 'Egress' ? workload.selector : dnsPods.selector,
        types: [options.direction],
        [options.direction === 'Egress' ? 'egress' : 'ingress']: rules,
      },
    },
  ]);
}
