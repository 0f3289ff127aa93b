// One hook per REST resource. Components get data and callbacks from these, never the network.
import { api, type TimeRange } from '../api/client.ts';
import type {
  ChangeListResponse,
  ClusterStatusResponse,
  ClusterSummary,
  ExplainResponse,
  GraphGrouping,
  GraphResponse,
  HintType,
  PolicyStatsResponse,
  TiersResponse,
  VerdictFilters,
} from '../api/types.ts';
import { toWhiskerFilters } from '../data/flowView.ts';
import { hintFilters } from '../data/hints.ts';
import type { HistoryRef } from '../data/timeline.ts';
import { CLUSTER_KEY } from './queryClient.ts';
import { type Resource, useResource } from './useResource.ts';

export function useExplain(id: number | null): Resource<ExplainResponse> {
  return useResource(id === null ? null : ['explain', id], (signal) => api.explainFlow(id ?? 0, signal));
}

/** Reloads after the UI stages or removes policies (queryClient.ts). */
export function useTiers(): Resource<TiersResponse> {
  return useResource([...CLUSTER_KEY, 'tiers'], (signal) => api.tiers(signal));
}

export function usePolicyStats(range: TimeRange): Resource<PolicyStatsResponse> {
  return useResource(['policy-stats', range.start, range.end], (signal) => api.policyStats(range, signal));
}

/** The graph folded by the server to the page's node budget (`limit`, 0 = all) and `focus`. */
export function useGraph(
  range: TimeRange,
  filters: VerdictFilters,
  view: { group: GraphGrouping; limit: number; focus: string | null },
): Resource<GraphResponse> {
  const { group, limit, focus } = view;
  const key = ['graph', range.start, range.end, group, limit, focus, filters];
  return useResource(key, (signal) => api.graph({ ...range, filters, group, limit, focus }, signal));
}

/** Reloads after the UI stages or removes policies (queryClient.ts). */
export function useSummary(): Resource<ClusterSummary> {
  return useResource([...CLUSTER_KEY, 'summary'], (signal) => api.summary(signal));
}

/** Filter hints from whisker-backend: the other active filters apply, plus a Fuzzy match on `search`. */
export function useFilterHints(
  type: HintType | null,
  search: string,
  filters: VerdictFilters,
): Resource<{ values: string[]; total: number }> {
  const key = type === null ? null : ['hints', type, search, filters];
  return useResource(key, async (signal) => {
    if (type === null) return { values: [], total: 0 };
    // Debounce: a newer key aborts this one before the request leaves.
    await new Promise((resolve) => setTimeout(resolve, search ? 300 : 0));
    if (signal.aborted) throw new DOMException('aborted', 'AbortError');
    const w = toWhiskerFilters(hintFilters(type, search, filters));
    const res = await api.filterHints({ type, filters: w, page: 0, pageSize: 50 }, signal);
    return { values: res.items.map((i) => i.value), total: res.total.totalResults ?? res.items.length };
  });
}

/** The cluster source's status (header warnings), polled: a watch can fall out of sync at any time. */
export function useClusterStatus(): Resource<ClusterStatusResponse> {
  return useResource([...CLUSTER_KEY, 'status'], (signal) => api.clusterStatus(signal), { pollMs: 15_000 });
}

/** One resource's change history, or nothing when `ref` is null. */
export function usePolicyHistory(ref: HistoryRef | null): Resource<ChangeListResponse> {
  const key = ref ? [...CLUSTER_KEY, 'history', ref.kind, ref.namespace, ref.name] : null;
  return useResource(key, (signal) => api.policyHistory(ref ?? { kind: '', namespace: '', name: '' }, signal));
}

/** Policy changes since `since` (Unix seconds, rounded down to the minute so the key is stable), polled for new ones. */
export function usePolicyChanges(since: number): Resource<ChangeListResponse> {
  const minute = Math.floor(since / 60) * 60;
  return useResource([...CLUSTER_KEY, 'changes', minute], (signal) => api.changes(minute, signal), {
    pollMs: 30_000,
  });
}
