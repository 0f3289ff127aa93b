// Server state lives in TanStack Query's cache. Queries that describe Verdict's cluster state (summary,
// tiers, policy history) are keyed under CLUSTER_KEY and invalidated after the UI stages or removes
// policies (POST/DELETE /api/v1/policies), so every page and the header reload them.
import { QueryClient } from '@tanstack/react-query';

export const CLUSTER_KEY = ['cluster'] as const;

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // Errors are shown with a Retry button; polling pages refetch on their own schedule.
      queries: { retry: false, refetchOnWindowFocus: false },
    },
  });
}

export const queryClient = createQueryClient();

/**
 * Runs a request that changes the cluster state and invalidates the cluster queries once it settles,
 * whether it succeeded or not (part of a batch may have applied).
 */
export async function changeClusterState<T>(client: QueryClient, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } finally {
    await client.invalidateQueries({ queryKey: CLUSTER_KEY });
  }
}
