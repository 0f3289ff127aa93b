// Loads one resource per key with cancellation; a new key aborts the previous request.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/** `key` identifies the request (null = nothing to load); `load` is read at the time the key changes. */
export function useResource<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const loadRef = useRef(load);
  loadRef.current = load;
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [attempt, setAttempt] = useState(0);

  const effectKey = key === null ? null : `${key}#${attempt}`;
  useEffect(() => {
    if (effectKey === null) {
      setData(undefined);
      setError(null);
      setLoading(false);
      return;
    }
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    loadRef.current(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', String((e as Error)?.message ?? e)));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [effectKey]);

  const reload = useCallback(() => setAttempt((a) => a + 1), []);
  return { data, error, loading, reload };
}
