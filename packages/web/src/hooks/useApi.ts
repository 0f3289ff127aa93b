// One hook per REST resource. Components get data and callbacks from these, never the network.
import { api, type TimeRange } from '../api/client.ts';
import type {
  ClusterSummary,
  ExplainResponse,
  GraphGroup,
  GraphResponse,
  HintType,
  PolicyStatsResponse,
  TiersResponse,
  VerdictFilters,
} from '../api/types.ts';
import { toWhiskerFilters } from '../data/flowView.ts';
import { hintFilters } from '../data/hints.ts';
import { type Resource, useResource } from './useResource.ts';

export function useExplain(id: number | null): Resource<ExplainResponse> {
  return useResource(id === null ? null : `explain:${id}`, (signal) => api.explainFlow(id ?? 0, signal));
}

export function useTiers(): Resource<TiersResponse> {
  return useResource('tiers', (signal) => api.tiers(signal));
}

export function usePolicyStats(range: TimeRange): Resource<PolicyStatsResponse> {
  return useResource(`stats:${range.start}:${range.end}`, (signal) => api.policyStats(range, signal));
}

export function useGraph(range: TimeRange, filters: VerdictFilters, group: GraphGroup): Resource<GraphResponse> {
  const key = `graph:${range.start}:${range.end}:${group}:${JSON.stringify(filters)}`;
  return useResource(key, (signal) => api.graph({ ...range, filters, group }, signal));
}

export function useSummary(): Resource<ClusterSummary> {
  return useResource('summary', (signal) => api.summary(signal));
}

/** Filter hints from whisker-backend: the other active filters apply, plus a Fuzzy match on `search`. */
export function useFilterHints(
  type: HintType | null,
  search: string,
  filters: VerdictFilters,
): Resource<{ values: string[]; total: number }> {
  const key = type === null ? null : `hints:${type}:${search}:${JSON.stringify(filters)}`;
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
