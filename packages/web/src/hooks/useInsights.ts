// The Insights, Egress and Rollout pages' server state: findings, a namespace's egress lockdown and
// rollout coverage over the window in the URL.
import { api, type EgressDialect } from '../api/client.ts';
import type { CoverageResponse, EgressResponse, InsightsResponse } from '../api/types.ts';
import { CLUSTER_KEY } from './queryClient.ts';
import { type Resource, useResource } from './useResource.ts';

/** Reloads after the UI stages or removes policies (queryClient.ts): findings depend on them. */
export function useInsights(since: number): Resource<InsightsResponse> {
  return useResource([...CLUSTER_KEY, 'insights', since], (signal) => api.insights(since, signal));
}

/** `namespace` '' = nothing to load. */
export function useEgress(namespace: string, since: number, dialect: EgressDialect): Resource<EgressResponse> {
  return useResource(namespace ? [...CLUSTER_KEY, 'egress', namespace, since, dialect] : null, (signal) =>
    api.egress({ namespace, since, dialect }, signal),
  );
}

export function useCoverage(since: number): Resource<CoverageResponse> {
  return useResource([...CLUSTER_KEY, 'coverage', since], (signal) => api.coverage(since, signal));
}
