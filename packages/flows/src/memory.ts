// The in-memory store: Goldmane parity (242 buckets of 15 s, calico-observability §3.2–3.7).
import { type ChangeQuery, changeLimit, changeMatches, type PolicyChange } from './changes.ts';
import { compileFilterParts } from './filter.ts';
import { mergeIpSets } from './ips.ts';
import {
  addCounters,
  canonicalKey,
  flowKeyString,
  intersectLabels,
  mergeLabels,
  type WindowCounters,
  withIps,
} from './key.ts';
import type { Flow, FlowKey, FlowResult, IpSet } from './model.ts';
import {
  checkHintType,
  checkRange,
  checkSignal,
  flowStoreError,
  hintsOf,
  listOf,
  SCAN_CHUNK,
  yieldToLoop,
} from './query.ts';
import { computeStatistics } from './stats.ts';
import type { FlowFilter, TimeRange } from './store.ts';
import { createStreamHub, startTicker, wallClock } from './stream.ts';
import { BUCKET_SECONDS, bucketStart, NUM_BUCKETS } from './time.ts';
import { DEFAULT_CLUSTER, type MemoryFlowStore, type StoreOptions } from './types.ts';

interface Window extends WindowCounters {
  start: number;
  sourceLabels: readonly string[];
  destLabels: readonly string[];
  sourceIps: IpSet | undefined;
  destIps: IpSet | undefined;
}

interface Entry {
  id: number;
  keyString: string;
  key: FlowKey;
  /** Sorted by start. */
  windows: Window[];
}

function compile(filter: FlowFilter | undefined, cluster: string) {
  const c = compileFilterParts(filter, cluster);
  if (!c.ok) throw flowStoreError('invalid-filter', c.error.message, `filter.${c.error.path}`);
  return c.value;
}

function windowFlow(e: Entry, w: Window): Flow {
  const flow: Flow = {
    key: e.key,
    startTime: w.start,
    endTime: w.start + BUCKET_SECONDS,
    sourceLabels: w.sourceLabels,
    destLabels: w.destLabels,
    packetsIn: w.packetsIn,
    packetsOut: w.packetsOut,
    bytesIn: w.bytesIn,
    bytesOut: w.bytesOut,
    numConnectionsStarted: w.started,
    numConnectionsCompleted: w.completed,
    numConnectionsLive: w.live,
  };
  return withIps(flow, w.sourceIps, w.destIps);
}

const ZERO_COUNTERS = {
  packetsIn: 0,
  packetsOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  numConnectionsStarted: 0,
  numConnectionsCompleted: 0,
  numConnectionsLive: 0,
} as const;

/**
 * Aggregates a key over a range (§3.4): it qualifies when a window starts in `[gte, lt)`; counters
 * sum only the windows with start >= gte and end <= lt; start, end and labels come from the
 * qualifying windows.
 */
function aggregate(e: Entry, range: TimeRange): Flow | undefined {
  let f: Flow | undefined;
  for (const w of e.windows) {
    if (w.start < range.gte || w.start >= range.lt) continue;
    const counted = w.start + BUCKET_SECONDS <= range.lt;
    if (!f) {
      f = windowFlow(e, w);
      if (!counted) Object.assign(f, ZERO_COUNTERS);
      continue;
    }
    f.endTime = w.start + BUCKET_SECONDS;
    f.sourceLabels = mergeLabels(f.sourceLabels, w.sourceLabels);
    f.destLabels = mergeLabels(f.destLabels, w.destLabels);
    withIps(f, mergeIpSets(f.sourceIps, w.sourceIps), mergeIpSets(f.destIps, w.destIps));
    if (!counted) continue;
    f.packetsIn += w.packetsIn;
    f.packetsOut += w.packetsOut;
    f.bytesIn += w.bytesIn;
    f.bytesOut += w.bytesOut;
    f.numConnectionsStarted += w.started;
    f.numConnectionsCompleted += w.completed;
    f.numConnectionsLive += w.live;
  }
  return f;
}

