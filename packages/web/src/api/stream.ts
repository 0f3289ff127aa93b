// EventSource client for /api/v1/flows/stream. The only module that opens an EventSource.

import { parseStreamGap, type StreamGap } from '../data/streamGap.ts';
import { buildUrl, filtersParam } from './client.ts';
import type { ApiFlow, VerdictFilters } from './types.ts';

export interface FlowStreamHandlers {
  onOpen(): void;
  onFlow(flow: ApiFlow): void;
  /** The server dropped flows for this client (it fell behind) and says which. */
  onGap(gap: StreamGap): void;
  /** A message that is not a flow; the stream stays open. */
  onBadMessage(data: string): void;
  /** The connection failed or ended. The stream is already closed; the caller decides whether to reopen. */
  onError(): void;
}

export interface FlowStreamParams {
  /** Unix seconds, or negative seconds relative to now. */
  start: number;
  filters: VerdictFilters;
}

export function flowStreamUrl(p: FlowStreamParams): string {
  return buildUrl('/api/v1/flows/stream', { start: p.start, filters: filtersParam(p.filters) });
}

function isFlow(v: unknown): v is ApiFlow {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ApiFlow).id === 'number' &&
    typeof (v as ApiFlow).startTime === 'number'
  );
}

/** Opens the stream and returns a function that closes it. Handlers are never called after close. */
export function openFlowStream(p: FlowStreamParams, h: FlowStreamHandlers): () => void {
  const es = new EventSource(flowStreamUrl(p));
  let closed = false;
  es.onopen = () => {
    if (!closed) h.onOpen();
  };
  es.onmessage = (ev: MessageEvent<string>) => {
    if (closed) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(ev.data);
    } catch {
      h.onBadMessage(ev.data);
      return;
    }
    if (isFlow(parsed)) h.onFlow(parsed);
    else h.onBadMessage(ev.data);
  };
  es.addEventListener('gap', (ev: MessageEvent<string>) => {
    if (closed) return;
    const gap = parseStreamGap(ev.data);
    if (gap) h.onGap(gap);
    else h.onBadMessage(ev.data);
  });
  es.onerror = () => {
    if (closed) return;
    // We own reconnection (with backoff and a resume point), so stop EventSource's own retry.
    closed = true;
    es.close();
    h.onError();
  };
  return () => {
    closed = true;
    es.close();
  };
}
