// One REST resource through TanStack Query, in the shape the pages use: the last data (kept while a
// new key loads), the error as an ApiError, whether a request is in flight, and reload.
import { keepPreviousData, type QueryKey, useQuery } from '@tanstack/react-query';
import { ApiError } from '../api/client.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

const asApiError = (e: unknown) =>
  e instanceof ApiError ? e : new ApiError(0, 'client', String((e as Error)?.message ?? e));

/** `key` identifies the request (null = nothing to load); `load` gets the query's abort signal; `pollMs` reloads it on a timer. */
export function useResource<T>(
  key: QueryKey | null,
  load: (signal: AbortSignal) => Promise<T>,
  options: { pollMs?: number } = {},
): Resource<T> {
  const q = useQuery({
    queryKey: key ?? ['none'],
    queryFn: ({ signal }) => load(signal),
    enabled: key !== null,
    placeholderData: keepPreviousData,
    refetchInterval: options.pollMs ?? false,
  });
  return {
    data: key === null ? undefined : q.data,
    error: key === null || !q.error ? null : asApiError(q.error),
    loading: key !== null && q.isFetching,
    reload: () => void q.refetch(),
  };
}
