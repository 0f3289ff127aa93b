// Live flows: EventSource → batcher (500 ms) → pure buffer reducer. Also loads fixed past ranges page by page.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import { openFlowStream } from '../api/stream.ts';
import type { ApiFlow, VerdictFilters } from '../api/types.ts';
import { createBatcher } from '../data/batcher.ts';
import { type FlowBufferState, flowBufferReducer, initialFlowBuffer, resumeStart } from '../data/flowBuffer.ts';
import { mergeGaps, type StreamGap } from '../data/streamGap.ts';

export const FLUSH_INTERVAL_MS = 500;
const HISTORY_PAGE_SIZE = 1000;

export type StreamStatus =
  | 'connecting'
  /** Connected; rows may or may not have arrived. */
  | 'live'
  /** Disconnected, reconnecting after a delay. */
  | 'retrying'
  /** Stopped on an error that a retry will not fix (e.g. a bad filter). */
  | 'failed'
  | 'loading-history'
  | 'history';

export interface FlowStream {
  buffer: FlowBufferState;
  status: StreamStatus;
  error: ApiError | null;
  /** Seconds until the next reconnect attempt while retrying. */
  retryAt: number | null;
  pause(): void;
  resume(): void;
  retry(): void;
  /** Flows the server could not stream to this page (it fell behind), not loaded yet; null when none. */
  gap: StreamGap | null;
  /** Loading the gap's flows from the list API; its error, if that failed. */
  gapLoad: { loading: boolean; error: ApiError | null };
  /** Loads the gap's flows into the table through the list API. */
  loadGap(): void;
  /** Seconds per bucket of the roll-up level that answered a closed range; null while streaming (15 s windows). */
  resolution: number | null;
}

/** Hubble's delays: 1 s, ×1.6 each attempt, at most 7 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(7000, 1000 * 1.6 ** attempt);
}

export function useFlowStream(filters: VerdictFilters, start: number, end: number): FlowStream {
  const [buffer, dispatch] = useReducer(flowBufferReducer, undefined, () => initialFlowBuffer());
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [generation, setGeneration] = useState(0);
  const [gap, setGap] = useState<StreamGap | null>(null);
  const [resolution, setResolution] = useState<number | null>(null);
  const [gapLoad, setGapLoad] = useState<{ loading: boolean; error: ApiError | null }>({ loading: false, error: null });
  const gapAbort = useRef<AbortController | null>(null);
  const rowsRef = useRef<readonly ApiFlow[]>(buffer.rows);
  useEffect(() => {
    rowsRef.current = buffer.rows;
  }, [buffer.rows]);

  // One string for everything that restarts the stream, so re-renders with equal filters do not reconnect.
  const streamKey = JSON.stringify([filters, start, end, generation]);

  useEffect(() => {
    const [parsedFilters, start, end] = JSON.parse(streamKey) as [VerdictFilters, number, number, number];
    let disposed = false;
    let closeStream: (() => void) | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const ctrl = new AbortController();
    const batcher = createBatcher<ApiFlow>((flows) => {
      if (!disposed) dispatch({ type: 'batch', flows });
    }, FLUSH_INTERVAL_MS);
    dispatch({ type: 'reset' });
    rowsRef.current = [];
    setGap(null);
    setResolution(null);
    setGapLoad({ loading: false, error: null });
    setError(null);
    setRetryAt(null);

    if (end !== 0) {
      // A closed time range: page through the REST list instead of streaming.
      setStatus('loading-history');
      (async () => {
        for (let page = 0; page < 20; page++) {
          const res = await api.listFlows(
            { start, end, filters: parsedFilters, page, pageSize: HISTORY_PAGE_SIZE },
            ctrl.signal,
          );
          if (disposed) return;
          dispatch({ type: 'batch', flows: res.items ?? [] });
          setResolution(res.resolution);
          if (page + 1 >= res.total.totalPages) break;
        }
        setStatus('history');
      })().catch((e: unknown) => {
        if (disposed) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));
        setStatus('failed');
      });
      return () => {
        disposed = true;
        ctrl.abort();
        batcher.dispose();
      };
    }

    let attempt = 0;
    const connect = (from: number) => {
      setStatus(attempt === 0 ? 'connecting' : 'retrying');
      closeStream = openFlowStream(
        { start: from, filters: parsedFilters },
        {
          onOpen() {
            attempt = 0;
            setStatus('live');
            setError(null);
            setRetryAt(null);
          },
          onFlow(flow) {
            batcher.push(flow);
          },
          onGap(g) {
            setGap((prev) => mergeGaps(prev, g));
          },
          onBadMessage() {
            // A non-flow message (e.g. a comment or a future event type) is not fatal.
          },
          onError() {
            batcher.flush();
            closeStream = null;
            // EventSource hides the status and body; ask the REST list why (400 = bad filter).
            api
              .listFlows({ start: -60, end: 0, filters: parsedFilters, page: 0, pageSize: 1 }, ctrl.signal)
              .then(
                () => null,
                (e: unknown) => (e instanceof ApiError ? e : null),
              )
              .then((probeError) => {
                if (disposed) return;
                if (probeError?.isBadRequest) {
                  setError(probeError);
                  setStatus('failed');
                  return;
                }
                setError(probeError ?? new ApiError(0, 'stream', 'The flow stream was interrupted.'));
                const delay = retryDelayMs(attempt++);
                setStatus('retrying');
                setRetryAt(Date.now() + delay);
                timer = setTimeout(() => {
                  timer = null;
                  connect(resumeStart(rowsRef.current, start, Math.floor(Date.now() / 1000)));
                }, delay);
              });
          },
        },
      );
    };
    connect(start);

    return () => {
      disposed = true;
      ctrl.abort();
      gapAbort.current?.abort();
      closeStream?.();
      if (timer) clearTimeout(timer);
      batcher.dispose();
    };
  }, [streamKey]);

  const pause = useCallback(() => dispatch({ type: 'pause' }), []);
  const resume = useCallback(() => dispatch({ type: 'resume' }), []);
  const retry = useCallback(() => setGeneration((g) => g + 1), []);

  const loadGap = useCallback(() => {
    if (!gap) return;
    gapAbort.current?.abort();
    const ctrl = new AbortController();
    gapAbort.current = ctrl;
    setGapLoad({ loading: true, error: null });
    // The stream goes on meanwhile: a gap announced during the load is kept for the next one.
    setGap(null);
    const filtersNow = JSON.parse(streamKey)[0] as VerdictFilters;
    (async () => {
      for (let page = 0; page < 20; page++) {
        const res = await api.listFlows(
          { start: gap.startTimeGte, end: gap.startTimeLt, filters: filtersNow, page, pageSize: HISTORY_PAGE_SIZE },
          ctrl.signal,
        );
        if (ctrl.signal.aborted) return;
        dispatch({ type: 'batch', flows: res.items ?? [] });
        if (page + 1 >= res.total.totalPages) break;
      }
      setGapLoad({ loading: false, error: null });
    })().catch((e: unknown) => {
      if (ctrl.signal.aborted) return;
      setGap((prev) => mergeGaps(prev, gap));
      setGapLoad({ loading: false, error: e instanceof ApiError ? e : new ApiError(0, 'client', String(e)) });
    });
  }, [gap, streamKey]);

  return { buffer, status, error, retryAt, pause, resume, retry, gap, gapLoad, loadGap, resolution };
}
