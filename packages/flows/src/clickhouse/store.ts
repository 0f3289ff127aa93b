// The ClickHouse store: flow history for many clusters and weeks, in MergeTree tables Verdict creates
// and migrates itself. Queries are answered in SQL (filters, aggregation, sorting, paging, and the
// graph and policy-statistics folds of `countKeys`).
// Every read is planned over the roll-up levels (15 s `flow_windows`, 1 min and 5 min `flow_rollups`;
// see rollups.ts): the coarsest level every cluster has folded answers the range and its resolution
// is reported, as the SQLite store does.
//
// Streams are the one exception, by choice: they come from a memory ring of the last hour of what
// this Verdict ingested, fed as each batch is acknowledged. A stream is the live tail of ingest, and
// this Verdict holds every batch of its cluster at the moment it becomes durable, so it sends it
// without a query and without the insert-to-visible delay; tailing ClickHouse instead would cost one
// aggregation per subscriber per 15 s bucket on a shared server. So a stream (and its backfill, at
// most the hour the UI asks for) shows the cluster this Verdict serves; List, hints, statistics,
// graph and policy statistics show every cluster in the database.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { type ChangeQuery, changeLimit, type PolicyChange, type PolicyChangeInput } from '../changes.ts';
import { compileFilterParts, hitMatches } from '../filter.ts';
import { LabelSetInterner } from '../intern.ts';
import { MAX_FLOW_IPS, mergeIpSets } from '../ips.ts';
import {
  addToCounterRow,
  flowKeyString,
  hashString,
  intersectLabels,
  mergeLabels,
  parseFlowKey,
  pendingVerdict,
  putCounterRow,
  withIps,
} from '../key.ts';
import { createMemoryStore } from '../memory.ts';
import type { Flow, FlowKey, FlowResult, IpSet } from '../model.ts';
import { checkHintType, checkRange, flowStoreError, listOf, paginate } from '../query.ts';
import type { RangePlan } from '../rollup.ts';
import type { StatisticsQuery, StatisticsResult } from '../stats.ts';
import { hitString } from '../stats.ts';
import type { FlowFilter, HintsQuery, HintsResult, ListQuery, ListResult, SortBy, TimeRange } from '../store.ts';
import { startTicker, wallClock } from '../stream.ts';
import { BUCKET_SECONDS, bucketStart } from '../time.ts';
import {
  type CountedKeys,
  type CountKeysQuery,
  DEFAULT_CLUSTER,
  type KeyCount,
  type ReportedByQuery,
  type StoreOptions,
  type VerdictFlowStore,
} from '../types.ts';
import { createRollups, levelSource } from './rollups.ts';
import { RowBinaryWriter } from './rowbinary.ts';
import {
  encodeKeyRows,
  encodeWindows,
  KEY_COLUMNS,
  type KeyRow,
  keyPrefix,
  keyRow,
  keyRowsBytes,
  type StatGroup,
  WINDOW_BINARY_COLUMNS,
  WINDOW_COLUMNS,
  WINDOW_LAYOUT,
  WindowColumns,
} from './rows.ts';
import { migrateClickHouse, quoteName, WINDOW_COLUMNS_V2 } from './schema.ts';
import { openSpool, type SpooledBatch } from './spool.ts';
import { filterSql, int, type LabelSql, literal } from './sql.ts';

export interface ClickHouseStoreOptions extends StoreOptions {
  /** `http://host:8123` */
  url: string;
  /** Default `verdict`; created when missing. */
  database?: string;
  username?: string;
  password?: string;
  /** Windows older than this are removed; default 7 (as SQLite). */
  retentionDays?: number;
  /** Where batches wait while ClickHouse is unreachable. */
  spoolDir: string;
  /** Beyond this many bytes waiting, ingest is refused (backpressure); default 1 GiB. */
  spoolLimitBytes?: number;
  /** Per request; default 30 s. */
  requestTimeoutMs?: number;
  /**
   * A day of 15 s windows past the 15 s level's keep time is dropped once folded into every roll-up
   * level and unwritten for this long (ClickHouse's clock); default 3600.
   */
  fineDropQuietSeconds?: number;
  /** Told about each failed attempt to reach ClickHouse while opening (which is retried until it works). */
  onRetry?: (error: Error, attempt: number) => void;
}

export interface ClickHouseFlowStore extends VerdictFlowStore {
  readonly kind: 'clickhouse';
  countKeys(query: CountKeysQuery): Promise<CountedKeys>;
  reportedBy(query: ReportedByQuery): AsyncIterable<FlowResult>;
  /** Resolves once the schema is migrated and the store's state is loaded; rejects if that failed. */
  readonly ready: Promise<void>;
  /** False while batches wait in the local spool (ClickHouse unreachable or catching up). */
  readonly writable: boolean;
  readonly spooled: { batches: number; bytes: number };
  /** Sends every spooled batch now; rejects when ClickHouse is still unreachable. */
  flush(): Promise<void>;
  /** Drops day partitions older than the retention, and each roll-up level's past its keep time; returns how many. */
  prune(): Promise<number>;
  /** Folds the settled 15 s windows into the 1 min and 5 min levels; returns how many folds ran. */
  rollUp(): Promise<number>;
}

/** Thrown by `ingest` when the spool is full: nothing of the batch was kept; the sender must retry. */
export class SpoolFull extends Error {
  override readonly name = 'SpoolFull';
}

/** What `send` writes: the new keys and label sets, then the window rows. */
interface Outgoing {
  id: number;
  keys: KeyRow[];
  labels: { hash: number; labels: readonly string[] }[];
  minBucket: number;
  maxBucket: number;
  rows: number;
  /** RowBinary rows of WINDOW_BINARY_COLUMNS, and where each row ends. */
  body?: Buffer;
  /** The column types `body` is encoded for: WINDOW_LAYOUT, or absent for the text columns before it. */
  layout?: number;
  rowEnds?: ArrayLike<number>;
  /** TabSeparated rows of WINDOW_COLUMNS: batches spooled by an earlier Verdict. */
  tsv?: string;
}

interface Batch extends Outgoing {
  body: Buffer;
  rowEnds: Uint32Array;
  /** The flows, for the stream ring once the batch is durable. */
  flows: Flow[];
  /** Gives the encoding buffer back once the batch is sent or spooled. */
  release(): void;
}

/** A batch as the spool keeps it (JSON): the rows in base64. */
interface Spooled extends Omit<Outgoing, 'body' | 'rowEnds'> {
  rowBinary?: string;
  rowEnds?: number[];
  flows: Flow[];
}

const outgoing = (b: Spooled): Outgoing => {
  const { rowBinary, flows: _, ...rest } = b;
  return rowBinary === undefined ? rest : { ...rest, body: Buffer.from(rowBinary, 'base64') };
};

interface AggregateRow {
  id: number | string;
  first: number | string;
  end_at: number | string;
  packets_in: number | string;
  packets_out: number | string;
  bytes_in: number | string;
  bytes_out: number | string;
  connections_started: number | string;
  connections_completed: number | string;
  connections_live: number | string;
  src_sets: (number | string)[];
  dst_sets: (number | string)[];
  sips: string[];
  sbeyond: number | string;
  dips: string[];
  dbeyond: number | string;
  from_cluster: string;
}

