// The policy change log: every add, change and delete of a policy, tier or network set that
// Verdict saw, kept beside the flows and for as long as they are.

export type ChangeOp = 'added' | 'modified' | 'deleted';

/** One change as recorded, before the store numbers it. */
export interface PolicyChangeInput {
  /** Unix milliseconds when Verdict saw the change. */
  time: number;
  op: ChangeOp;
  /** Engine policy kind (`KubernetesNetworkPolicy` for networking.k8s.io), or `Tier`, `NetworkSet`, `GlobalNetworkSet`. */
  kind: string;
  /** '' for cluster-scoped resources. */
  namespace: string;
  name: string;
  /** The resourceVersion of the new object (of the deleted one for deletes); '' when unknown. */
  resourceVersion: string;
  /** Where the change was seen: `watch`, `demo`, `api`. */
  source: string;
  /** The resource before and after (metadata trimmed to name, namespace, labels, annotations); null when absent. */
  before: unknown;
  after: unknown;
  /** Unified diff of the two as YAML. */
  diff: string;
}

export interface PolicyChange extends PolicyChangeInput {
  /** Increasing in the order the store recorded changes; a cursor for polling. */
  id: number;
}

export interface ChangeQuery {
  /** Only changes at or after this Unix millisecond. */
  since?: number;
  /** Only changes with a larger id. */
  afterId?: number;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Newest `limit` of the matching changes; default and maximum CHANGE_QUERY_LIMIT. */
  limit?: number;
}

export const CHANGE_QUERY_LIMIT = 10_000;

/** Whether a change matches every given field of the query. */
export function changeMatches(change: PolicyChange, query: ChangeQuery): boolean {
  return (
    (query.since === undefined || change.time >= query.since) &&
    (query.afterId === undefined || change.id > query.afterId) &&
    (query.kind === undefined || change.kind === query.kind) &&
    (query.namespace === undefined || change.namespace === query.namespace) &&
    (query.name === undefined || change.name === query.name)
  );
}

export function changeLimit(query: ChangeQuery): number {
  const limit = query.limit ?? CHANGE_QUERY_LIMIT;
  return Math.max(1, Math.min(CHANGE_QUERY_LIMIT, Math.floor(limit)));
}
