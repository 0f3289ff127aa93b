// The Kubernetes and Calico resources Verdict reads from a live cluster: one list, from which the
// watcher starts its informers and `verdict install` derives its read-only ClusterRole. Policy kinds
// come from the engine's catalogue; the others are listed here.
import { POLICY_KINDS, type PolicyKind, policyKindInfo } from '@verdict/engine';

/** An API group/version a kind can be served from; the first one discovery shows is used. */
export interface KindSource {
  /** '' for the core group. */
  group: string;
  version: string;
}

/** What a kind contributes to the cluster state, and so how its events reach the engine. */
export type KindRole =
  | 'pod' // applied to the engine one pod at a time
  | 'policy' // applied one policy at a time, recorded in the change log
  | 'tier' // the engine rebuilds its index, recorded in the change log
  | 'networkSet' // the engine rebuilds its index, recorded in the change log
  | 'context' // namespaces, services, ... : the engine rebuilds its index
  | 'inventory'; // read for counts and readiness only (nodes)

export interface WatchedKind {
  kind: string;
  plural: string;
  namespaced: boolean;
  /** In order of preference. */
  sources: readonly KindSource[];
  role: KindRole;
  /** For policies: the engine's kind. */
  policyKind?: PolicyKind;
}

const CORE: KindSource = { group: '', version: 'v1' };
const DISCOVERY: KindSource = { group: 'discovery.k8s.io', version: 'v1' };
/** The Calico API server when installed, else the CRDs Calico stores its resources in. */
const CALICO: readonly KindSource[] = [
  { group: 'projectcalico.org', version: 'v3' },
  { group: 'crd.projectcalico.org', version: 'v1' },
];

const kind = (
  name: string,
  plural: string,
  namespaced: boolean,
  sources: readonly KindSource[],
  role: KindRole,
): WatchedKind => Object.freeze({ kind: name, plural, namespaced, sources: Object.freeze([...sources]), role });

/** A catalogue policy kind; Calico's are read from the Calico API server or its CRDs. */
const policy = (policyKind: PolicyKind): WatchedKind => {
  const info = policyKindInfo(policyKind);
  const sources = info.group === 'projectcalico.org' ? CALICO : [{ group: info.group, version: info.version }];
  return Object.freeze({
    kind: info.manifestKind,
    plural: info.plural,
    namespaced: info.scope === 'Namespaced',
    sources: Object.freeze([...sources]),
    role: 'policy' as const,
    policyKind,
  });
};

/**
 * Every watched kind. A kind's identity is `kind` plus the group of its first source, since
 * Kubernetes and Calico both have a `NetworkPolicy`.
 */
export const WATCHED_KINDS: readonly WatchedKind[] = Object.freeze([
  kind('Namespace', 'namespaces', false, [CORE], 'context'),
  kind('Pod', 'pods', true, [CORE], 'pod'),
  kind('Service', 'services', true, [CORE], 'context'),
  kind('ServiceAccount', 'serviceaccounts', true, [CORE], 'context'),
  kind('Node', 'nodes', false, [CORE], 'inventory'),
  kind('EndpointSlice', 'endpointslices', true, [DISCOVERY], 'context'),
  ...POLICY_KINDS.map(policy),
  kind('Tier', 'tiers', false, CALICO, 'tier'),
  kind('NetworkSet', 'networksets', true, CALICO, 'networkSet'),
  kind('GlobalNetworkSet', 'globalnetworksets', false, CALICO, 'networkSet'),
  kind('HostEndpoint', 'hostendpoints', false, CALICO, 'context'),
]);

/** Calico's ClusterInformation: the object `default` names the running release (`spec.calicoVersion`). Read once, not watched. */
export const CLUSTER_INFORMATION = Object.freeze({ plural: 'clusterinformations', name: 'default', sources: CALICO });

/** `NetworkPolicy.networking.k8s.io`, `Pod` (core): a stable name for a watched kind in readiness and metrics. */
export function kindKey(watched: WatchedKind): string {
  const group = watched.sources[0]?.group ?? '';
  return group === '' ? watched.kind : `${watched.kind}.${group}`;
}

/** `apiVersion` as written in a manifest: `v1`, `networking.k8s.io/v1`. */
export function sourceApiVersion(source: KindSource): string {
  return source.group === '' ? source.version : `${source.group}/${source.version}`;
}

/** The URL path of an API group version: `/api/v1`, `/apis/projectcalico.org/v3`. */
export function groupVersionPath(source: KindSource): string {
  return source.group === '' ? `/api/${source.version}` : `/apis/${source.group}/${source.version}`;
}

/** The URL path of a kind's collection across all namespaces. */
export function collectionPath(watched: Pick<WatchedKind, 'plural'>, source: KindSource): string {
  return `${groupVersionPath(source)}/${watched.plural}`;
}

export interface ReadRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

/**
 * The read-only RBAC rules the watcher needs: get, list and watch on every watched resource in
 * every group it may be served from, one rule per group, groups and resources sorted; then get on
 * the one ClusterInformation object.
 */
export function clusterReadRules(kinds: readonly WatchedKind[] = WATCHED_KINDS): ReadRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const watched of kinds)
    for (const source of watched.sources) {
      const resources = byGroup.get(source.group) ?? new Set<string>();
      resources.add(watched.plural);
      byGroup.set(source.group, resources);
    }
  const watchRules = [...byGroup.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, resources]) => ({
      apiGroups: [group],
      resources: [...resources].sort(),
      verbs: ['get', 'list', 'watch'],
    }));
  const versionRule: ReadRule = {
    apiGroups: CLUSTER_INFORMATION.sources.map((s) => s.group),
    resources: [CLUSTER_INFORMATION.plural],
    resourceNames: [CLUSTER_INFORMATION.name],
    verbs: ['get'],
  };
  return [...watchRules, versionRule];
}
