// The one SSE sender of both flow streams (/whisker-backend and /api/v1): a bounded queue written
// in batches, each after the client took the previous one. When the queue is full, flows are not
// silently lost: they are counted, and once the queue has drained the client gets one
// `event: gap` naming how many flows of which time span it missed, so it can refetch them.
import type { FlowResult } from '@verdict/flows';
import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';

/** What a gap event carries (JSON in its `data:` line). */
export interface StreamGap {
  /** Flows not sent. */
  missed: number;
  /** Start of the first and end of the last missed flow, Unix seconds: refetch this range with a list. */
  startTimeGte: number;
  startTimeLt: number;
}

export interface FlowStreamOptions {
  /** Flows queued for a slow client before further ones are dropped (and announced in a gap). */
  buffer: number;
  /** The `data:` payload of one flow. */
  format: (r: FlowResult) => unknown;
  /** Flows dropped for this client, for `verdict_stream_dropped_total`. */
  onDropped?: (count: number) => void;
  /** Interval of `: keepalive` comments; none when absent. */
  keepAliveMs?: number;
  onOpen?: () => void;
  onClose?: () => void;
  log?: Pick<Console, 'error'>;
}

/** Flows per write. */
const BATCH = 500;

export interface FlowStream {
  /** Queues one flow (the store's subscription callback). */
  push(r: FlowResult): void;
  /**
   * Starts the SSE response; `subscription.close()` runs when the client goes away. Subscribe
   * before calling it, so that a bad filter is still an HTTP error rather than a dead stream.
   */
  respond(c: Context, subscription: { close(): void }): Response;
}

export function createFlowStream(options: FlowStreamOptions): FlowStream {
  const buffer = Math.max(1, options.buffer);
  let sse: SSEStreamingApi | undefined;
  let queue: FlowResult[] = [];
  let missed = 0;
  let gapFrom = Number.POSITIVE_INFINITY;
  let gapTo = Number.NEGATIVE_INFINITY;
  let pumping = false;

  const pump = async () => {
    if (pumping || sse === undefined) return;
    pumping = true;
    const s = sse;
    try {
      while (!s.aborted && !s.closed) {
        if (queue.length > 0) {
          const batch = queue.length <= BATCH ? queue : queue.slice(0, BATCH);
          queue = queue.length <= BATCH ? [] : queue.slice(BATCH);
          await s.write(batch.map((r) => `data: ${JSON.stringify(options.format(r))}\n\n`).join(''));
          continue;
        }
        if (missed === 0) break;
        const gap: StreamGap = { missed, startTimeGte: gapFrom, startTimeLt: gapTo };
        missed = 0;
        gapFrom = Number.POSITIVE_INFINITY;
        gapTo = Number.NEGATIVE_INFINITY;
        await s.write(`event: gap\ndata: ${JSON.stringify(gap)}\n\n`);
      }
    } catch {
      // The client went away; the abort handler cleans up.
    } finally {
      pumping = false;
    }
  };

  return {
    push(r) {
      if (sse?.aborted || sse?.closed) return;
      // Once a flow was dropped, later ones are dropped too until the gap is announced, so that
      // the gap sits where the flows are missing.
      if (missed > 0 || queue.length >= buffer) {
        missed++;
        gapFrom = Math.min(gapFrom, r.flow.startTime);
        gapTo = Math.max(gapTo, r.flow.endTime);
        options.onDropped?.(1);
        void pump();
        return;
      }
      queue.push(r);
      void pump();
    },

    respond(c, subscription) {
      options.onOpen?.();
      return streamSSE(
        c,
        async (s) => {
          sse = s;
          void pump();
          const timer =
            options.keepAliveMs === undefined
              ? undefined
              : setInterval(() => {
                  if (!s.aborted && !s.closed) void s.write(': keepalive\n\n').catch(() => undefined);
                }, options.keepAliveMs);
          try {
            const signal = c.req.raw.signal;
            await new Promise<void>((resolve) => {
              s.onAbort(resolve);
              signal.addEventListener('abort', () => resolve(), { once: true });
              if (signal.aborted || s.aborted) resolve();
            });
          } finally {
            if (timer) clearInterval(timer);
            subscription.close();
            options.onClose?.();
          }
        },
        async (e) => {
          (options.log ?? console).error(`stream failed: ${e.message}`);
        },
      );
    },
  };
}
