// The in-memory store: Goldmane parity (242 buckets of 15 s, calico-observability §3.2–3.7).
import { type ChangeQuery, changeLimit, changeMatches, type PolicyChange } from './changes.ts';
import { compileFilterParts } from './filter.ts';
import {
  IpSetInterner,
  LabelSetInterner,
  type SideIds,
  SideInterner,
  StringInterner,
  TraceInterner,
} from './intern.ts';
import { mergeIpSets } from './ips.ts';
import {
  addCounterRowTo,
  addToCounterRow,
  COUNTERS,
  flowKeyString,
  intersectLabels,
  mergeLabels,
  putCounterRow,
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
import { IntTupleMap } from './tuple-map.ts';
import { DEFAULT_CLUSTER, type MemoryFlowStore, type StoreOptions } from './types.ts';

/** Key fields: the FlowKey's strings and numbers as ids, both traces as trace ids. */
const KEY_WIDTH = 16;
const NONE = -1;

/**
 * The windows of every key, one row per (key, bucket) in typed-array columns: no object per window.
 * Rows of a key are chained oldest first (`next`), rows of a bucket chained by `bucketNext`.
 */
class WindowRows {
  entry = new Int32Array(0);
  /** Bucket start / BUCKET_SECONDS. */
  bucket = new Int32Array(0);
  next = new Int32Array(0);
  bucketNext = new Int32Array(0);
  /** COUNTERS per row: packetsIn, packetsOut, bytesIn, bytesOut, started, completed, live. */
  counters = new Float64Array(0);
  sourceLabels = new Int32Array(0);
  destLabels = new Int32Array(0);
  sourceIps = new Int32Array(0);
  destIps = new Int32Array(0);
  /** Rows ever used; freed rows are chained from `free` through `next`. */
  top = 0;
  free = NONE;
  live = 0;

  alloc(): number {
    this.live++;
    if (this.free !== NONE) {
      const row = this.free;
      this.free = this.next[row]!;
      return row;
    }
    if (this.top === this.entry.length) this.grow();
    return this.top++;
  }

  release(row: number): void {
    this.live--;
    this.entry[row] = NONE;
    this.next[row] = this.free;
    this.free = row;
  }

  get bytes(): number {
    return this.entry.length * (4 * 8 + 8 * COUNTERS);
  }

  private grow(): void {
    const size = Math.max(1024, Math.ceil(this.entry.length * 1.5));
    const grown = <T extends Int32Array | Float64Array>(a: T, width = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(size * width);
      b.set(a);
      return b;
    };
    this.entry = grown(this.entry);
    this.bucket = grown(this.bucket);
    this.next = grown(this.next);
    this.bucketNext = grown(this.bucketNext);
    this.counters = grown(this.counters, COUNTERS);
    this.sourceLabels = grown(this.sourceLabels);
    this.destLabels = grown(this.destLabels);
    this.sourceIps = grown(this.sourceIps);
    this.destIps = grown(this.destIps);
  }
}

/** The interners of one store; replaced together when the store compacts them. */
function newInterners() {
  const strings = new StringInterner();
  const labels = new LabelSetInterner(strings);
  const ips = new IpSetInterner(strings);
  return {
    strings,
    labels,
    traces: new TraceInterner(strings),
    ips,
    sides: new SideInterner(strings, labels, ips),
    /** Per key field, the last string interned there and its id: most fields repeat from flow to flow. */
    lastText: new Array<string | undefined>(KEY_WIDTH).fill(undefined),
    lastId: new Int32Array(KEY_WIDTH),
  };
}
type Interners = ReturnType<typeof newInterners>;

function compile(filter: FlowFilter | undefined, cluster: string) {
  const c = compileFilterParts(filter, cluster);
  if (!c.ok) throw flowStoreError('invalid-filter', c.error.message, `filter.${c.error.path}`);
  return c.value;
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

/** An address set as stored: undefined when it holds nothing (as `mergeIpSets(undefined, set)`). */
const nonEmpty = (set: IpSet | undefined) => (set && set.ips.length + set.beyond > 0 ? set : undefined);

const WHOLE_HISTORY: TimeRange = { gte: Number.MIN_SAFE_INTEGER, lt: Number.MAX_SAFE_INTEGER };

export interface MemoryStoreOptions extends StoreOptions {
  /** Id of a new key (given its canonical string); default: 1, 2, 3… in order of first sight. */
  idOf?: (keyString: string) => number;
}

/** Creates the Goldmane-parity memory store. Flows outside `[beginningOfHistory, headEnd)` are dropped and counted. */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryFlowStore {
  const now = options.now ?? wallClock;
  const cluster = options.cluster ?? DEFAULT_CLUSTER;
  let interned: Interners = newInterners();
  /** Interned values when the interners were last rebuilt; they are rebuilt when this has doubled. */
  let internedAtCompaction = 0;
  /** Bumped when entries are renumbered, so a scan that yielded starts over. */
  let generation = 0;
  // Keys: entry numbers from the tuple map, per-entry data in the arrays below.
  let keyMap = new IntTupleMap(KEY_WIDTH);
  let entryId = new Float64Array(keyMap.capacity);
  let entryHead = new Int32Array(keyMap.capacity);
  let entryTail = new Int32Array(keyMap.capacity);
  /** The canonical key of each entry (strings and traces shared through the interners); undefined when free. */
  let entryKey: (FlowKey | undefined)[] = [];
  const byId = new Map<number, number>();
  const rows = new WindowRows();
  /** bucket start → first row of that bucket */
  const buckets = new Map<number, number>();
  const tuple = new Int32Array(KEY_WIDTH);
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
        const picked: number[] = [];
        for (let r = buckets.get(b) ?? NONE; r !== NONE; r = rows.bucketNext[r]!) picked.push(r);
        picked.sort((x, y) => entryId[rows.entry[x]!]! - entryId[rows.entry[y]!]!);
        for (const r of picked) {
          const e = rows.entry[r]!;
          emit({ id: entryId[e]!, flow: windowFlow(e, r), cluster });
        }
      }
    },
    () => filling - BUCKET_SECONDS,
    beginningOfHistory,
  );

  function windowFlow(e: number, r: number): Flow {
    const c = rows.counters;
    const at = r * COUNTERS;
    const start = rows.bucket[r]! * BUCKET_SECONDS;
    const flow: Flow = {
      key: entryKey[e]!,
      startTime: start,
      endTime: start + BUCKET_SECONDS,
      sourceLabels: interned.labels.value(rows.sourceLabels[r]!),
      destLabels: interned.labels.value(rows.destLabels[r]!),
      packetsIn: c[at]!,
      packetsOut: c[at + 1]!,
      bytesIn: c[at + 2]!,
      bytesOut: c[at + 3]!,
      numConnectionsStarted: c[at + 4]!,
      numConnectionsCompleted: c[at + 5]!,
      numConnectionsLive: c[at + 6]!,
    };
    return withIps(flow, interned.ips.value(rows.sourceIps[r]!), interned.ips.value(rows.destIps[r]!));
  }

  /**
   * Aggregates a key over a range (§3.4): it qualifies when a window starts in `[gte, lt)`; counters
   * sum only the windows with start >= gte and end <= lt; start, end and labels come from the
   * qualifying windows.
   */
  function aggregate(e: number, range: TimeRange): Flow | undefined {
    let f: Flow | undefined;
    const c = rows.counters;
    for (let r = entryHead[e]!; r !== NONE; r = rows.next[r]!) {
      const start = rows.bucket[r]! * BUCKET_SECONDS;
      if (start < range.gte || start >= range.lt) continue;
      const counted = start + BUCKET_SECONDS <= range.lt;
      if (!f) {
        f = windowFlow(e, r);
        if (!counted) Object.assign(f, ZERO_COUNTERS);
        continue;
      }
      f.endTime = start + BUCKET_SECONDS;
      f.sourceLabels = mergeLabels(f.sourceLabels, interned.labels.value(rows.sourceLabels[r]!));
      f.destLabels = mergeLabels(f.destLabels, interned.labels.value(rows.destLabels[r]!));
      withIps(
        f,
        mergeIpSets(f.sourceIps, interned.ips.value(rows.sourceIps[r]!)),
        mergeIpSets(f.destIps, interned.ips.value(rows.destIps[r]!)),
      );
      if (!counted) continue;
      addCounterRowTo(f, c, r);
    }
    return f;
  }

  /** A port-like number as a key field: itself when a non-negative int32, otherwise an interned tag. */
  function numberField(n: number): number {
    return (n | 0) === n && n >= 0 ? n : -1 - interned.strings.id(`#${String(n)}`);
  }

  /** Fills `tuple` with a key's ids. */
  function keyTuple(k: FlowKey): void {
    const s = interned.strings;
    tuple[0] = s.id(k.sourceName);
    tuple[1] = s.id(k.sourceNamespace);
    tuple[2] = s.id(k.sourceType);
    tuple[3] = s.id(k.destName);
    tuple[4] = s.id(k.destNamespace);
    tuple[5] = s.id(k.destType);
    tuple[6] = numberField(k.destPort);
    tuple[7] = s.id(k.destServiceName);
    tuple[8] = s.id(k.destServiceNamespace);
    tuple[9] = s.id(k.destServicePortName);
    tuple[10] = numberField(k.destServicePort);
    tuple[11] = s.id(k.proto);
    tuple[12] = s.id(k.reporter);
    tuple[13] = s.id(k.action);
    tuple[14] = interned.traces.id(k.policies.enforced);
    tuple[15] = interned.traces.id(k.policies.pending);
  }

  /** The id of a string key field, remembering the last one per field. */
  function fieldId(field: number, value: string): number {
    const { lastText, lastId } = interned;
    if (lastText[field] === value) return lastId[field]!;
    lastText[field] = value;
    return (lastId[field] = interned.strings.id(value));
  }

  /** Fills `tuple` with a flow's key ids, given the ids of its two sides. */
  function flowTuple(k: FlowKey, source: SideIds, dest: SideIds): void {
    tuple[0] = source.name;
    tuple[1] = source.namespace;
    tuple[2] = source.type;
    tuple[3] = dest.name;
    tuple[4] = dest.namespace;
    tuple[5] = dest.type;
    tuple[6] = numberField(k.destPort);
    tuple[7] = fieldId(7, k.destServiceName);
    tuple[8] = fieldId(8, k.destServiceNamespace);
    tuple[9] = fieldId(9, k.destServicePortName);
    tuple[10] = numberField(k.destServicePort);
    tuple[11] = fieldId(11, k.proto);
    tuple[12] = fieldId(12, k.reporter);
    tuple[13] = fieldId(13, k.action);
    const { enforced, pending } = k.policies;
    tuple[14] = interned.traces.id(enforced);
    tuple[15] = pending === enforced ? tuple[14] : interned.traces.id(pending);
  }

  /** The stored key: the interned strings and canonical traces, shared by every key that has them. */
  function storedKey(k: FlowKey): FlowKey {
    const s = interned.strings;
    return {
      sourceName: s.value(tuple[0]!),
      sourceNamespace: s.value(tuple[1]!),
      sourceType: s.value(tuple[2]!) as FlowKey['sourceType'],
      destName: s.value(tuple[3]!),
      destNamespace: s.value(tuple[4]!),
      destType: s.value(tuple[5]!) as FlowKey['destType'],
      destPort: k.destPort,
      destServiceName: s.value(tuple[7]!),
      destServiceNamespace: s.value(tuple[8]!),
      destServicePortName: s.value(tuple[9]!),
      destServicePort: k.destServicePort,
      proto: s.value(tuple[11]!),
      reporter: s.value(tuple[12]!) as FlowKey['reporter'],
      action: s.value(tuple[13]!) as FlowKey['action'],
      policies: { enforced: interned.traces.value(tuple[14]!), pending: interned.traces.value(tuple[15]!) },
    };
  }

  function growEntries(): void {
    const size = keyMap.capacity;
    if (entryId.length >= size) return;
    const id = new Float64Array(size);
    id.set(entryId);
    entryId = id;
    const head = new Int32Array(size);
    head.set(entryHead);
    entryHead = head;
    const tail = new Int32Array(size);
    tail.set(entryTail);
    entryTail = tail;
  }

  /** The entry of the key in `tuple`, added for `flow`'s key when absent. */
  function entryOf(flow: Flow): number {
    let e = keyMap.find(tuple);
    if (e >= 0) return e;
    e = keyMap.add(tuple);
    growEntries();
    const key = storedKey(flow.key);
    const id = options.idOf ? options.idOf(flowKeyString(key)) : nextId++;
    entryId[e] = id;
    entryHead[e] = NONE;
    entryTail[e] = NONE;
    entryKey[e] = key;
    byId.set(id, e);
    return e;
  }

  /** The row of an entry's window at bucket `b` (start / BUCKET_SECONDS), added in order when absent. */
  function rowOf(e: number, b: number): { row: number; added: boolean } {
    const tail = entryTail[e]!;
    if (tail !== NONE && rows.bucket[tail] === b) return { row: tail, added: false };
    let prev = NONE;
    if (tail !== NONE && rows.bucket[tail]! > b) {
      for (let r = entryHead[e]!; r !== NONE && rows.bucket[r]! <= b; r = rows.next[r]!) {
        if (rows.bucket[r] === b) return { row: r, added: false };
        prev = r;
      }
    } else prev = tail;
    const row = rows.alloc();
    rows.entry[row] = e;
    rows.bucket[row] = b;
    if (prev === NONE) {
      rows.next[row] = entryHead[e]!;
      entryHead[e] = row;
    } else {
      rows.next[row] = rows.next[prev]!;
      rows.next[prev] = row;
    }
    if (rows.next[row] === NONE) entryTail[e] = row;
    const start = b * BUCKET_SECONDS;
    rows.bucketNext[row] = buckets.get(start) ?? NONE;
    buckets.set(start, row);
    return { row, added: true };
  }

  function evict(): void {
    const begin = beginningOfHistory();
    const old = [...buckets.keys()].filter((b) => b < begin).sort((a, b) => a - b);
    for (const b of old) {
      let r = buckets.get(b)!;
      buckets.delete(b);
      while (r !== NONE) {
        const after = rows.bucketNext[r]!;
        unlink(rows.entry[r]!, r);
        rows.release(r);
        r = after;
      }
    }
    if (old.length > 0) compactIfGrown();
  }

  /** Takes a row out of its entry's chain, forgetting the entry when it was its last window. */
  function unlink(e: number, r: number): void {
    if (entryHead[e] === r) entryHead[e] = rows.next[r]!;
    else {
      let p = entryHead[e]!;
      while (rows.next[p] !== r) p = rows.next[p]!;
      rows.next[p] = rows.next[r]!;
      if (entryTail[e] === r) entryTail[e] = p;
    }
    if (entryHead[e] !== NONE) return;
    entryTail[e] = NONE;
    keyMap.delete(e);
    byId.delete(entryId[e]!);
    entryKey[e] = undefined;
  }

  const internedCount = () => interned.strings.size + interned.labels.size + interned.traces.size + interned.ips.size;

  /**
   * Interners only grow, so once they hold twice what they held after the last rebuild (evicted
   * keys' names, old label and address sets), they are rebuilt from what the store still holds and
   * every entry is renumbered.
   */
  function compactIfGrown(): void {
    if (internedCount() < Math.max(10_000, 2 * internedAtCompaction)) return;
    const was = interned;
    interned = newInterners();
    const oldMap = keyMap;
    keyMap = new IntTupleMap(KEY_WIDTH, Math.max(1024, oldMap.size));
    const renumbered = new Int32Array(oldMap.limit).fill(NONE);
    const oldKey = entryKey;
    const oldId = entryId;
    const oldHead = entryHead;
    const oldTail = entryTail;
    entryKey = [];
    entryId = new Float64Array(keyMap.capacity);
    entryHead = new Int32Array(keyMap.capacity);
    entryTail = new Int32Array(keyMap.capacity);
    byId.clear();
    for (let e = 0; e < oldMap.limit; e++) {
      const key = oldKey[e];
      if (key === undefined) continue;
      keyTuple(key);
      const n = keyMap.add(tuple);
      growEntries();
      renumbered[e] = n;
      entryKey[n] = storedKey(key);
      entryId[n] = oldId[e]!;
      entryHead[n] = oldHead[e]!;
      entryTail[n] = oldTail[e]!;
      byId.set(oldId[e]!, n);
    }
    const labelIds = new Map<number, number>();
    const ipIds = new Map<number, number>();
    const label = (id: number) => {
      let n = labelIds.get(id);
      if (n === undefined) labelIds.set(id, (n = interned.labels.id(was.labels.value(id))));
      return n;
    };
    const ips = (id: number) => {
      let n = ipIds.get(id);
      if (n === undefined) ipIds.set(id, (n = interned.ips.id(was.ips.value(id))));
      return n;
    };
    for (let r = 0; r < rows.top; r++) {
      const e = rows.entry[r]!;
      if (e === NONE) continue;
      rows.entry[r] = renumbered[e]!;
      rows.sourceLabels[r] = label(rows.sourceLabels[r]!);
      rows.destLabels[r] = label(rows.destLabels[r]!);
      rows.sourceIps[r] = ips(rows.sourceIps[r]!);
      rows.destIps[r] = ips(rows.destIps[r]!);
    }
    internedAtCompaction = internedCount();
    generation++;
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
    const k = flow.key;
    const { labels, sides } = interned;
    const source = sides.ids(
      k.sourceName,
      k.sourceNamespace,
      k.sourceType,
      flow.sourceLabels,
      nonEmpty(flow.sourceIps),
    );
    const dest = sides.ids(
      k.destName,
      k.destNamespace,
      k.destType,
      flow.destLabels,
      mergeIpSets(undefined, flow.destIps),
    );
    flowTuple(k, source, dest);
    const e = entryOf(flow);
    const { row: r, added } = rowOf(e, start / BUCKET_SECONDS);
    if (added) {
      rows.sourceLabels[r] = source.labels;
      rows.destLabels[r] = dest.labels;
      rows.sourceIps[r] = source.ips;
      rows.destIps[r] = dest.ips;
      putCounterRow(rows.counters, r, flow);
      return;
    }
    const sl = rows.sourceLabels[r]!;
    if (source.labels !== sl) rows.sourceLabels[r] = labels.id(intersectLabels(labels.value(sl), flow.sourceLabels));
    const dl = rows.destLabels[r]!;
    if (dest.labels !== dl) rows.destLabels[r] = labels.id(intersectLabels(labels.value(dl), flow.destLabels));
    rows.sourceIps[r] = mergedIps(rows.sourceIps[r]!, source.ips, flow.sourceIps);
    rows.destIps[r] = mergedIps(rows.destIps[r]!, dest.ips, flow.destIps);
    addToCounterRow(rows.counters, r, flow);
  }

  /** A window's address set id after adding a flow's set (`id` its interned id). */
  function mergedIps(stored: number, id: number, set: IpSet | undefined): number {
    const { ips } = interned;
    // The same set without overflow merges into itself.
    if (id === 0 || (id === stored && ips.value(id)!.beyond === 0)) return stored;
    return ips.id(mergeIpSets(ips.value(stored), set));
  }

  async function matching(
    range: TimeRange,
    filter: FlowFilter | undefined,
    signal: AbortSignal | undefined,
  ): Promise<FlowResult[]> {
    checkRange(range);
    const c = compile(filter, cluster);
    let out: FlowResult[] = [];
    let seen = 0;
    let scanned = generation;
    // Entries added while this scan yields are visited if numbered after the scan's position, removed
    // ones are skipped; a compaction renumbers entries, so the scan starts over after one.
    for (let e = 0; e < keyMap.limit; e++) {
      if (++seen % SCAN_CHUNK === 0) {
        await yieldToLoop();
        checkSignal(signal);
        if (scanned !== generation) {
          scanned = generation;
          out = [];
          e = -1;
          continue;
        }
      }
      const key = entryKey[e];
      if (key === undefined || !c.key(key)) continue;
      const f = aggregate(e, range);
      if (!f) continue;
      if (c.labels && !c.labels(f.sourceLabels, f.destLabels)) continue;
      if (c.ips && !c.ips(f.sourceIps, f.destIps)) continue;
      out.push({ id: entryId[e]!, flow: f, cluster });
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
      const flow = e === undefined ? undefined : aggregate(e, WHOLE_HISTORY);
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
      for (let r = 0; r < rows.top; r++) {
        const e = rows.entry[r]!;
        if (e !== NONE) windows.push(windowFlow(e, r));
      }
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
      // The columns and key map as allocated, plus about 200 B of heap per key (its FlowKey object and id).
      return { rows: rows.live, bytes: rows.bytes + keyMap.bytes + keyMap.size * 200 };
    },
    async close() {
      closed = true;
      ticker?.stop();
      hub.closeAll();
    },
  };
  return store;
}
