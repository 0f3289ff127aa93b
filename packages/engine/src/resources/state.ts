// ClusterState construction: built-in tiers, identities and merging.

import type { ClusterState, PolicySpec, Tier } from '../model.ts';

/** Every built-in tier of Calico 3.29 → 3.32+ (§0, §1.5), so policies of any version find theirs. */
export const BUILTIN_TIERS: readonly Tier[] = Object.freeze([
  Object.freeze({ name: 'default', order: 1_000_000, defaultAction: 'Deny' as const }),
  Object.freeze({ name: 'adminnetworkpolicy', order: 1000, defaultAction: 'Pass' as const }),
  Object.freeze({ name: 'baselineadminnetworkpolicy', order: 10_000_000, defaultAction: 'Pass' as const }),
  Object.freeze({ name: 'kube-admin', order: 1000, defaultAction: 'Pass' as const }),
  Object.freeze({ name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' as const }),
]);

export function emptyClusterState(): ClusterState {
  return {
    namespaces: [],
    pods: [],
    serviceAccounts: [],
    services: [],
    endpointSlices: [],
    tiers: [...BUILTIN_TIERS],
    networkSets: [],
    hostEndpoints: [],
    policies: [],
  };
}

/** Identity keys: two objects with the same key are the same resource. */
export const identity = {
  named: (o: { name: string }): string => o.name,
  namespaced: (o: { namespace?: string; name: string }): string => `${o.namespace ?? ''}/${o.name}`,
  policy: (p: PolicySpec): string => `${p.kind}/${p.namespace ?? ''}/${p.name}`,
};

function mergeList<T extends { source?: unknown }>(
  a: readonly T[],
  b: readonly T[],
  key: (o: T) => string,
  keepSourceless: boolean,
): T[] {
  const out = new Map<string, T>();
  for (const o of a) out.set(key(o), o);
  for (const o of b) {
    const k = key(o);
    // Implicit namespaces and built-in tiers (no source) never replace a written object.
    if (keepSourceless && o.source === undefined && out.has(k)) continue;
    out.set(k, o);
  }
  return [...out.values()];
}

/**
 * Combines two states; an object of `b` replaces the object of `a` with the same identity.
 * Implicit namespaces and built-in tiers of `b` (objects without `source`) do not replace
 * written ones of `a`.
 */
export function mergeStates(a: ClusterState, b: ClusterState): ClusterState {
  const version = b.calicoVersion ?? a.calicoVersion;
  return {
    namespaces: mergeList(a.namespaces, b.namespaces, identity.named, true),
    pods: mergeList(a.pods, b.pods, identity.namespaced, false),
    serviceAccounts: mergeList(a.serviceAccounts, b.serviceAccounts, identity.namespaced, false),
    services: mergeList(a.services, b.services, identity.namespaced, false),
    endpointSlices: mergeList(a.endpointSlices, b.endpointSlices, identity.namespaced, false),
    tiers: mergeList(a.tiers, b.tiers, identity.named, true),
    networkSets: mergeList(a.networkSets, b.networkSets, identity.namespaced, false),
    hostEndpoints: mergeList(a.hostEndpoints, b.hostEndpoints, identity.named, false),
    policies: mergeList(a.policies, b.policies, identity.policy, false),
    ...(version !== undefined ? { calicoVersion: version } : {}),
  };
}
