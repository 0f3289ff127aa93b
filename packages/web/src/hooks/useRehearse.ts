// The Rehearse page's server state: the editor draft (sessionStorage), the rehearsal job with its
// polling, and promotion.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api } from '../api/client.ts';
import type { ApiIssue, ImpactReport, Promotion } from '../api/types.ts';
import {
  type ChangeSetDraft,
  DRAFT_STORAGE_KEY,
  decodeDraft,
  EXAMPLE_CHANGE_SET,
  encodeDraft,
} from '../data/changeSet.ts';
import { readSession, writeSession } from './useSessionStorage.ts';

const POLL_MS = 250;

const asApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));

/** The editor text, kept in sessionStorage so a reload does not lose it; the example when nothing is stored. */
export function useChangeSetDraft(): [ChangeSetDraft, (changeSet: string) => void] {
  const [draft, setDraft] = useState<ChangeSetDraft>(
    () => decodeDraft(readSession(DRAFT_STORAGE_KEY)) ?? { changeSet: EXAMPLE_CHANGE_SET },
  );
  const update = useCallback((changeSet: string) => {
    // Once edited, the text is the user's: the origin note goes.
    const next = { changeSet };
    setDraft(next);
    writeSession(DRAFT_STORAGE_KEY, encodeDraft(next));
  }, []);
  return [draft, update];
}

/**
 * Returns a function that opens /rehearse with `changeSet` in the editor (handed over through
 * sessionStorage); with `run`, the page rehearses it at once over the flows from `start`.
 */
export function useOpenInRehearse(): (
  changeSet: string,
  origin: string,
  options?: { run?: boolean; start?: number },
) => void {
  const navigate = useNavigate();
  return useCallback(
    (changeSet: string, origin: string, options: { run?: boolean; start?: number } = {}) => {
      writeSession(DRAFT_STORAGE_KEY, encodeDraft({ changeSet, origin }));
      const query = new URLSearchParams();
      if (options.start !== undefined) query.set('start', String(options.start));
      if (options.run) query.set('run', '1');
      const qs = query.toString();
      navigate(qs ? `/rehearse?${qs}` : '/rehearse');
    },
    [navigate],
  );
}

export type RehearsalState =
  | { phase: 'idle' }
  | { phase: 'running'; done: number; total: number | null }
  | { phase: 'done'; report: ImpactReport; start: number }
  /** The change set does not load: every issue, for the editor. */
  | { phase: 'invalid'; message: string; issues: readonly ApiIssue[] }
  | { phase: 'failed'; error: ApiError };

/** Starts a rehearsal job and polls it to the end; a new run (or unmount) abandons the previous one. */
export function useRehearsal(): [RehearsalState, (changeSet: string, start: number) => void] {
  const [state, setState] = useState<RehearsalState>({ phase: 'idle' });
  const ctrlRef = useRef<AbortController | null>(null);
  useEffect(() => () => ctrlRef.current?.abort(), []);

  const run = useCallback((changeSet: string, start: number) => {
    ctrlRef.current?.abort();
    const ctrl = new AbortController();
    ctrlRef.current = ctrl;
    const { signal } = ctrl;
    setState({ phase: 'running', done: 0, total: null });
    (async () => {
      let job = await api.startRehearsal({ changeSet, start, end: 0 }, signal);
      while (job.status === 'running') {
        if (signal.aborted) return;
        setState({ phase: 'running', done: job.progress.done, total: job.progress.total });
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        job = await api.rehearsal(job.id, signal);
      }
      if (signal.aborted) return;
      if (job.status === 'done' && job.report) setState({ phase: 'done', report: job.report, start });
      else
        setState({
          phase: 'failed',
          error: new ApiError(500, job.error?.code ?? 'internal', job.error?.message ?? 'The rehearsal failed.'),
        });
    })().catch((e: unknown) => {
      if (signal.aborted) return;
      const error = asApiError(e);
      if (error.issues.length > 0) setState({ phase: 'invalid', message: error.message, issues: error.issues });
      else setState({ phase: 'failed', error });
    });
  }, []);
  return [state, run];
}

export type PromotionState =
  | { phase: 'idle' }
  | { phase: 'loading' }
  | { phase: 'done'; promotion: Promotion }
  | { phase: 'invalid'; message: string; issues: readonly ApiIssue[] }
  | { phase: 'failed'; error: ApiError };

export function usePromotion(): [PromotionState, (changeSet: string) => void, () => void] {
  const [state, setState] = useState<PromotionState>({ phase: 'idle' });
  const ctrlRef = useRef<AbortController | null>(null);
  useEffect(() => () => ctrlRef.current?.abort(), []);
  const promote = useCallback((changeSet: string) => {
    ctrlRef.current?.abort();
    const ctrl = new AbortController();
    ctrlRef.current = ctrl;
    setState({ phase: 'loading' });
    api.promote(changeSet, ctrl.signal).then(
      (promotion) => {
        if (!ctrl.signal.aborted) setState({ phase: 'done', promotion });
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        const error = asApiError(e);
        if (error.issues.length > 0) setState({ phase: 'invalid', message: error.message, issues: error.issues });
        else setState({ phase: 'failed', error });
      },
    );
  }, []);
  const reset = useCallback(() => {
    ctrlRef.current?.abort();
    setState({ phase: 'idle' });
  }, []);
  return [state, promote, reset];
}
