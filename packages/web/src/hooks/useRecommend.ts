// The Recommend page's server state: the recommendation for the scope in the URL, and staging its
// policies into Verdict's cluster state (the staged list survives a reload in sessionStorage).

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import type { ApiIssue, PolicyKey, Recommendation } from '../api/types.ts';
import { decodeStaged, encodeStaged, STAGED_STORAGE_KEY } from '../data/changeSet.ts';
import type { RecommendParams } from '../data/recommend.ts';
import { changeClusterState } from './queryClient.ts';
import { useResource } from './useResource.ts';
import { readSession, writeSession } from './useSessionStorage.ts';

/** Loads when a namespace is chosen; `null` params = nothing to load. */
export function useRecommendation(params: RecommendParams | null) {
  const key = params?.namespace ? ['recommend', params] : null;
  return useResource<Recommendation>(key, (signal) => {
    if (!params) return Promise.reject(new ApiError(0, 'client', 'no scope'));
    return api.recommendations(
      {
        namespace: params.namespace,
        dialect: params.dialect,
        start: params.start,
        ...(params.workload ? { workload: params.workload } : {}),
        ...(params.tier ? { tier: params.tier } : {}),
      },
      signal,
    );
  });
}

export interface Staging {
  /** Policies this browser session staged and has not unstaged. */
  staged: readonly PolicyKey[];
  busy: boolean;
  error: ApiError | null;
  /** Warnings from the last stage. */
  warnings: readonly ApiIssue[];
  stage(yaml: string): void;
  unstage(): void;
}

export function useStaging(): Staging {
  const [staged, setStagedState] = useState<PolicyKey[]>(() => decodeStaged(readSession(STAGED_STORAGE_KEY)));
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [warnings, setWarnings] = useState<readonly ApiIssue[]>([]);
  const setStaged = useCallback((next: PolicyKey[]) => {
    setStagedState(next);
    writeSession(STAGED_STORAGE_KEY, next.length > 0 ? encodeStaged(next) : null);
  }, []);

  const stage = useCallback(
    (yaml: string) => {
      setBusy(true);
      setError(null);
      changeClusterState(client, () => api.applyPolicies(yaml)).then(
        (res) => {
          const key = (p: PolicyKey) => `${p.kind}/${p.namespace}/${p.name}`;
          const merged = new Map([...staged, ...res.applied].map((p) => [key(p), p]));
          setStaged([...merged.values()]);
          setWarnings(res.issues.filter((i) => i.severity === 'warning'));
          setBusy(false);
        },
        (e: unknown) => {
          setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));
          setBusy(false);
        },
      );
    },
    [staged, setStaged, client],
  );

  const unstage = useCallback(() => {
    setBusy(true);
    setError(null);
    changeClusterState(client, () => Promise.allSettled(staged.map((p) => api.removePolicy(p)))).then((results) => {
      // A 404 means it is gone already (e.g. the server restarted): drop it from the list too.
      const left = staged.filter((_, i) => {
        const r = results[i];
        return r?.status === 'rejected' && !(r.reason instanceof ApiError && r.reason.status === 404);
      });
      const failed = results.find(
        (r): r is PromiseRejectedResult =>
          r.status === 'rejected' && !(r.reason instanceof ApiError && r.reason.status === 404),
      );
      if (failed)
        setError(failed.reason instanceof ApiError ? failed.reason : new ApiError(0, 'client', String(failed.reason)));
      setStaged(left);
      setWarnings([]);
      setBusy(false);
    });
  }, [staged, setStaged, client]);

  return { staged, busy, error, warnings, stage, unstage };
}
