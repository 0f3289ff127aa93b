// Verdict's cluster state changes when the UI stages or removes policies (POST/DELETE
// /api/v1/policies). A revision counter, bumped after every such request, keys the resources that
// describe the cluster (summary, tiers) so that every page and the header reload them.
import { useSyncExternalStore } from 'react';

let revision = 0;
const listeners = new Set<() => void>();

export function clusterRevision(): number {
  return revision;
}

export function subscribeClusterRevision(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Marks the cluster state as changed: resources keyed by the revision reload. */
export function clusterStateChanged(): void {
  revision++;
  for (const l of [...listeners]) l();
}

/**
 * Runs a request that changes the cluster state (POST/DELETE /api/v1/policies) and bumps the
 * revision once it settles, whether it succeeded or not (part of a batch may have applied).
 */
export async function changeClusterState<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } finally {
    clusterStateChanged();
  }
}

export function useClusterRevision(): number {
  return useSyncExternalStore(subscribeClusterRevision, clusterRevision, clusterRevision);
}
