// Collects items and hands them over in batches, at most once per interval.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Batcher<T> {
  push(item: T): void;
  /** Hands over whatever is queued now. */
  flush(): void;
  /** Drops the queue and cancels the timer; later pushes are ignored. */
  dispose(): void;
  readonly size: number;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The first push after a flush starts a timer of `intervalMs`; when it fires, everything queued goes to `onFlush` in arrival order. `maxQueue` bounds memory: past it the oldest items are dropped. */
export function createBatcher<T>(
  onFlush: (items: T[]) => void,
  intervalMs: number,
  maxQueue = 50_000,
  timers: Timers = defaultTimers,
): Batcher<T> {
  let queue: T[] = [];
  let handle: unknown = null;
  let disposed = false;
  const flush = () => {
    if (handle !== null) {
      timers.clearTimeout(handle);
      handle = null;
    }
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    onFlush(items);
  };
  return {
    push(item) {
      if (disposed) return;
      queue.push(item);
      if (queue.length > maxQueue) queue.splice(0, queue.length - maxQueue);
      if (handle === null) handle = timers.setTimeout(flush, intervalMs);
    },
    flush,
    dispose() {
      disposed = true;
      queue = [];
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
    },
    get size() {
      return queue.length;
    },
  };
}
