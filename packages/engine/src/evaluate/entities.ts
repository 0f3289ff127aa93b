// Everything a rule selector can match, numbered: pods (workload endpoints), host endpoints and
// network sets, each with its effective labels (reference §2) and the IPs or CIDRs it owns.
import type { HostEndpoint, Labels, Namespace, NetworkSet, Pod, ServiceAccount } from '../model.ts';
import { type Cidr, type Ip, parseCidr, parseIp } from '../net/ip.ts';
import type { IpIdentity } from './cluster-index.ts';

export const NAMESPACE_LABEL = 'projectcalico.org/namespace';
export const ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
export const SERVICE_ACCOUNT_LABEL = 'projectcalico.org/serviceaccount';
const NAME_LABEL = 'projectcalico.org/name';

export type EntityKind = 'pod' | 'hostEndpoint' | 'networkSet';

export interface Entity {
  readonly id: number;
  readonly kind: EntityKind;
  readonly name: string;
  /** Absent for host endpoints and global network sets. */
  readonly namespace: string | undefined;
  readonly labels: ReadonlyMap<string, string>;
  /** Pod IPs or host endpoint expected IPs. */
  readonly ips: readonly Ip[];
  /** Network set CIDRs. */
  readonly nets: readonly Cidr[];
  /** Named ports by name (pods: container ports; host endpoints: spec.ports). */
  readonly namedPorts: ReadonlyMap<string, readonly { protocol: number; port: number }[]>;
  /** Profiles evaluated after the tiers, in order. */
  readonly profiles: readonly string[];
  /** Whether policy is enforced on this entity (pods and host endpoints). */
  readonly isEndpoint: boolean;
  readonly pod?: Pod;
  readonly hostEndpoint?: HostEndpoint;
  readonly networkSet?: NetworkSet;
  /** Memo of ClusterIndex.primaryIdentity: the identity of its first IP, with it as owner. */
  primary: IpIdentity | undefined;
}

function inherit(own: Labels, extra: Iterable<[string, string]>): Map<string, string> {
  const labels = new Map(Object.entries(own));
  for (const [key, value] of extra) if (!labels.has(key)) labels.set(key, value);
  return labels;
}

function* prefixed(prefix: string, labels: Labels | undefined, name: string): Iterable<[string, string]> {
  for (const [key, value] of Object.entries(labels ?? {})) yield [prefix + key, value];
  yield [`${prefix}${NAME_LABEL}`, name];
}

function namedPorts(ports: readonly { name: string; protocol: number; port: number }[]) {
  const byName = new Map<string, { protocol: number; port: number }[]>();
  for (const { name, protocol, port } of ports) {
    if (!name) continue;
    const list = byName.get(name) ?? [];
    list.push({ protocol, port });
    byName.set(name, list);
  }
  return byName;
}

const parseIps = (ips: readonly string[]) => ips.map(parseIp).filter((ip): ip is Ip => ip !== undefined);

export interface EntityContext {
  namespaces: ReadonlyMap<string, Namespace>;
  serviceAccounts: ReadonlyMap<string, ServiceAccount>;
}

/** A pod as a workload endpoint: own labels win over the `kns.` and `ksa.` profile labels. */
export function podEntity(id: number, pod: Pod, context: EntityContext): Entity {
  const extra: [string, string][] = [
    [NAMESPACE_LABEL, pod.namespace],
    [ORCHESTRATOR_LABEL, 'k8s'],
  ];
  if (pod.serviceAccount.length < 63) extra.push([SERVICE_ACCOUNT_LABEL, pod.serviceAccount]);
  const namespace = context.namespaces.get(pod.namespace);
  const account = context.serviceAccounts.get(`${pod.namespace}/${pod.serviceAccount}`);
  // Calico adds its own labels over the pod's, then the profile labels under them.
  const labels = new Map(Object.entries(pod.labels));
  for (const [key, value] of extra) labels.set(key, value);
  const inherited = [
    ...prefixed('pcns.', namespace?.labels, pod.namespace),
    ...prefixed('pcsa.', account?.labels, pod.serviceAccount),
  ];
  for (const [key, value] of inherited) if (!labels.has(key)) labels.set(key, value);
  return {
    id,
    kind: 'pod',
    name: pod.name,
    namespace: pod.namespace,
    labels,
    ips: parseIps(pod.ips),
    nets: [],
    namedPorts: namedPorts(pod.ports),
    profiles: [`kns.${pod.namespace}`, `ksa.${pod.namespace}.${pod.serviceAccount}`],
    isEndpoint: true,
    pod,
    primary: undefined,
  };
}

export function hostEndpointEntity(id: number, hep: HostEndpoint): Entity {
  return {
    id,
    kind: 'hostEndpoint',
    name: hep.name,
    namespace: undefined,
    labels: new Map(Object.entries(hep.labels)),
    ips: parseIps(hep.expectedIPs),
    nets: [],
    namedPorts: namedPorts(hep.ports),
    profiles: hep.profiles,
    isEndpoint: true,
    hostEndpoint: hep,
    primary: undefined,
  };
}

export function networkSetEntity(id: number, set: NetworkSet, context: EntityContext): Entity {
  const labels =
    set.namespace === undefined
      ? new Map(Object.entries(set.labels))
      : inherit(set.labels, [
          [NAMESPACE_LABEL, set.namespace],
          ...prefixed('pcns.', context.namespaces.get(set.namespace)?.labels, set.namespace),
        ]);
  return {
    id,
    kind: 'networkSet',
    name: set.name,
    namespace: set.namespace,
    labels,
    ips: [],
    nets: set.nets.map((text) => parseCidr(text)).filter((cidr): cidr is Cidr => cidr !== undefined),
    namedPorts: new Map(),
    profiles: [],
    isEndpoint: false,
    networkSet: set,
    primary: undefined,
  };
}

export function formatLabels(labels: ReadonlyMap<string, string>): string {
  return [...labels]
    .filter(([key]) => !key.startsWith('projectcalico.org/') && !key.startsWith('pcns.') && !key.startsWith('pcsa.'))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
