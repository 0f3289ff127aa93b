// Streams (calico-observability §3.7) and the rollover clock shared by the back-ends.
import type { CompiledFilter } from './filter.ts';
import type { FlowResult } from './model.ts';
import type { Subscription } from './store.ts';
import { BUCKET_SECONDS, bucketStart } from './time.ts';

/** Reads every stored (key, bucket) of the buckets in `[from, to)`, oldest bucket first, as one-bucket results. */
export type ReadBuckets = (from: number, to: number, emit: (r: FlowResult) => void) => void;

interface Subscriber {
  /** Start of the next bucket this subscriber has not been sent. */
  next: number;
  filter: CompiledFilter;
  onFlow: (r: FlowResult) => void;
  closed: boolean;
}

export interface StreamHub {
  /**
   * `fromTime` 0 means live only; otherwise the backfill starts at the bucket containing it, unless
   * that is older than the beginning of history, in which case there is no backfill at all.
   * The backfill is sent from a microtask, so `onFlow` never runs before `subscribe` returns.
   */
  subscribe(fromTime: number, filter: CompiledFilter, onFlow: (r: FlowResult) => void): Subscription;
  /** Sends every subscriber all buckets it has not had below the current horizon (call after a rollover). */
  advance(): void;
  readonly size: number;
  closeAll(): void;
}

/**
 * `horizon()` is the start of the current streaming bucket (the most recently completed one): buckets
 * below it have been streamed, it is streamed at the next rollover.
 */
export function createStreamHub(read: ReadBuckets, horizon: () => number, beginningOfHistory: () => number): StreamHub {
  const subs = new Set<Subscriber>();
  const catchUp = (s: Subscriber): void => {
    const to = horizon();
    if (s.closed || s.next >= to) return;
    const from = s.next;
    s.next = to;
    read(from, to, (r) => {
      if (s.closed) return;
      if (!s.filter.key(r.flow.key)) return;
      if (s.filter.labels && !s.filter.labels(r.flow.sourceLabels, r.flow.destLabels)) return;
      if (s.filter.ips && !s.filter.ips(r.flow.sourceIps, r.flow.destIps)) return;
      try {
        s.onFlow(r);
      } catch {
        // A failing consumer must not break the others or the rollover.
      }
    });
  };
  return {
    subscribe(fromTime, filter, onFlow) {
      const h = horizon();
      const from = fromTime === 0 || bucketStart(fromTime) < beginningOfHistory() ? h : bucketStart(fromTime);
      const s: Subscriber = { next: Math.min(from, h), filter, onFlow, closed: false };
      subs.add(s);
      queueMicrotask(() => catchUp(s));
      return {
        close() {
          s.closed = true;
          subs.delete(s);
        },
      };
    },
    advance() {
      for (const s of subs) catchUp(s);
    },
    get size() {
      return subs.size;
    },
    closeAll() {
      for (const s of subs) s.closed = true;
      subs.clear();
    },
  };
}

export interface Ticker {
  stop(): void;
}

/** Calls `tick(now())` just after every 15 s boundary of the clock, scheduled against absolute boundaries. */
export function startTicker(now: () => number, tick: (now: number) => void): Ticker {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    const t = now();
    const delayMs = Math.max(10, (bucketStart(t) + BUCKET_SECONDS - t) * 1000 + 5);
    timer = setTimeout(() => {
      tick(now());
      schedule();
    }, delayMs);
    timer.unref?.();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Wall clock in Unix seconds (fractional). */
export const wallClock = (): number => Date.now() / 1000;
