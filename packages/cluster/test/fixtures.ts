// Named Kubernetes and Calico objects for the cluster tests, and the emulator's resource tables.
import { CLUSTER_INFORMATION, WATCHED_KINDS } from '../src/kinds.ts';
import type { EmulatedResource } from './emulator.ts';

type Group = 'core' | 'networking' | 'discovery' | 'anp-v1alpha1' | 'anp-v1alpha2' | 'calico-apiserver' | 'calico-crds';

const GROUP_OF: Record<Group, (group: string, version: string) => boolean> = {
  core: (g) => g === '',
  networking: (g) => g === 'networking.k8s.io',
  discovery: (g) => g === 'discovery.k8s.io',
  'anp-v1alpha1': (g, v) => g === 'policy.networking.k8s.io' && v === 'v1alpha1',
  'anp-v1alpha2': (g, v) => g === 'policy.networking.k8s.io' && v === 'v1alpha2',
  'calico-apiserver': (g) => g === 'projectcalico.org',
  'calico-crds': (g) => g === 'crd.projectcalico.org',
};

/** The resources an API server with the given groups serves, from the watched kinds' sources. */
export function servedResources(groups: readonly Group[]): EmulatedResource[] {
  const served: EmulatedResource[] = [];
  for (const watched of WATCHED_KINDS)
    for (const source of watched.sources)
      if (groups.some((g) => GROUP_OF[g](source.group, source.version)))
        served.push({
          group: source.group,
          version: source.version,
          plural: watched.plural,
          kind: watched.kind,
          namespaced: watched.namespaced,
        });
  for (const source of CLUSTER_INFORMATION.sources)
    if (groups.some((g) => GROUP_OF[g](source.group, source.version)))
      served.push({ ...source, plural: CLUSTER_INFORMATION.plural, kind: 'ClusterInformation', namespaced: false });
  return served;
}

/** Calico's ClusterInformation `default`, naming the running release. */
export const clusterInformation = (apiVersion: string, calicoVersion: string) => ({
  apiVersion,
  kind: 'ClusterInformation',
  metadata: { name: 'default' },
  spec: { calicoVersion, clusterType: 'k8s,bgp,operator', datastoreReady: true },
});

export const FULL_CLUSTER: readonly Group[] = [
  'core',
  'networking',
  'discovery',
  'anp-v1alpha1',
  'anp-v1alpha2',
  'calico-apiserver',
  'calico-crds',
];
/** Calico installed by the operator without its API server: CRDs only. */
export const CRDS_ONLY: readonly Group[] = ['core', 'networking', 'discovery', 'anp-v1alpha1', 'calico-crds'];
/** A cluster without the AdminNetworkPolicy CRDs. */
export const NO_ADMIN_POLICIES: readonly Group[] = ['core', 'networking', 'discovery', 'calico-apiserver'];

export const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});

export const pod = (ns: string, name: string, ip: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: {
    nodeName: 'node-1',
    serviceAccountName: 'default',
    containers: [{ name: 'main', image: 'app', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
  },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});

/** Kubernetes NetworkPolicy: pods labelled `app: <to>` accept TCP `port` only from pods labelled `app: <from>`. */
export const allowOnly = (ns: string, name: string, to: string, from: string, port = 8080) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: ns, name },
  spec: {
    podSelector: { matchLabels: { app: to } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }], ports: [{ protocol: 'TCP', port }] }],
  },
});

/** Calico GlobalNetworkPolicy denying ingress to `app == '<to>'` in a tier. */
export const globalDeny = (apiVersion: string, name: string, to: string, tier = 'default') => ({
  apiVersion,
  kind: 'GlobalNetworkPolicy',
  metadata: { name: tier === 'default' ? name : `${tier}.${name}` },
  spec: {
    tier,
    order: 10,
    selector: `app == '${to}'`,
    types: ['Ingress'],
    ingress: [{ action: 'Deny' }],
  },
});

export const adminDeny = (name: string, to: string) => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name },
  spec: {
    priority: 10,
    subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: to } } } },
    ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }],
  },
});