const WHOLE_HISTORY: TimeRange = { gte: Number.MIN_SAFE_INTEGER, lt: Number.MAX_SAFE_INTEGER };

export interface MemoryStoreOptions extends StoreOptions {
  /** Id of a new key (given its canonical string); default: 1, 2, 3… in order of first sight. */
  idOf?: (keyString: string) => number;
}

/** Creates the Goldmane-parity memory store. Flows outside `[beginningOfHistory, headEnd)` are dropped and counted. */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryFlowStore {
  const now = options.now ?? wallClock;
  const cluster = options.cluster ?? DEFAULT_CLUSTER;
  const keys = new Map<string, Entry>();
  const byId = new Map<number, Entry>();
  /** bucket start → entries with a window there */
  const buckets = new Map<number, Entry[]>();
  let nextId = 1;
  let dropped = 0;
  /** Oldest first; trimmed to the flow history on rollover. */
  let changeLog: PolicyChange[] = [];
  let nextChangeId = 1;
  let closed = false;
  /** Start of the bucket currently filling; the head (ahead) bucket is the next one. */
  let filling = bucketStart(now());
  const beginningOfHistory = () => filling + 2 * BUCKET_SECONDS - NUM_BUCKETS * BUCKET_SECONDS;
  const skew = options.maxClockSkewSeconds ?? 30;
  const headEnd = () => Math.max(filling + 2 * BUCKET_SECONDS, bucketStart(now() + skew));

  const hub = createStreamHub(
    (from, to, emit) => {
      for (let b = from; b < to; b += BUCKET_SECONDS) {
        const entries = buckets.get(b);
        if (!entries) continue;
        entries.sort((a, b) => a.id - b.id);
        for (const e of entries) {
          const w = findWindow(e, b);
          if (w) emit({ id: e.id, flow: windowFlow(e, w), cluster });
        }
      }
    },
    () => filling - BUCKET_SECONDS,
    beginningOfHistory,
  );

  function findWindow(e: Entry, start: number): Window | undefined {
    for (let i = e.windows.length - 1; i >= 0; i--) {
      const w = e.windows[i]!;
      if (w.start === start) return w;
      if (w.start < start) return undefined;
    }
    return undefined;
  }

  function evict(): void {
    const begin = beginningOfHistory();
    for (const [b, entries] of buckets) {
      if (b >= begin) continue;
      buckets.delete(b);
      for (const e of entries) {
        let n = 0;
        while (n < e.windows.length && e.windows[n]!.start < begin) n++;
        if (n > 0) e.windows.splice(0, n);
        if (e.windows.length === 0) {
          keys.delete(e.keyString);
          byId.delete(e.id);
        }
      }
    }
  }

  function advanceTo(boundary: number): void {
    if (boundary <= filling) return;
    filling = boundary;
    hub.advance();
    evict();
  }

  function ingestOne(flow: Flow, begin: number, end: number): void {
    const start = bucketStart(flow.startTime);
    if (start < begin || start >= end) {
      dropped++;
      return;
    }
    const ks = flowKeyString(flow.key);
    let e = keys.get(ks);
    if (!e) {
      e = { id: options.idOf ? options.idOf(ks) : nextId++, keyString: ks, key: canonicalKey(flow.key), windows: [] };
      keys.set(ks, e);
      byId.set(e.id, e);
    }
    let w = findWindow(e, start);
    if (!w) {
      w = {
        start,
        sourceLabels: flow.sourceLabels,
        destLabels: flow.destLabels,
        packetsIn: 0,
        packetsOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        started: 0,
        completed: 0,
        live: 0,
        sourceIps: undefined,
        destIps: undefined,
      };
      let i = e.windows.length;
      while (i > 0 && e.windows[i - 1]!.start > start) i--;
      e.windows.splice(i, 0, w);
      let list = buckets.get(start);
      if (!list) buckets.set(start, (list = []));
      list.push(e);
    } else {
      w.sourceLabels = intersectLabels(w.sourceLabels, flow.sourceLabels);
      w.destLabels = intersectLabels(w.destLabels, flow.destLabels);
    }
    addCounters(w, flow);
    w.sourceIps = mergeIpSets(w.sourceIps, flow.sourceIps);
    w.destIps = mergeIpSets(w.destIps, flow.destIps);
  }

  async function matching(
    range: TimeRange,
    filter: FlowFilter | undefined,
    signal: AbortSignal | undefined,
  ): Promise<FlowResult[]> {
    checkRange(range);
    const c = compile(filter, cluster);
    const out: FlowResult[] = [];
    let seen = 0;
    // A Map iterates live: entries added while this scan yields are visited, removed ones skipped.
    for (const e of keys.values()) {
      if (++seen % SCAN_CHUNK === 0) {
        await yieldToLoop();
        checkSignal(signal);
      }
      if (!c.key(e.key)) continue;
      const f = aggregate(e, range);
      if (!f) continue;
      if (c.labels && !c.labels(f.sourceLabels, f.destLabels)) continue;
      if (c.ips && !c.ips(f.sourceIps, f.destIps)) continue;
      out.push({ id: e.id, flow: f, cluster });
    }
    return out;
  }

  const ensureOpen = () => {
    if (closed) throw flowStoreError('closed', 'store is closed');
  };
  const forgetOldChanges = () => {
    const cutoff = beginningOfHistory() * 1000;
    if (changeLog.length > 0 && changeLog[0]!.time < cutoff) changeLog = changeLog.filter((c) => c.time >= cutoff);
  };

  const ticker =
    (options.autoRollover ?? options.now === undefined) ? startTicker(now, (t) => store.tick(t)) : undefined;

  const store: MemoryFlowStore = {
    kind: 'memory',
    get dropped() {
      return dropped;
    },
    acceptedStarts: () => ({ gte: beginningOfHistory(), lt: headEnd() }),
    async ingest(flows) {
      ensureOpen();
      const begin = beginningOfHistory();
      const end = headEnd();
      for (const f of flows) ingestOne(f, begin, end);
    },
    async list(q) {
      ensureOpen();
      return listOf(await matching(q.range, q.filter, q.signal), q);
    },
    async get(id) {
      ensureOpen();
      const e = byId.get(id);
      const flow = e && aggregate(e, WHOLE_HISTORY);
      return flow && { id, flow, cluster };
    },
    async hints(q) {
      ensureOpen();
      // Checked before the scan, so a bad type fails fast.
      checkHintType(q.type);
      return hintsOf(await matching(q.range, q.filter, q.signal), q);
    },
    subscribe(fromTime, filter, onFlow) {
      ensureOpen();
      return hub.subscribe(fromTime, compile(filter, cluster), onFlow);
    },
    async statistics(q) {
      ensureOpen();
      checkRange(q.range);
      const windows: Flow[] = [];
      for (const e of keys.values()) for (const w of e.windows) windows.push(windowFlow(e, w));
      return computeStatistics(windows, q);
    },
    tick(t = now()) {
      advanceTo(bucketStart(t));
      forgetOldChanges();
    },
    rollover() {
      advanceTo(filling + BUCKET_SECONDS);
      forgetOldChanges();
    },
    async recordChanges(changes) {
      ensureOpen();
      const stored = changes.map((change) => ({ ...change, id: nextChangeId++ }));
      changeLog.push(...stored);
      return stored;
    },
    async changes(query: ChangeQuery) {
      ensureOpen();
      return changeLog.filter((change) => changeMatches(change, query)).slice(-changeLimit(query));
    },
    async stats() {
      let rows = 0;
      for (const e of keys.values()) rows += e.windows.length;
      // ~350 B of heap per window, as measured by bench/pipeline/store.ts.
      return { rows, bytes: rows * 350 };
    },
    async close() {
      closed = true;
      ticker?.stop();
      hub.closeAll();
    },
  };
  return store;
}