const SORT_COLUMNS: Partial<Record<SortBy, string>> = {
  DestName: 's_dest_name',
  DestNamespace: 's_dest_namespace',
  SourceName: 's_source_name',
  SourceNamespace: 's_source_namespace',
};

/**
 * What ingest remembers per key object, so that a flow whose key and label objects were seen before
 * costs one WeakMap lookup: the key's canonical text and hash; its id and RowBinary prefix, and the
 * ids of the label lists last seen with it, valid while `generation` is the store's (a refused batch
 * forgets the ids it gave out); and its row in the batch being prepared (`token`), for pre-aggregation.
 */
interface KeyIdentity {
  hash: number;
  text: string | undefined;
  generation: number;
  id: number;
  prefix: Uint8Array;
  sourceLabels: readonly string[] | undefined;
  sourceLabelsId: number;
  destLabels: readonly string[] | undefined;
  destLabelsId: number;
  token: number;
  bucket: number;
  row: number;
}
const EMPTY = new Uint8Array(0);

const CLUSTER_ID_SHIFT = 2 ** 32;
/** Cluster numbers times the shift stay below 2^53, so key ids are exact in JavaScript. */
const CLUSTER_NUMBERS = 2 ** 20;
const RETRY_MS = [200, 500, 1000, 2000, 5000];
/** Aggregated keys turned into flows at a time by `reportedBy`. */
const REPORTED_CHUNK = 5000;

/**
 * Opens the ClickHouse store. It returns at once; `ready` settles when the schema is migrated. Ingest
 * resolves once ClickHouse acknowledged the batch or, while it is unreachable, once the batch is
 * fsynced into the local spool, from which it is sent (at least once, never counted twice) on return.
 */
export function createClickHouseStore(options: ClickHouseStoreOptions): ClickHouseFlowStore {
  const now = options.now ?? wallClock;
  const database = quoteName(options.database ?? 'verdict');
  const cluster = options.cluster ?? DEFAULT_CLUSTER;
  const retentionSeconds = (options.retentionDays ?? 7) * 86_400;
  const skew = options.maxClockSkewSeconds ?? 30;
  const headEnd = () => Math.max(bucketStart(now()) + 2 * BUCKET_SECONDS, bucketStart(now() + skew));
  const auth = {
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  const common = {
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    log: { level: ClickHouseLogLevel.OFF },
    ...auth,
  };
  const admin = createClient(common);
  const client: ClickHouseClient = createClient({ ...common, database });
  const spool = openSpool<Spooled>(
    join(options.spoolDir, `${database}-${cluster.replace(/[^A-Za-z0-9_.-]/g, '_')}`),
    options.spoolLimitBytes ?? 2 ** 30,
  );

  const keyIds = new Map<number, number>();
  const keyTexts = new Map<number, FlowKey>();
  const labelSets = new Map<number, readonly string[]>([[0, []]]);
  let clusterBase = 0;
  let nextSeq = 1;
  let dropped = 0;
  let closed = false;
  let writable = spool.count === 0;
  let draining: Promise<void> | undefined;
  let lastError: Error | undefined;

  const ring = createMemoryStore({
    now,
    cluster,
    autoRollover: false,
    maxClockSkewSeconds: skew,
    idOf: (ks) => keyIds.get(hashString(ks)) ?? 0,
  });

  const rows = async <T>(query: string): Promise<T[]> => {
    const r = await client.query({ query, format: 'JSONEachRow' });
    return r.json<T>();
  };

  const rollups = createRollups({
    client: {
      rows,
      command: async (query) => {
        await client.command({ query });
      },
      insert: async (table, values) => {
        await client.insert({ table, values: values as Record<string, unknown>[], format: 'JSONEachRow' });
      },
    },
    cluster,
    now,
    retentionSeconds,
    ...(options.fineDropQuietSeconds === undefined ? {} : { fineDropQuietSeconds: options.fineDropQuietSeconds }),
  });

  /**
   * The cluster's number, the high bits of its key ids. It comes from a hash of the name (probing on
   * past another name's number), not from a count, so Verdicts of different clusters starting at the
   * same moment do not take the same number; once registered, the stored number is kept.
   */
  async function registerCluster(): Promise<number> {
    const all = await rows<{ name: string; number: number | string }>(
      'SELECT name, any(number) AS number FROM clusters GROUP BY name',
    );
    const mine = all.find((r) => r.name === cluster);
    if (mine) return Number(mine.number);
    const taken = new Set(all.map((r) => Number(r.number)));
    // The default cluster is 0, so a single-cluster store numbers its keys 1, 2, 3… as the others do.
    let number = cluster === DEFAULT_CLUSTER ? 0 : 1 + (hashString(cluster) % (CLUSTER_NUMBERS - 1));
    while (taken.has(number)) number = 1 + (number % (CLUSTER_NUMBERS - 1));
    await client.insert({
      table: 'clusters',
      values: [{ name: cluster, number, registered: Math.floor(Date.now() / 1000) }],
      format: 'JSONEachRow',
    });
    return number;
  }

  async function init(): Promise<void> {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await migrateClickHouse(client, database);
    clusterBase = (await registerCluster()) * CLUSTER_ID_SHIFT;
    const max = await rows<{ m: number | string }>(
      `SELECT max(id) AS m FROM flow_keys WHERE cluster = ${literal(cluster)}`,
    );
    let maxSeq = Math.max(0, Number(max[0]?.m ?? 0) - clusterBase);
    // Key ids this Verdict gave out before: from ClickHouse, and from batches still in the spool.
    const known = await rows<{ id: number | string; key: string }>(
      `SELECT id, any(key) AS key FROM flow_keys WHERE cluster = ${literal(cluster)} GROUP BY id`,
    );
    for (const r of known) keyIds.set(hashString(r.key), Number(r.id));
    for (const b of spool.all()) {
      rollups.unsettled.add(b.body.id);
      for (const k of b.body.keys) {
        keyIds.set(hashString(k.key), k.id);
        maxSeq = Math.max(maxSeq, k.id - clusterBase);
      }
    }
    nextSeq = maxSeq + 1;
    const sets = await rows<{ hash: number | string; labels: string[] }>(
      'SELECT hash, any(labels) AS labels FROM label_sets GROUP BY hash',
    );
    for (const s of sets) labelSets.set(Number(s.hash), s.labels);
    await rollups.start();
    if (spool.count > 0) kickDrain();
  }

  /** Opening is retried with backoff: ClickHouse may start after Verdict. A newer schema is final. */
  async function openWithRetry(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await init();
      } catch (e) {
        if (closed || /newer than this Verdict supports/.test((e as Error).message)) throw e;
        options.onRetry?.(e as Error, attempt);
        await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt - 1, RETRY_MS.length - 1)]));
      }
    }
  }

  const ready = openWithRetry();
  ready.catch(() => {});

  /** Change-log ids of this cluster, continued from the stored ones; inserts run one at a time so ids stay in order. */
  let nextChangeId = ready.then(async () => {
    const max = await rows<{ m: number | string }>(
      `SELECT max(id) AS m FROM policy_changes WHERE cluster = ${literal(cluster)}`,
    );
    return Number(max[0]?.m ?? 0) + 1;
  });
  nextChangeId.catch(() => {});
  let changeWrites: Promise<unknown> = Promise.resolve();

  function recordChanges(changes: readonly PolicyChangeInput[]): Promise<PolicyChange[]> {
    const write = changeWrites.then(async () => {
      let id = await nextChangeId;
      const stored = changes.map((change) => ({ ...change, id: id++ }));
      if (stored.length > 0)
        await client.insert({
          table: 'policy_changes',
          format: 'JSONEachRow',
          values: stored.map((c) => ({
            cluster,
            id: c.id,
            time: c.time,
            op: c.op,
            kind: c.kind,
            namespace: c.namespace,
            name: c.name,
            resource_version: c.resourceVersion,
            source: c.source,
            before: c.before === null || c.before === undefined ? '' : JSON.stringify(c.before),
            after: c.after === null || c.after === undefined ? '' : JSON.stringify(c.after),
            diff: c.diff,
          })),
        });
      nextChangeId = Promise.resolve(id);
      return stored;
    });
    changeWrites = write.catch(() => {});
    return write;
  }

  async function queryChanges(query: ChangeQuery): Promise<PolicyChange[]> {
    await ready;
    // Changes older than the kept flow history are left out here and removed by prune().
    const where = [
      `cluster = ${literal(cluster)}`,
      `time >= ${int(Math.max(query.since ?? 0, bucketStart(now() - retentionSeconds) * 1000))}`,
    ];
    if (query.afterId !== undefined) where.push(`id > ${int(query.afterId)}`);
    if (query.kind !== undefined) where.push(`kind = ${literal(query.kind)}`);
    if (query.namespace !== undefined) where.push(`namespace = ${literal(query.namespace)}`);
    if (query.name !== undefined) where.push(`name = ${literal(query.name)}`);
    const found = await rows<Record<string, string | number>>(
      `SELECT id, time, op, kind, namespace, name, resource_version, source, before, after, diff
       FROM policy_changes WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${int(changeLimit(query))}`,
    );
    return found.reverse().map((r) => ({
      id: Number(r.id),
      time: Number(r.time),
      op: String(r.op) as PolicyChange['op'],
      kind: String(r.kind),
      namespace: String(r.namespace),
      name: String(r.name),
      resourceVersion: String(r.resource_version),
      source: String(r.source),
      before: r.before === '' ? null : JSON.parse(String(r.before)),
      after: r.after === '' ? null : JSON.parse(String(r.after)),
      diff: String(r.diff),
    }));
  }

  /**
   * Hashes by object: senders that reuse key and label objects (the engine's pod labels, interned
   * keys) skip re-serialising them per flow. Keys and label lists are never changed once made.
   */
  const keyHashes = new WeakMap<FlowKey, KeyIdentity>();
  /** Label lists as local ids (by identity first), and per local id the stored id, a hash of the text. */
  const labelLists = new LabelSetInterner();
  const labelHashes: number[] = [0];
  const keyIdentity = (k: FlowKey) => {
    let found = keyHashes.get(k);
    if (!found) {
      const text = flowKeyString(k);
      found = {
        hash: hashString(text),
        text,
        generation: -1,
        id: -1,
        prefix: EMPTY,
        sourceLabels: undefined,
        sourceLabelsId: 0,
        destLabels: undefined,
        destLabelsId: 0,
        token: -1,
        bucket: 0,
        row: 0,
      };
      keyHashes.set(k, found);
    }
    return found;
  };

  function labelId(labels: readonly string[], fresh: Batch['labels']): number {
    if (labels.length === 0) return 0;
    const local = labelLists.id(labels);
    let hash = labelHashes[local];
    if (hash === undefined) labelHashes[local] = hash = hashString(labels.join(','));
    if (!labelSets.has(hash)) {
      labelSets.set(hash, labels);
      fresh.push({ hash, labels });
    }
    return hash;
  }

  const columns = new WindowColumns();
  /** Bumped when a refused batch forgets the key and label ids it gave out. */
  let generation = 0;
  /** Numbers the batches `prepare` builds. */
  let token = 0;
  /** Encoding buffers not held by a batch in flight. */
  const writers: RowBinaryWriter[] = [];

  /**
   * Pre-aggregates a batch per (bucket, key), gives new keys their ids and encodes the windows as
   * RowBinary. Per flow it allocates nothing but what a new key, label set or window needs.
   */
  function prepare(flows: readonly Flow[]): { batch: Batch; newKeys: number[]; newLabels: number[] } {
    const begin = bucketStart(now() - retentionSeconds);
    const end = headEnd();
    const cols = columns;
    cols.reset();
    const batchToken = ++token;
    const keys: KeyRow[] = [];
    const labels: Batch['labels'] = [];
    const newKeys: number[] = [];
    const kept: Flow[] = [];
    let minBucket = Number.POSITIVE_INFINITY;
    let maxBucket = 0;
    try {
      for (const f of flows) {
        const bucket = bucketStart(f.startTime);
        if (bucket < begin || bucket >= end) {
          dropped++;
          continue;
        }
        kept.push(f);
        const entry = keyIdentity(f.key);
        if (entry.generation !== generation) {
          let id = keyIds.get(entry.hash);
          if (id === undefined) {
            id = clusterBase + nextSeq++;
            keyIds.set(entry.hash, id);
            newKeys.push(entry.hash);
            keys.push(keyRow(cluster, id, entry.text ?? flowKeyString(f.key), f.key));
          }
          if (entry.id !== id) {
            entry.id = id;
            entry.prefix = keyPrefix(cluster, id, f.key);
          }
          entry.generation = generation;
          // The text is needed again only if a refused batch makes the key new once more.
          entry.text = undefined;
          entry.sourceLabels = entry.destLabels = undefined;
        }
        const id = entry.id;
        // Buckets since the start of retention (< 2^21) above the key's number within its cluster (< 2^32).
        const local = id - clusterBase;
        let row: number | undefined;
        if (entry.token === batchToken)
          row =
            entry.bucket === bucket
              ? entry.row
              : cols.slots.get(((bucket - begin) / BUCKET_SECONDS) * CLUSTER_ID_SHIFT + local);
        if (row === undefined) {
          if (f.sourceLabels !== entry.sourceLabels) {
            entry.sourceLabels = f.sourceLabels;
            entry.sourceLabelsId = labelId(f.sourceLabels, labels);
          }
          if (f.destLabels !== entry.destLabels) {
            entry.destLabels = f.destLabels;
            entry.destLabelsId = labelId(f.destLabels, labels);
          }
          row = cols.add(bucket, id, entry.prefix, entry.sourceLabelsId, entry.destLabelsId);
          // The key's current row stays on the entry; a row it leaves for another bucket goes to the map.
          if (entry.token === batchToken)
            cols.slots.set(((entry.bucket - begin) / BUCKET_SECONDS) * CLUSTER_ID_SHIFT + local, entry.row);
          entry.token = batchToken;
          entry.bucket = bucket;
          entry.row = row;
          cols.sourceIps[row] = f.sourceIps;
          cols.destIps[row] = f.destIps;
          putCounterRow(cols.counters, row, f);
          if (bucket < minBucket) minBucket = bucket;
          if (bucket > maxBucket) maxBucket = bucket;
          continue;
        }
        // Labels of a window: the intersection over its flows (unchanged when the flow carries the same list).
        if (f.sourceLabels !== entry.sourceLabels || cols.sourceLabels[row] !== entry.sourceLabelsId) {
          const src = labelSets.get(cols.sourceLabels[row]!) ?? [];
          cols.sourceLabels[row] = labelId(intersectLabels(src, f.sourceLabels), labels);
        }
        if (f.destLabels !== entry.destLabels || cols.destLabels[row] !== entry.destLabelsId) {
          const dst = labelSets.get(cols.destLabels[row]!) ?? [];
          cols.destLabels[row] = labelId(intersectLabels(dst, f.destLabels), labels);
        }
        if (f.sourceIps) cols.sourceIps[row] = mergeIpSets(cols.sourceIps[row], f.sourceIps);
        if (f.destIps) cols.destIps[row] = mergeIpSets(cols.destIps[row], f.destIps);
        addToCounterRow(cols.counters, row, f);
      }
    } catch (e) {
      // A key the schema cannot hold (see keyPrefix): nothing of the batch is kept or remembered.
      generation++;
      for (const h of newKeys) keyIds.delete(h);
      for (const l of labels) labelSets.delete(l.hash);
      cols.reset();
      throw e;
    }
    const id = randomBytes(6).readUIntBE(0, 6);
    const writer = writers.pop() ?? new RowBinaryWriter(1 << 20);
    writer.reset();
    const rowEnds = encodeWindows(writer, id, cols);
    let released = false;
    const batch: Batch = {
      id,
      keys,
      labels,
      minBucket: cols.count > 0 ? minBucket : 0,
      maxBucket,
      body: writer.view(),
      layout: WINDOW_LAYOUT,
      rowEnds,
      rows: cols.count,
      flows: kept,
      release() {
        if (released) return;
        released = true;
        // Keep a few buffers; one that grew past 64 MiB for an outsized batch is let go.
        if (writers.length < 4 && writer.capacity <= 2 ** 26) writers.push(writer);
      },
    };
    cols.reset();
    return { batch, newKeys, newLabels: labels.map((l) => l.hash) };
  }

  async function insertRowBinary(table: string, columns: readonly string[], body: Buffer): Promise<void> {
    const sent = await client.exec({
      query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT RowBinary`,
      values: Readable.from([body], { objectMode: false }),
    });
    // The answer of an INSERT is empty; reading it to the end frees the connection.
    for await (const _ of sent.stream) {
    }
  }

  /**
   * RowBinary rows spooled by a Verdict before the v3 schema (text where the enums are now) go
   * through a temporary table of that shape, from which ClickHouse casts them into `flow_windows`.
   */
  async function insertOldLayout(body: Buffer): Promise<void> {
    const session = { session_id: `verdict-spooled-${randomBytes(8).toString('hex')}` };
    const columns = WINDOW_BINARY_COLUMNS.join(', ');
    await client.command({ query: `CREATE TEMPORARY TABLE spooled_windows (${WINDOW_COLUMNS_V2})`, ...session });
    try {
      const sent = await client.exec({
        query: `INSERT INTO spooled_windows (${columns}) FORMAT RowBinary`,
        values: Readable.from([body], { objectMode: false }),
        ...session,
      });
      for await (const _ of sent.stream) {
      }
      await client.command({
        query: `INSERT INTO flow_windows (${columns}) SELECT ${columns} FROM spooled_windows`,
        ...session,
      });
    } finally {
      await client.command({ query: 'DROP TEMPORARY TABLE IF EXISTS spooled_windows', ...session }).catch(() => {});
    }
  }

  /** Sends a batch; with `verify`, first asks which of its rows already arrived and sends only the others. */
  async function send(batch: Outgoing, verify: boolean): Promise<void> {
    // Label sets and keys before the windows that name them; the two side by side.
    const lookups: Promise<void>[] = [];
    if (batch.labels.length > 0) {
      const w = new RowBinaryWriter(batch.labels.length * 256);
      for (const l of batch.labels) {
        w.u64(l.hash);
        w.strings(l.labels);
      }
      lookups.push(insertRowBinary('label_sets', ['hash', 'labels'], w.view()));
    }
    if (batch.keys.length > 0) {
      const w = new RowBinaryWriter(keyRowsBytes(batch.keys));
      encodeKeyRows(w, batch.keys);
      lookups.push(insertRowBinary('flow_keys', KEY_COLUMNS, w.view()));
    }
    await Promise.all(lookups);
    if (batch.rows === 0) return;
    let have: Set<number> | undefined;
    if (verify) {
      const present = await rows<{ seq: number }>(
        `SELECT seq FROM flow_windows WHERE cluster = ${literal(cluster)} AND bucket >= ${int(batch.minBucket)}
           AND bucket <= ${int(batch.maxBucket)} AND batch = ${int(batch.id)}`,
      );
      if (present.length >= batch.rows) return;
      if (present.length > 0) have = new Set(present.map((r) => Number(r.seq)));
    }
    if (batch.body) {
      let body = batch.body;
      if (have) {
        const ends = batch.rowEnds!;
        const missing: Buffer[] = [];
        for (let i = 0; i < batch.rows; i++)
          if (!have.has(i)) missing.push(body.subarray(i === 0 ? 0 : ends[i - 1], ends[i]));
        body = Buffer.concat(missing);
      }
      if (batch.layout === WINDOW_LAYOUT) await insertRowBinary('flow_windows', WINDOW_BINARY_COLUMNS, body);
      else await insertOldLayout(body);
      return;
    }
    let tsv = batch.tsv ?? '';
    if (have) {
      const arrived = have;
      tsv = tsv
        .split('\n')
        .filter((line, i) => line !== '' && !arrived.has(i))
        .map((line) => `${line}\n`)
        .join('');
    }
    await client.insert({
      table: 'flow_windows',
      values: Readable.from([tsv], { objectMode: false }),
      format: 'TabSeparated',
      columns: [...WINDOW_COLUMNS] as [string, ...string[]],
    });
  }

  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  function kickDrain(): void {
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    draining ??= drainOnce().finally(() => {
      draining = undefined;
    });
  }

  /** Sends the spooled batches oldest first; on a failure, schedules another pass with backoff. */
  async function drainOnce(): Promise<void> {
    while (!closed && spool.count > 0) {
      const b: SpooledBatch<Spooled> = spool.oldest()!;
      try {
        await send(outgoing(b.body), true);
        spool.remove(b);
        // Every row of the batch is in ClickHouse now: fold it like any settled batch.
        await rollups.settle(b.body.id, b.body.minBucket, b.body.maxBucket);
        failures = 0;
        lastError = undefined;
      } catch (e) {
        lastError = e as Error;
        if (!closed) {
          retryTimer = setTimeout(kickDrain, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
          retryTimer.unref?.();
        }
        return;
      }
    }
    if (spool.count === 0) writable = true;
  }

  async function ingest(flows: readonly Flow[]): Promise<void> {
    ensureOpen();
    await ready;
    const { batch, newKeys, newLabels } = prepare(flows);
    if (batch.rows === 0 && batch.keys.length === 0) return;
    const forget = () => {
      generation++;
      for (const h of newKeys) keyIds.delete(h);
      for (const h of newLabels) labelSets.delete(h);
    };
    rollups.unsettled.add(batch.id);
    if (spool.count === 0) {
      try {
        await send(batch, false);
        // Should folding fail, the batch goes to the spool like an unknown outcome and is settled from there.
        await rollups.settle(batch.id, batch.minBucket, batch.maxBucket);
        batch.release();
        writable = true;
        await ring.ingest(batch.flows);
        return;
      } catch (e) {
        // Unknown outcome: the batch goes to the spool and is verified row by row when sent again.
        lastError = e as Error;
        writable = false;
      }
    }
    const { flows: kept, body, rowEnds, release, ...rest } = batch;
    const appended = spool.append({
      ...rest,
      layout: WINDOW_LAYOUT,
      rowBinary: body.toString('base64'),
      rowEnds: Array.from(rowEnds),
      flows: [],
    });
    release();
    if (!appended) {
      forget();
      // Whatever part of it reached ClickHouse counts at 15 s, so the levels may fold it too.
      rollups.unsettled.delete(batch.id);
      throw new SpoolFull(
        `ClickHouse is unreachable (${lastError?.message ?? 'catching up'}) and the local buffer is full (${spool.bytes} of ${spool.limitBytes} bytes): batch of ${flows.length} flows refused`,
      );
    }
    writable = false;
    await ring.ingest(kept);
    kickDrain();
  }

  function compile(filter: FlowFilter | undefined) {
    const c = compileFilterParts(filter);
    if (!c.ok) throw flowStoreError('invalid-filter', c.error.message, `filter.${c.error.path}`);
    return c.value;
  }

  /** Conditions of a filter on the rows of every level (the range is the plan's). */
  function where(filter: FlowFilter | undefined): { conditions: string[]; needsLabels: boolean; labels: LabelSql[] } {
    const f = filterSql(filter);
    const conditions = [...f.windows];
    if (f.keys.length > 0) conditions.push(`key_id IN (SELECT id FROM flow_keys WHERE ${f.keys.join(' AND ')})`);
    return { conditions, needsLabels: f.needsLabels, labels: f.labels };
  }

  /**
   * The rows of a range and filter, read from the roll-up levels the range's plan picks, with the
   * label selectors too, evaluated in ClickHouse on each key's label set: a key whose rows in the
   * range carry one non-empty set (or none) has exactly that set as its merged labels, so the
   * selector runs on it in SQL. Should a key in the range carry two different sets (its labels
   * changed), their intersection is what counts, and the query falls back to Verdict evaluating the
   * selectors on the merged labels (`needsLabels`).
   */
  async function narrowed(
    range: TimeRange,
    filter: FlowFilter | undefined,
  ): Promise<{ source: string; plan: RangePlan; needsLabels: boolean }> {
    const plan = await rollups.plan(range);
    const w = where(filter);
    const source = levelSource(plan, w.conditions);
    if (w.labels.length === 0) return { source, plan, needsLabels: w.needsLabels };
    const set = (column: string) => `anyIf(${column}, ${column} != 0)`;
    const several = w.labels.map((l) => `uniqExactIf(${l.column}, ${l.column} != 0) > 1`).join(' OR ');
    const matching = w.labels
      .map(
        (l) =>
          `(${set(l.column)} IN (SELECT hash FROM label_sets WHERE ${l.sql})${l.matchesNone ? ` OR ${set(l.column)} = 0` : ''})`,
      )
      .join(' AND ');
    const changed = await rows<{ n: number | string }>(
      `SELECT count() AS n FROM (SELECT key_id FROM ${source} GROUP BY key_id HAVING ${several})`,
    );
    if (Number(changed[0]?.n ?? 0) > 0) return { source, plan, needsLabels: true };
    return {
      source: levelSource(plan, [
        ...w.conditions,
        `key_id IN (SELECT key_id FROM ${source} GROUP BY key_id HAVING ${matching})`,
      ]),
      plan,
      needsLabels: false,
    };
  }

  const aggregates = (lt: number) => {
    const counted = (col: string) => `sum(if(bucket + width <= ${int(Math.floor(lt))}, ${col}, 0)) AS ${col}`;
    return `key_id AS id, min(bucket) AS first, max(bucket + width) AS end_at,
      ${['packets_in', 'packets_out', 'bytes_in', 'bytes_out', 'connections_started', 'connections_completed', 'connections_live'].map(counted).join(', ')},
      groupUniqArray(source_labels) AS src_sets, groupUniqArray(dest_labels) AS dst_sets,
      arraySort(groupUniqArrayArray(source_ips)) AS sips, sum(source_ips_beyond) AS sbeyond,
      arraySort(groupUniqArrayArray(dest_ips)) AS dips, sum(dest_ips_beyond) AS dbeyond,
      any(source_name) AS s_source_name, any(source_namespace) AS s_source_namespace,
      any(dest_name) AS s_dest_name, any(dest_namespace) AS s_dest_namespace, any(cluster) AS from_cluster`;
  };

  async function keysOf(ids: readonly number[]): Promise<void> {
    const missing = ids.filter((id) => !keyTexts.has(id));
    if (missing.length === 0) return;
    if (keyTexts.size > 200_000) keyTexts.clear();
    const found = await rows<{ id: number | string; key: string }>(
      `SELECT id, any(key) AS key FROM flow_keys WHERE id IN (${missing.map(int).join(', ')}) GROUP BY id`,
    );
    for (const r of found) keyTexts.set(Number(r.id), parseFlowKey(r.key));
  }

  async function labelsOf(hashes: Iterable<number>): Promise<void> {
    const missing = [...new Set(hashes)].filter((h) => !labelSets.has(h));
    if (missing.length === 0) return;
    const found = await rows<{ hash: number | string; labels: string[] }>(
      `SELECT hash, any(labels) AS labels FROM label_sets WHERE hash IN (${missing.map(int).join(', ')}) GROUP BY hash`,
    );
    for (const r of found) labelSets.set(Number(r.hash), r.labels);
  }

  /** Labels across windows: the intersection of the non-empty sets (empty = not yet set). */
  const mergedLabels = (ids: readonly (number | string)[]) => {
    let out: readonly string[] = [];
    for (const id of ids) out = mergeLabels(out, labelSets.get(Number(id)) ?? []);
    return out;
  };

  const ipSet = (ips: string[], beyond: number | string): IpSet | undefined => {
    const extra = Math.max(0, ips.length - MAX_FLOW_IPS);
    const total = Number(beyond) + extra;
    if (ips.length === 0 && total === 0) return undefined;
    return { ips: extra > 0 ? ips.slice(0, MAX_FLOW_IPS) : ips, beyond: total };
  };

  async function toResults(list: AggregateRow[]): Promise<FlowResult[]> {
    await keysOf(list.map((r) => Number(r.id)));
    await labelsOf(list.flatMap((r) => [...r.src_sets, ...r.dst_sets].map(Number)));
    return list.map((r) => {
      const id = Number(r.id);
      const key = keyTexts.get(id);
      if (!key) throw new Error(`flow key ${id} is missing from flow_keys`);
      const flow: Flow = {
        key,
        startTime: Number(r.first),
        endTime: Number(r.end_at),
        sourceLabels: mergedLabels(r.src_sets),
        destLabels: mergedLabels(r.dst_sets),
        packetsIn: Number(r.packets_in),
        packetsOut: Number(r.packets_out),
        bytesIn: Number(r.bytes_in),
        bytesOut: Number(r.bytes_out),
        numConnectionsStarted: Number(r.connections_started),
        numConnectionsCompleted: Number(r.connections_completed),
        numConnectionsLive: Number(r.connections_live),
      };
      return { id, flow: withIps(flow, ipSet(r.sips, r.sbeyond), ipSet(r.dips, r.dbeyond)), cluster: r.from_cluster };
    });
  }

  /** Every matching key aggregated (one row per key), with the label selectors applied here. */
  async function allMatching(range: TimeRange, filter: FlowFilter | undefined, source: string): Promise<FlowResult[]> {
    const c = compile(filter);
    const list = await rows<AggregateRow>(`SELECT ${aggregates(range.lt)} FROM ${source} GROUP BY key_id`);
    const results = await toResults(list);
    return c.labels ? results.filter((r) => c.labels!(r.flow.sourceLabels, r.flow.destLabels)) : results;
  }

  async function list(q: ListQuery): Promise<ListResult> {
    ensureOpen();
    checkRange(q.range);
    compile(q.filter);
    if (q.sortBy !== undefined && q.sortBy !== 'Time' && !(q.sortBy in SORT_COLUMNS)) {
      throw flowStoreError('unsupported-sort', 'unsupported sort order', 'sortBy');
    }
    await ready;
    const w = await narrowed(q.range, q.filter);
    if (w.needsLabels) return listOf(await allMatching(q.range, q.filter, w.source), q, w.plan.resolution);
    // One pass: the page, and in its totals row the number of keys (`uniqExact` over all the rows).
    const order =
      q.sortBy === undefined || q.sortBy === 'Time' ? 'first DESC, id ASC' : `${SORT_COLUMNS[q.sortBy]} ASC, id ASC`;
    const page = q.page ?? 0;
    const pageSize = q.pageSize ?? 0;
    const limit = pageSize > 0 ? ` LIMIT ${int(Math.max(0, page) * pageSize)}, ${int(pageSize)}` : '';
    const found = await (
      await client.query({
        query: `SELECT ${aggregates(q.range.lt)}, uniqExact(key_id) AS keys_total FROM ${w.source}
          GROUP BY key_id WITH TOTALS ORDER BY ${order}${limit}`,
        format: 'JSON',
      })
    ).json<AggregateRow & { keys_total: number | string }>();
    const total = Number(found.totals?.keys_total ?? 0);
    const resolution = w.plan.resolution;
    if (total === 0) return { totalPages: 0, totalResults: 0, flows: [], resolution };
    const totalPages = pageSize > 0 ? Math.ceil(total / pageSize) : 1;
    if (pageSize > 0 && (page < 0 || page >= totalPages))
      return { totalPages: 0, totalResults: 0, flows: [], resolution };
    return { totalPages, totalResults: total, flows: await toResults(found.data), resolution };
  }

  const HINT_COLUMNS: Record<string, string> = {
    SourceName: 'source_name',
    DestName: 'dest_name',
    SourceNamespace: 'source_namespace',
    DestNamespace: 'dest_namespace',
    PolicyTier: 'hint_tier',
    PolicyName: 'hint_name',
    PolicyKind: 'hint_kind',
    PolicyNamespace: 'hint_namespace',
  };

  /**
   * Keys folded in ClickHouse: the matching keys of the range (one GROUP BY key_id), joined to their
   * key text and grouped by what the fold keeps, so one row per graph edge and verdict pair, or per
   * reporter and trace pair, reaches Verdict. The key text is a JSON array (see `flowKeyString`):
   * the endpoint types are its 3rd and 6th strings, the traces follow the reporter and action.
   */
  async function countKeys(q: CountKeysQuery): Promise<CountedKeys> {
    ensureOpen();
    checkRange(q.range);
    compile(q.filter);
    await ready;
    const w = await narrowed(q.range, q.filter);
    if (w.needsLabels) {
      const folded = new Map<string, KeyCount>();
      for (const r of await allMatching(q.range, q.filter, w.source)) {
        const k = r.flow.key;
        const fold =
          q.fold === 'graph'
            ? [
                k.sourceType,
                k.sourceNamespace,
                k.sourceName,
                k.destType,
                k.destNamespace,
                k.destName,
                k.action,
                pendingVerdict(k) ?? '',
              ]
            : [k.reporter, JSON.stringify(k.policies)];
        const id = JSON.stringify([r.cluster, ...fold]);
        const found = folded.get(id);
        if (found) found.count++;
        else folded.set(id, { key: k, cluster: r.cluster ?? cluster, count: 1 });
      }
      return { keys: [...folded.values()], resolution: w.plan.resolution };
    }
    const parts = 'splitByString(\'","\', key)';
    const by =
      q.fold === 'graph'
        ? `f_source_namespace, f_source_name, arrayElement(${parts}, 3), f_dest_namespace, f_dest_name,
           arrayElement(splitByChar('"', arrayElement(${parts}, 6)), 1), f_action, f_pending_verdict`
        : `f_reporter, extract(key, ',"(?:Src|Dst)","(?:Allow|Deny|Pass)",([[].*)$')`;
    // Unqualified names: 18.16 does not resolve `alias.column` across a JOIN … USING; aliases differ
    // from the columns, which ClickHouse would otherwise resolve to the aggregate in WHERE.
    const found = await rows<{ key_text: string; from_cluster: string; n: number | string }>(
      `SELECT any(key) AS key_text, from_cluster, count() AS n FROM (
         SELECT key_id, any(cluster) AS from_cluster, any(source_namespace) AS f_source_namespace,
           any(source_name) AS f_source_name, any(dest_namespace) AS f_dest_namespace, any(dest_name) AS f_dest_name,
           any(action) AS f_action, any(pending_verdict) AS f_pending_verdict, any(reporter) AS f_reporter
         FROM ${w.source} GROUP BY key_id
       ) AS matched ANY INNER JOIN (
         SELECT id AS key_id, any(key) AS key FROM flow_keys
         WHERE id IN (SELECT key_id FROM ${w.source}) GROUP BY id
       ) AS texts USING key_id
       GROUP BY from_cluster, ${by}`,
    );
    return {
      keys: found.map((r) => ({ key: parseFlowKey(r.key_text), cluster: r.from_cluster, count: Number(r.n) })),
      resolution: w.plan.resolution,
    };
  }

  /**
   * Flows reported by the given endpoints. The endpoints go to ClickHouse as a temporary table of
   * the query's own session (any number of them, no query text limit). ClickHouse selects the
   * windows by namespace first, in PREWHERE, with the namespaces written out (a few thousand at most:
   * 18.16 uses the sort key for a literal set, not for a subquery; `Src` windows are found by the
   * key's source namespace, `Dst` ones by reading the column), then by (namespace, name) from the
   * table, and aggregates per key; only those keys reach Verdict, in chunks, where the endpoint type
   * (part of the key text, not a column) is checked.
   */
  async function* reportedBy(q: ReportedByQuery): AsyncIterable<FlowResult> {
    ensureOpen();
    checkRange(q.range);
    await ready;
    const sides = [
      ['Src', q.sources, 'source'],
      ['Dst', q.destinations, 'dest'],
    ] as const;
    const wanted = new Set<string>();
    const endpoints: { reporter: string; namespace: string; name: string }[] = [];
    for (const [reporter, list] of sides) {
      const seen = new Set<string>();
      for (const e of list) {
        wanted.add(JSON.stringify([reporter, e.type, e.namespace, e.name]));
        const id = JSON.stringify([e.namespace, e.name]);
        if (seen.has(id)) continue;
        seen.add(id);
        endpoints.push({ reporter, namespace: e.namespace, name: e.name });
      }
    }
    if (endpoints.length === 0) return;
    const session = { session_id: `verdict-reported-by-${randomBytes(8).toString('hex')}` };
    await client.command({
      query: 'CREATE TEMPORARY TABLE reporting_endpoints (reporter String, namespace String, name String)',
      ...session,
    });
    try {
      await client.insert({ table: 'reporting_endpoints', values: endpoints, format: 'JSONEachRow', ...session });
      const plan = await rollups.plan(q.range);
      for (const [reporter, list, side] of sides) {
        if (list.length === 0) continue;
        const of = (columns: string) =>
          `(SELECT ${columns} FROM reporting_endpoints WHERE reporter = ${literal(reporter)})`;
        let select: string;
        if (side === 'source') {
          const namespaces = [...new Set(list.map((e) => e.namespace))];
          select = `source_namespace IN (${namespaces.sort().map(literal).join(', ')})`;
        } else {
          // The sort key has no destination: the keys come from flow_keys (their text holds the
          // endpoints: see flowKeyString), and their source namespaces narrow the windows read.
          const parts = `splitByString('","', key)`;
          const keys = `FROM flow_keys WHERE extract(key, ',"(Src|Dst)","(?:Allow|Deny|Pass)",[[]') = 'Dst'
            AND (arrayElement(${parts}, 5), arrayElement(${parts}, 4)) IN ${of('namespace, name')}`;
          const sources = await (
            await client.query({
              query: `SELECT DISTINCT arrayElement(${parts}, 2) AS ns ${keys}`,
              format: 'JSONEachRow',
              ...session,
            })
          ).json<{ ns: string }>();
          if (sources.length === 0) continue;
          select = `source_namespace IN (${sources
            .map((r) => r.ns)
            .sort()
            .map(literal)
            .join(', ')}) AND key_id IN (SELECT id ${keys})`;
        }
        const result = await client.query({
          query: `SELECT ${aggregates(q.range.lt)} FROM ${levelSource(
            plan,
            [`(${side}_namespace, ${side}_name) IN ${of('namespace, name')}`],
            [`reporter = ${literal(reporter)}`, select],
          )} GROUP BY key_id ORDER BY first DESC, id ASC`,
          format: 'JSONEachRow',
          ...session,
        });
        let chunk: AggregateRow[] = [];
        const flush = async function* () {
          const found = await toResults(chunk);
          chunk = [];
          for (const r of found) {
            const k = r.flow.key;
            const self =
              side === 'source'
                ? [k.sourceType, k.sourceNamespace, k.sourceName]
                : [k.destType, k.destNamespace, k.destName];
            if (wanted.has(JSON.stringify([reporter, ...self]))) yield r;
          }
        };
        for await (const rowsRead of result.stream<AggregateRow>()) {
          for (const row of rowsRead) {
            chunk.push(row.json());
            if (chunk.length >= REPORTED_CHUNK) yield* flush();
          }
        }
        yield* flush();
      }
    } finally {
      await client.command({ query: 'DROP TEMPORARY TABLE IF EXISTS reporting_endpoints', ...session }).catch(() => {});
    }
  }

  async function hints(q: HintsQuery): Promise<HintsResult> {
    ensureOpen();
    checkHintType(q.type);
    checkRange(q.range);
    compile(q.filter);
    await ready;
    const w = await narrowed(q.range, q.filter);
    const column = HINT_COLUMNS[q.type]!;
    const policy = column.startsWith('hint_');
    let values: string[];
    if (w.needsLabels) {
      const matched = await allMatching(q.range, q.filter, w.source);
      if (!policy) {
        const field = {
          SourceName: 'sourceName',
          DestName: 'destName',
          SourceNamespace: 'sourceNamespace',
          DestNamespace: 'destNamespace',
        }[q.type as 'SourceName'] as 'sourceName';
        values = [...new Set(matched.map((r) => r.flow.key[field]))];
      } else {
        const ids = matched.map((r) => r.id);
        values =
          ids.length === 0
            ? []
            : (
                await rows<{ v: string }>(
                  `SELECT DISTINCT arrayJoin(${column}) AS v FROM flow_keys WHERE id IN (${ids.map(int).join(', ')})`,
                )
              ).map((r) => r.v);
      }
      const p = paginate(values.sort(), q.page, q.pageSize);
      return { totalPages: p.totalPages, totalResults: p.totalResults, values: p.items };
    }
    const source = policy
      ? `(SELECT arrayJoin(${column}) AS v FROM flow_keys WHERE id IN (SELECT key_id FROM ${w.source}))`
      : `(SELECT ${column} AS v FROM ${w.source})`;
    const count = Number((await rows<{ n: number | string }>(`SELECT uniqExact(v) AS n FROM ${source}`))[0]?.n ?? 0);
    const page = q.page ?? 0;
    const pageSize = q.pageSize ?? 0;
    if (count === 0) return { totalPages: 0, totalResults: 0, values: [] };
    const totalPages = pageSize > 0 ? Math.ceil(count / pageSize) : 1;
    if (pageSize > 0 && (page < 0 || page >= totalPages)) return { totalPages: 0, totalResults: 0, values: [] };
    const limit = pageSize > 0 ? ` LIMIT ${int(page * pageSize)}, ${int(pageSize)}` : '';
    values = (await rows<{ v: string }>(`SELECT DISTINCT v FROM ${source} ORDER BY v${limit}`)).map((r) => r.v);
    return { totalPages, totalResults: count, values };
  }

  async function statistics(q: StatisticsQuery): Promise<StatisticsResult[]> {
    ensureOpen();
    checkRange(q.range);
    await ready;
    const [vin, vout] =
      q.type === 'PacketCount'
        ? ['packets_in', 'packets_out']
        : q.type === 'ByteCount'
          ? ['bytes_in', 'bytes_out']
          : ["if(reporter = 'Dst', connections_live, 0)", "if(reporter = 'Dst', 0, connections_live)"];
    const [groups, slots] =
      q.groupBy === 'Policy' ? ['stat_policy', 'stat_policy_slot'] : ['stat_rule', 'stat_rule_slot'];
    const byBucket = q.timeSeries === true;
    const sql = `SELECT g, slot, ${byBucket ? 'bucket,' : '0 AS bucket,'} sum(vin) AS vin, sum(vout) AS vout FROM (
        SELECT key_id, ${byBucket ? 'bucket,' : ''} sum(${vin}) AS vin, sum(${vout}) AS vout
        FROM ${levelSource(await rollups.plan(q.range), [])}
        WHERE bucket + width <= ${int(Math.floor(q.range.lt))}
        GROUP BY key_id${byBucket ? ', bucket' : ''}
      ) AS counted ALL INNER JOIN (
        SELECT key_id, g, slot FROM (
          SELECT id AS key_id, any(${groups}) AS gs, any(${slots}) AS ss FROM flow_keys GROUP BY id
        ) ARRAY JOIN gs AS g, ss AS slot
      ) AS grouped USING key_id
      GROUP BY g, slot${byBucket ? ', bucket' : ''}`;
    const found = await rows<{
      g: string;
      slot: number;
      bucket: number | string;
      vin: number | string;
      vout: number | string;
    }>(sql);
    interface Group {
      result: StatisticsResult;
      sortKey: string;
      buckets: Map<number, number[]>;
    }
    const out = new Map<string, Group>();
    for (const r of found) {
      const [kind, namespace, name, tier, action, ruleIndex, direction] = JSON.parse(r.g) as StatGroup;
      const slot = Number(r.slot);
      const policy = { kind, namespace, name, tier, action, policyIndex: 0, ruleIndex };
      const matched =
        q.groupBy === 'Policy'
          ? { ...policy, action: (['Allow', 'Allow', 'Deny', 'Deny', 'Pass', 'Pass'] as const)[slot]! }
          : policy;
      if (q.policyMatch && !hitMatches(q.policyMatch, matched)) continue;
      let g = out.get(r.g);
      if (!g) {
        g = {
          result: {
            policy,
            direction: direction as StatisticsResult['direction'],
            groupBy: q.groupBy,
            type: q.type,
            allowedIn: [],
            allowedOut: [],
            deniedIn: [],
            deniedOut: [],
            passedIn: [],
            passedOut: [],
            x: [],
          },
          sortKey: hitString(policy),
          buckets: new Map(),
        };
        out.set(r.g, g);
      }
      const b = Number(r.bucket);
      let c = g.buckets.get(b);
      if (!c) g.buckets.set(b, (c = [0, 0, 0, 0, 0, 0]));
      c[slot]! += Number(r.vin);
      c[slot + 1]! += Number(r.vout);
    }
    return [...out.values()]
      .sort(
        (a, b) =>
          (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0) ||
          a.result.direction.localeCompare(b.result.direction),
      )
      .map((g) => {
        const r = g.result;
        const arrays = [r.allowedIn, r.allowedOut, r.deniedIn, r.deniedOut, r.passedIn, r.passedOut];
        for (const b of [...g.buckets.keys()].sort((x, y) => x - y)) {
          if (byBucket) r.x.push(b);
          const c = g.buckets.get(b)!;
          for (let i = 0; i < 6; i++) arrays[i]!.push(c[i]!);
        }
        return r;
      });
  }

  async function prune(): Promise<number> {
    await ready;
    const cutoff = new Date((bucketStart(now() - retentionSeconds) - 86_400) * 1000);
    const day = Number(cutoff.toISOString().slice(0, 10).replace(/-/g, ''));
    const parts = await rows<{ partition: string }>(
      `SELECT DISTINCT partition FROM system.parts WHERE database = ${literal(database)} AND table = 'flow_windows' AND active`,
    );
    let n = 0;
    for (const p of parts) {
      const value = Number(p.partition.replace(/'/g, ''));
      if (Number.isInteger(value) && value < day) {
        await client.command({ query: `ALTER TABLE flow_windows DROP PARTITION ${int(value)}` });
        n++;
      }
    }
    const changesCutoff = bucketStart(now() - retentionSeconds) * 1000;
    const old = await rows<{ n: number | string }>(
      `SELECT count() AS n FROM policy_changes WHERE cluster = ${literal(cluster)} AND time < ${int(changesCutoff)}`,
    );
    if (Number(old[0]?.n ?? 0) > 0)
      await client.command({
        query: `ALTER TABLE policy_changes DELETE WHERE cluster = ${literal(cluster)} AND time < ${int(changesCutoff)}`,
      });
    return n + (await rollups.prune());
  }

  const ensureOpen = () => {
    if (closed) throw flowStoreError('closed', 'store is closed');
  };

  const ticker =
    (options.autoRollover ?? options.now === undefined) ? startTicker(now, (t) => store.tick(t)) : undefined;
  let lastPrune = 0;
  let lastRollUp = 0;
  let rolling = false;

  const store: ClickHouseFlowStore = {
    kind: 'clickhouse',
    ready,
    get dropped() {
      return dropped;
    },
    acceptedStarts: () => ({
      gte: bucketStart(now() - retentionSeconds),
      lt: headEnd(),
    }),
    get writable() {
      return writable && spool.count === 0;
    },
    get spooled() {
      return { batches: spool.count, bytes: spool.bytes };
    },
    ingest,
    list,
    /** One key's windows aggregated in ClickHouse; nothing but that key reaches Verdict. */
    async get(id) {
      ensureOpen();
      if (!Number.isSafeInteger(id) || id < 0) return undefined;
      await ready;
      const range = store.acceptedStarts();
      const found = await rows<AggregateRow>(
        `SELECT ${aggregates(range.lt)} FROM ${levelSource(await rollups.plan(range), [`key_id = ${int(id)}`])} GROUP BY key_id`,
      );
      return (await toResults(found))[0];
    },
    hints,
    countKeys,
    reportedBy,
    subscribe(fromTime, filter, onFlow) {
      ensureOpen();
      compile(filter);
      return ring.subscribe(fromTime, filter, onFlow);
    },
    statistics,
    tick(t = now()) {
      if (closed) return;
      ring.tick(t);
      if (options.now !== undefined) return;
      if (t - lastPrune > 3600) {
        lastPrune = t;
        prune().catch(() => {});
      }
      // Folds run one at a time; a failed one is finished at the next turn (see rollups.ts).
      if (!rolling && t - lastRollUp >= 30) {
        lastRollUp = t;
        rolling = true;
        ready
          .then(() => rollups.rollUp())
          .catch(() => {})
          .finally(() => {
            rolling = false;
          });
      }
    },
    async flush() {
      await ready;
      await draining;
      if (spool.count === 0) return;
      kickDrain();
      await draining;
      if (spool.count > 0) throw lastError ?? new Error('ClickHouse did not take the buffered batches');
    },
    prune,
    async rollUp() {
      ensureOpen();
      await ready;
      return rollups.rollUp();
    },
    async recordChanges(changes) {
      ensureOpen();
      return recordChanges(changes);
    },
    async changes(query) {
      ensureOpen();
      return queryChanges(query);
    },
    async stats() {
      ensureOpen();
      await ready;
      const r = await rows<{ rows: number | string; bytes: number | string }>(
        `SELECT sumIf(rows, table = 'flow_windows') AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
         WHERE database = ${literal(database)} AND active`,
      );
      return { rows: Number(r[0]?.rows ?? 0), bytes: Number(r[0]?.bytes ?? 0) };
    },
    async close() {
      if (closed) return;
      closed = true;
      ticker?.stop();
      if (retryTimer) clearTimeout(retryTimer);
      await ring.close();
      await draining;
      await client.close();
      await admin.close();
    },
  };
  return store;
}
