// The embedded default store: SQLite (better-sqlite3 12), one row per (flow key, 15 s bucket).
import Database from 'better-sqlite3';
import { type ChangeQuery, changeLimit, type PolicyChange } from './changes.ts';
import { compileFilterParts } from './filter.ts';
import { mergeIpSets } from './ips.ts';
import {
  addCounters,
  flowKeyString,
  hashString,
  intersectLabels,
  mergeLabels,
  parseFlowKey,
  pendingVerdict,
  withIps,
} from './key.ts';
import type { Flow, FlowKey, FlowResult, IpSet } from './model.ts';
import { NAME_DISPLAY, NAMESPACE_DISPLAY, storedValues } from './names.ts';
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
import {
  type LevelCoverage,
  levelBucketStart,
  planBackfill,
  planRange,
  ROLLUP_LEVELS,
  ROLLUP_SETTLE_SECONDS,
  SUMMARY_SECONDS,
  splitBySummaries,
} from './rollup.ts';
import { computeStatistics } from './stats.ts';
import type { FlowFilter, StringMatch, TimeRange } from './store.ts';
import { createStreamHub, startTicker, wallClock } from './stream.ts';
import { BUCKET_SECONDS, bucketStart } from './time.ts';
import { DEFAULT_CLUSTER, type SqliteFlowStore, type StoreOptions } from './types.ts';

interface ChangeRow {
  id: number;
  time: number;
  op: string;
  kind: string;
  namespace: string;
  name: string;
  resource_version: string;
  source: string;
  before: string | null;
  after: string | null;
  diff: string;
}

export interface SqliteStoreOptions extends StoreOptions {
  /** Database file; `:memory:` works for throwaway stores. */
  path: string;
  /** Buckets older than this are deleted; default 7. */
  retentionDays?: number;
}

function rollupTable(seconds: number): string {
  return `CREATE TABLE windows_${seconds} (
     bucket INTEGER NOT NULL,
     key_id INTEGER NOT NULL,
     source_labels INTEGER NOT NULL,
     dest_labels INTEGER NOT NULL,
     packets_in INTEGER NOT NULL,
     packets_out INTEGER NOT NULL,
     bytes_in INTEGER NOT NULL,
     bytes_out INTEGER NOT NULL,
     connections_started INTEGER NOT NULL,
     connections_completed INTEGER NOT NULL,
     connections_live INTEGER NOT NULL,
     source_ips TEXT,
     dest_ips TEXT,
     PRIMARY KEY (bucket, key_id)
   ) WITHOUT ROWID;
   CREATE INDEX windows_${seconds}_key ON windows_${seconds} (key_id);`;
}

/**
 * Per-key summary of the 5 min windows over a whole hour or day (`SUMMARY_SECONDS`): counters summed,
 * the first window's start and the last window's end, labels and addresses as `summaryLabels` and
 * `ipsMerged` give them (MIXED_LABELS / MIXED_IPS where the windows disagree: List then merges that
 * key from the 5 min windows).
 */
function summaryTable(seconds: number): string {
  return `CREATE TABLE summary_${seconds} (
     bucket INTEGER NOT NULL,
     key_id INTEGER NOT NULL,
     first_bucket INTEGER NOT NULL,
     end_time INTEGER NOT NULL,
     source_labels INTEGER NOT NULL,
     dest_labels INTEGER NOT NULL,
     packets_in INTEGER NOT NULL,
     packets_out INTEGER NOT NULL,
     bytes_in INTEGER NOT NULL,
     bytes_out INTEGER NOT NULL,
     connections_started INTEGER NOT NULL,
     connections_completed INTEGER NOT NULL,
     connections_live INTEGER NOT NULL,
     source_ips TEXT,
     dest_ips TEXT,
     PRIMARY KEY (bucket, key_id)
   ) WITHOUT ROWID;`;
}

/** The table holding a level's windows. */
const tableOf = (level: number): string => (level === 0 ? 'windows' : `windows_${ROLLUP_LEVELS[level]!.seconds}`);
const COARSEST = ROLLUP_LEVELS.length - 1;
const COARSEST_SECONDS = ROLLUP_LEVELS[COARSEST]!.seconds;
/** The table holding a summary level's rows. */
const summaryOf = (summary: number): string => `summary_${SUMMARY_SECONDS[summary]}`;
const COUNTERS = [
  'packets_in',
  'packets_out',
  'bytes_in',
  'bytes_out',
  'connections_started',
  'connections_completed',
  'connections_live',
] as const;

/** Schema migrations, applied in order; `PRAGMA user_version` holds how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE keys (
     id INTEGER PRIMARY KEY,
     hash INTEGER NOT NULL,
     key TEXT NOT NULL,
     source_name TEXT NOT NULL,
     source_namespace TEXT NOT NULL,
     dest_name TEXT NOT NULL,
     dest_namespace TEXT NOT NULL,
     dest_port INTEGER NOT NULL,
     proto TEXT NOT NULL,
     reporter TEXT NOT NULL,
     action TEXT NOT NULL,
     pending_verdict TEXT NOT NULL,
     last_bucket INTEGER NOT NULL
   );
   CREATE INDEX keys_hash ON keys (hash);
   CREATE INDEX keys_source_namespace ON keys (source_namespace, action);
   CREATE INDEX keys_dest_namespace ON keys (dest_namespace, action);
   CREATE INDEX keys_source_name ON keys (source_name);
   CREATE INDEX keys_dest_name ON keys (dest_name);
   CREATE INDEX keys_last_bucket ON keys (last_bucket);
   CREATE TABLE label_sets (id INTEGER PRIMARY KEY, labels TEXT NOT NULL);
   CREATE TABLE windows (
     bucket INTEGER NOT NULL,
     key_id INTEGER NOT NULL,
     source_labels INTEGER NOT NULL,
     dest_labels INTEGER NOT NULL,
     packets_in INTEGER NOT NULL,
     packets_out INTEGER NOT NULL,
     bytes_in INTEGER NOT NULL,
     bytes_out INTEGER NOT NULL,
     connections_started INTEGER NOT NULL,
     connections_completed INTEGER NOT NULL,
     connections_live INTEGER NOT NULL,
     PRIMARY KEY (bucket, key_id)
   ) WITHOUT ROWID;
   CREATE INDEX windows_key ON windows (key_id);`,
  // Addresses seen per window (NULL = none recorded), in the text form of `encodeIps`.
  `ALTER TABLE windows ADD COLUMN source_ips TEXT;
   ALTER TABLE windows ADD COLUMN dest_ips TEXT;`,
  `CREATE TABLE policy_changes (
     id INTEGER PRIMARY KEY,
     time INTEGER NOT NULL,
     op TEXT NOT NULL,
     kind TEXT NOT NULL,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     resource_version TEXT NOT NULL,
     source TEXT NOT NULL,
     before TEXT,
     after TEXT,
     diff TEXT NOT NULL
   );
   CREATE INDEX policy_changes_time ON policy_changes (time);
   CREATE INDEX policy_changes_name ON policy_changes (name, kind, namespace);`,
  // Roll-up levels of ROLLUP_LEVELS: 1 min and 5 min windows, and per level the bucket starts it
  // holds completely, [kept_from, done_until) (level 0, the 15 s `windows`, has no upper bound).
  `${rollupTable(60)}
   ${rollupTable(300)}
   CREATE TABLE rollups (level INTEGER PRIMARY KEY, done_until INTEGER NOT NULL, kept_from INTEGER NOT NULL);
   INSERT INTO rollups (level, done_until, kept_from) VALUES (0, 0, 0), (1, 0, 0), (2, 0, 0);`,
  // No index by key on the windows: every write of a batch would touch a page of it per key. A key's
  // windows are found by primary key, (bucket, key) for each bucket of the range (`bucketList`).
  `DROP INDEX IF EXISTS windows_key;
   DROP INDEX IF EXISTS windows_60_key;
   DROP INDEX IF EXISTS windows_300_key;`,
  // Per-key summaries of the 5 min level by hour and by day, and per summary level the bucket
  // starts it holds, [kept_from, done_until). A database from before starts empty and is summarised
  // by the next roll-ups; until then List reads the 5 min windows as before.
  `${summaryTable(3600)}
   ${summaryTable(86_400)}
   CREATE TABLE summary_levels (seconds INTEGER PRIMARY KEY, done_until INTEGER NOT NULL, kept_from INTEGER NOT NULL);
   INSERT INTO summary_levels (seconds, done_until, kept_from) VALUES (3600, 0, 0), (86400, 0, 0);`,
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

type Db = Database.Database;

/** `<beyond> <ip> <ip> …`; NULL for no addresses. */
function encodeIps(set: IpSet | undefined): string | null {
  return set ? `${set.beyond} ${set.ips.join(' ')}` : null;
}

function decodeIps(text: string | null): IpSet | undefined {
  if (!text) return undefined;
  const parts = text.split(' ');
  const beyond = Number(parts[0]);
  parts.shift();
  if (parts.length === 1 && parts[0] === '') parts.length = 0;
  return { ips: parts, beyond };
}

// Merging windows in SQL. Almost every key keeps one label set and one address set from window to
// window; SQLite merges those itself, and only keys whose windows differ are merged in JavaScript
// (`mergeLabels`, `mergeIpSets`), so a scan over millions of windows makes no call into JavaScript.

/** Label-set id of a merge whose windows disagree (ids are ≥ 0): to be merged in JavaScript. */
const MIXED_LABELS = -1;
/** Address text of a merge whose windows disagree (`encodeIps` never writes ''): to be merged in JavaScript. */
const MIXED_IPS = '';

/**
 * Aggregate of a label-set id column: 0 (empty) when every window is empty, the one id when the
 * non-empty windows agree (an empty window means "not yet set"), MIXED_LABELS otherwise.
 */
const labelsMerged = (col: string) =>
  `CASE WHEN max(${col}) = 0 THEN 0 WHEN min(nullif(${col}, 0)) = max(${col}) THEN max(${col}) ELSE ${MIXED_LABELS} END`;

/**
 * Aggregate of an address column: NULL when no window has addresses, the one text when the windows
 * with addresses agree and none counted addresses beyond the kept ones (a union with itself is then
 * itself; `beyond` would add up), MIXED_IPS otherwise.
 */
const ipsMerged = (col: string) => {
  const some = `nullif(${col}, '0 ')`;
  return `CASE WHEN max(${some}) IS NULL THEN NULL
    WHEN min(${some}) = max(${some}) AND substr(max(${some}), 1, 2) = '0 ' THEN max(${some}) ELSE '${MIXED_IPS}' END`;
};

/** `labelsMerged` over rows that may already be MIXED_LABELS (summaries): mixed stays mixed. */
const summaryLabels = (col: string) => `CASE WHEN min(${col}) < 0 THEN ${MIXED_LABELS} ELSE ${labelsMerged(col)} END`;

/** A summary's label column after one more window (`excluded`, an id ≥ 0): as `summaryLabels` over all of them. */
const summaryLabelsWith = (col: string) =>
  `CASE WHEN excluded.${col} = 0 OR excluded.${col} = ${col} THEN ${col} WHEN ${col} = 0 THEN excluded.${col} ELSE ${MIXED_LABELS} END`;

/**
 * A summary's address column after one more window whose text went through `summaryIps`: as
 * `ipsMerged` over all of them.
 */
const summaryIpsWith = (col: string) =>
  `CASE WHEN excluded.${col} IS NULL THEN ${col} WHEN ${col} IS NULL OR ${col} = excluded.${col} THEN excluded.${col} ELSE '${MIXED_IPS}' END`;

/** One window's address text as a summary of it alone holds it (see `ipsMerged`). */
function summaryIps(text: string | null): string | null {
  if (text === null || text === '0 ') return null;
  return text.startsWith('0 ') ? text : MIXED_IPS;
}

/** An upsert's merge of a label column: kept when both sides agree, else `fn` (JavaScript). */
const sameOr = (col: string, fn: string) =>
  `CASE WHEN ${col} = excluded.${col} THEN ${col} ELSE ${fn}(${col}, excluded.${col}) END`;

/** An upsert's merge of an address column: kept when neither side has addresses or both hold the same ones with none beyond. */
const sameIpsOr = (col: string) =>
  `CASE WHEN excluded.${col} IS NULL THEN ${col} WHEN ${col} IS NULL THEN excluded.${col}
     WHEN ${col} = excluded.${col} AND substr(${col}, 1, 2) = '0 ' THEN ${col} ELSE ips_merge(${col}, excluded.${col}) END`;

/** Runs the migrations the database has not seen; refuses a database from a newer Verdict. */
export function migrate(db: Db): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `flow database schema version ${version} is newer than this Verdict supports (${MIGRATIONS.length})`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

interface Pending {
  keyString: string;
  key: FlowKey;
  bucket: number;
  sourceLabels: readonly string[];
  destLabels: readonly string[];
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  started: number;
  completed: number;
  live: number;
  sourceIps: IpSet | undefined;
  destIps: IpSet | undefined;
}

/** A window's labels and addresses, to merge. */
interface MergeRow {
  key_id: number;
  src: number;
  dst: number;
  source_ips: string | null;
  dest_ips: string | null;
}

interface Merged {
  sourceLabels: readonly string[];
  destLabels: readonly string[];
  sourceIps: IpSet | undefined;
  destIps: IpSet | undefined;
}

interface WindowRow {
  id: number;
  key: string;
  bucket: number;
  /** End of the row's newest window. */
  end: number;
  src: number;
  dst: number;
  packets_in: number;
  packets_out: number;
  bytes_in: number;
  bytes_out: number;
  connections_started: number;
  connections_completed: number;
  connections_live: number;
  source_ips: string | null;
  dest_ips: string | null;
}

const KEY_CACHE_LIMIT = 500_000;
/** Rows per multi-row upsert statement, and the columns of each row. */
const UPSERT_ROWS = 128;
const UPSERT_COLUMNS = 13;
/** Seconds `keys.last_bucket` may lag behind the key's newest window. */
const LAST_BUCKET_SLACK = 3600;
const PARSED_CACHE_LIMIT = 100_000;
/** A filter reads its keys bucket by bucket when it keeps at most one key in this many, else it scans the range. */
const KEY_SCAN_RATIO = 8;
/** Time one roll-up transaction may take before it commits and lets other work run. */
const ROLLUP_STEP_MS = 50;
/** Least time between two sweeps of unused label sets: a full scan of every level, so once a day. */
const LABEL_PRUNE_SECONDS = 86_400;

/** Label sets interned by id (0 = empty); small, so all of them live in memory. */
function createLabelIntern(db: Db) {
  const texts: string[] = [''];
  const arrays: (readonly string[])[] = [[]];
  const ids = new Map<string, number>([['', 0]]);
  let unsaved: number[] = [];
  const insert = db.prepare('INSERT INTO label_sets (id, labels) VALUES (?, ?)');
  const load = () => {
    texts.length = 1;
    arrays.length = 1;
    ids.clear();
    ids.set('', 0);
    unsaved = [];
    for (const r of db.prepare('SELECT id, labels FROM label_sets').iterate() as IterableIterator<{
      id: number;
      labels: string;
    }>) {
      texts[r.id] = r.labels;
      arrays[r.id] = r.labels.split(',');
      ids.set(r.labels, r.id);
    }
  };
  const idOf = (labels: readonly string[]): number => {
    const text = labels.join(',');
    let id = ids.get(text);
    if (id === undefined) {
      id = texts.length;
      texts.push(text);
      arrays.push(text === '' ? [] : labels);
      ids.set(text, id);
      unsaved.push(id);
    }
    return id;
  };
  load();
  return {
    idOf,
    labels: (id: number): readonly string[] => arrays[id] ?? [],
    /** Within-window merge (plain intersection), for the upsert. */
    intersect: (a: number, b: number): number =>
      a === b ? a : idOf(intersectLabels(arrays[a] ?? [], arrays[b] ?? [])),
    /** Writes the sets created since the last flush; call inside the ingest transaction. */
    flush() {
      for (const id of unsaved) insert.run(id, texts[id]);
      unsaved = [];
    },
    /** After a rolled-back transaction: forget ids that never reached the database. */
    reload: load,
  };
}

/**
 * SQL that narrows keys to a superset of a filter's key part; the compiled filter then decides exactly.
 * Each list is one JSON parameter read with json_each, so the expression does not deepen per value
 * (SQLite refuses expressions nested more than 1,000 deep).
 */
function narrowKeys(filter: FlowFilter | undefined, params: unknown[]): string[] {
  if (!filter) return [];
  const where: string[] = [];
  const strings = (
    col: string,
    list: readonly StringMatch[] | undefined,
    aliases: Readonly<Record<string, string[]>>,
  ) => {
    if (!list || list.length === 0) return;
    const exact: string[] = [];
    const fuzzy: string[] = [];
    for (const m of list) {
      if (m.type === 'Fuzzy') fuzzy.push(m.value);
      else exact.push(m.value, ...(aliases[m.value] ?? []));
    }
    // A fuzzy value may match a display alias: any stored alias is a candidate.
    if (fuzzy.length > 0) exact.push(...Object.values(aliases).flat());
    const ors: string[] = [];
    if (exact.length > 0) {
      ors.push(`k.${col} IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(exact));
    }
    if (fuzzy.length > 0) {
      ors.push(`EXISTS (SELECT 1 FROM json_each(?) AS f WHERE instr(k.${col}, f.value) > 0)`);
      params.push(JSON.stringify(fuzzy));
    }
    where.push(`(${ors.join(' OR ')})`);
  };
  const nameAliases = storedValues(NAME_DISPLAY);
  const nsAliases = storedValues(NAMESPACE_DISPLAY);
  strings('source_name', filter.sourceNames, nameAliases);
  strings('dest_name', filter.destNames, nameAliases);
  strings('source_namespace', filter.sourceNamespaces, nsAliases);
  strings('dest_namespace', filter.destNamespaces, nsAliases);
  strings('proto', filter.protocols, {});
  const list = (col: string, values: readonly (string | number)[] | undefined) => {
    if (!values || values.length === 0) return;
    where.push(`k.${col} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(values));
  };
  list('dest_port', filter.destPorts);
  list('action', filter.actions);
  if (filter.reporter !== undefined) list('reporter', [filter.reporter]);
  if (filter.destPortRanges && filter.destPortRanges.length > 0) {
    where.push(`EXISTS (SELECT 1 FROM json_each(?) AS r WHERE k.dest_port BETWEEN r.value ->> 0 AND r.value ->> 1)`);
    params.push(JSON.stringify(filter.destPortRanges.map((r) => [r.min, r.max])));
  }
  if (filter.pendingDiffers) where.push(`k.pending_verdict <> '' AND k.pending_verdict <> k.action`);
  return where;
}

/**
 * Opens (creating or migrating) a SQLite flow store. Ingest batches are one transaction in WAL mode
 * with `synchronous = FULL`: once `ingest` resolves, the batch survives a crash or power loss.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteFlowStore {
  const now = options.now ?? wallClock;
  const cluster = options.cluster ?? DEFAULT_CLUSTER;
  const retentionSeconds = (options.retentionDays ?? 7) * 86_400;
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  migrate(db);
  if (ROLLUP_LEVELS.map((l) => l.seconds).join() !== '15,60,300') {
    throw new Error('ROLLUP_LEVELS changed: the SQLite schema needs a migration for the new levels');
  }
  const labels = createLabelIntern(db);
  db.function('labels_intersect', { deterministic: true }, (a: number, b: number) => labels.intersect(a, b));
  /** Merges a window's labels into a rolled-up row's, as List merges windows (empty = not yet set). */
  db.function('labels_union', { deterministic: true }, (a: number, b: number) =>
    a === b ? a : labels.idOf(mergeLabels(labels.labels(a), labels.labels(b))),
  );
  db.function('ips_merge', { deterministic: true }, (a: string | null, b: string | null) =>
    a === null ? b : b === null ? a : encodeIps(mergeIpSets(decodeIps(a), decodeIps(b))),
  );

  const selectKey = db.prepare<[number], { id: number; key: string; last_bucket: number }>(
    'SELECT id, key, last_bucket FROM keys WHERE hash = ?',
  );
  const insertKey = db.prepare(
    `INSERT INTO keys (hash, key, source_name, source_namespace, dest_name, dest_namespace, dest_port, proto,
       reporter, action, pending_verdict, last_bucket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const touchKey = db.prepare('UPDATE keys SET last_bucket = ? WHERE id = ? AND last_bucket < ?');
  const upsertSql = (rows: number) =>
    `INSERT INTO windows (bucket, key_id, source_labels, dest_labels, packets_in, packets_out, bytes_in, bytes_out,
       connections_started, connections_completed, connections_live, source_ips, dest_ips)
     VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (bucket, key_id) DO UPDATE SET
       source_labels = ${sameOr('source_labels', 'labels_intersect')},
       dest_labels = ${sameOr('dest_labels', 'labels_intersect')},
       packets_in = packets_in + excluded.packets_in,
       packets_out = packets_out + excluded.packets_out,
       bytes_in = bytes_in + excluded.bytes_in,
       bytes_out = bytes_out + excluded.bytes_out,
       connections_started = connections_started + excluded.connections_started,
       connections_completed = connections_completed + excluded.connections_completed,
       connections_live = connections_live + excluded.connections_live,
       source_ips = ${sameIpsOr('source_ips')},
       dest_ips = ${sameIpsOr('dest_ips')}`;
  /** Multi-row upserts cut the per-statement cost; rows of one batch never collide (pre-aggregated). */
  const upsertMany = db.prepare(upsertSql(UPSERT_ROWS));
  const upsertOne = db.prepare(upsertSql(1));
  const deleteWindows = ROLLUP_LEVELS.map((_, l) => db.prepare(`DELETE FROM ${tableOf(l)} WHERE bucket < ?`));
  const staleKeys = db.prepare<[number], { id: number; last_bucket: number }>(
    'SELECT id, last_bucket FROM keys WHERE last_bucket < ?',
  );
  const keysUpTo = ROLLUP_LEVELS.map((_, l) =>
    db.prepare(`SELECT DISTINCT key_id FROM ${tableOf(l)} WHERE bucket <= ?`).pluck(),
  );
  const deleteKey = db.prepare('DELETE FROM keys WHERE id = ?');
  /**
   * Deletes keys last seen before `before` that no level holds a window of any more. A key's newest
   * window starts at most LAST_BUCKET_SLACK after its `last_bucket`, and prune has removed every window
   * older than the retention, so only the windows up to the stale keys' newest are read.
   */
  const deleteStaleKeys = db.transaction((before: number): number => {
    const stale = staleKeys.all(before);
    if (stale.length === 0) return 0;
    const newest = Math.max(...stale.map((k) => k.last_bucket)) + LAST_BUCKET_SLACK;
    const held = new Set<number>();
    for (const read of keysUpTo) for (const id of read.iterate(newest) as IterableIterator<number>) held.add(id);
    let n = 0;
    for (const k of stale) if (!held.has(k.id)) n += deleteKey.run(k.id).changes;
    return n;
  });
  const countKeys = db.prepare('SELECT count(*) FROM keys').pluck();
  /**
   * The bucket starts of a table (of bucket width `seconds`) in `[gte, lt)` that may hold rows, as a
   * JSON array: with the primary key (bucket, key) they find given keys' rows without an index by key.
   */
  const bucketList = (table: string, seconds: number, gte: number, lt: number): string => {
    const oldest = prepared(`SELECT min(bucket) FROM ${table}`).pluck().get() as number | null;
    const newest = prepared(`SELECT max(bucket) FROM ${table}`).pluck().get() as number | null;
    const out: number[] = [];
    if (oldest === null || newest === null) return '[]';
    const to = Math.min(lt, newest + 1);
    for (let b = Math.max(Math.ceil(gte / seconds) * seconds, oldest); b < to; b += seconds) out.push(b);
    return JSON.stringify(out);
  };
  /** Adds a late window to a level that already rolled up its bucket, as that roll-up would have. */
  const lateUpsert = ROLLUP_LEVELS.map((_, l) =>
    l === 0
      ? undefined
      : db.prepare(
          `INSERT INTO ${tableOf(l)} (bucket, key_id, source_labels, dest_labels, ${COUNTERS.join(', ')}, source_ips, dest_ips)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (bucket, key_id) DO UPDATE SET
             source_labels = ${sameOr('source_labels', 'labels_union')},
             dest_labels = ${sameOr('dest_labels', 'labels_union')},
             ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')},
             source_ips = ${sameIpsOr('source_ips')},
             dest_ips = ${sameIpsOr('dest_ips')}`,
        ),
  );
  /** Rolls the finer level's windows of one bucket of `level` into one row per key. */
  const rollInsert = ROLLUP_LEVELS.map((_, l) =>
    l === 0
      ? undefined
      : db.prepare(
          `INSERT INTO ${tableOf(l)} (bucket, key_id, source_labels, dest_labels, ${COUNTERS.join(', ')}, source_ips, dest_ips)
           SELECT ?, key_id, ${labelsMerged('source_labels')}, ${labelsMerged('dest_labels')},
             ${COUNTERS.map((c) => `sum(${c})`).join(', ')}, ${ipsMerged('source_ips')}, ${ipsMerged('dest_ips')}
           FROM ${tableOf(l - 1)} WHERE bucket >= ? AND bucket < ? GROUP BY key_id`,
        ),
  );
  /** The rows of a rolled-up bucket whose windows disagree on labels or addresses (see `labelsMerged`). */
  const selectMixed = ROLLUP_LEVELS.map((_, l) =>
    db
      .prepare(
        `SELECT key_id FROM ${tableOf(l)} WHERE bucket = ? AND (source_labels = ${MIXED_LABELS} OR dest_labels = ${MIXED_LABELS}
           OR source_ips = '${MIXED_IPS}' OR dest_ips = '${MIXED_IPS}')`,
      )
      .pluck(),
  );
  /** The finer windows of some keys, per key oldest first, as the JavaScript merge takes them. */
  const windowsOfKeys = ROLLUP_LEVELS.map((_, l) =>
    db.prepare<[number, number, string], MergeRow>(
      `SELECT key_id, source_labels AS src, dest_labels AS dst, source_ips, dest_ips FROM ${tableOf(l)}
       WHERE bucket >= ? AND bucket < ? AND key_id IN (SELECT value FROM json_each(?)) ORDER BY key_id, bucket`,
    ),
  );
  const setMerged = ROLLUP_LEVELS.map((_, l) =>
    db.prepare(
      `UPDATE ${tableOf(l)} SET source_labels = ?, dest_labels = ?, source_ips = ?, dest_ips = ? WHERE bucket = ? AND key_id = ?`,
    ),
  );
  /** Merges in JavaScript the keys of a new roll-up bucket whose finer windows disagree. */
  function mergeMixed(level: number, bucket: number): void {
    const mixed = selectMixed[level]!.all(bucket) as number[];
    if (mixed.length === 0) return;
    const seconds = ROLLUP_LEVELS[level]!.seconds;
    const merged = mergeByKey(windowsOfKeys[level - 1]!.iterate(bucket, bucket + seconds, JSON.stringify(mixed)));
    for (const [keyId, m] of merged) {
      setMerged[level]!.run(
        labels.idOf(m.sourceLabels),
        labels.idOf(m.destLabels),
        encodeIps(m.sourceIps),
        encodeIps(m.destIps),
        bucket,
        keyId,
      );
    }
  }
  /** Merges rows of several windows per key, as List does: labels by `mergeLabels`, addresses by `mergeIpSets`. */
  function mergeByKey(rows: Iterable<MergeRow>): Map<number, Merged> {
    const out = new Map<number, Merged>();
    for (const r of rows) {
      const m = out.get(r.key_id);
      const src = labels.labels(r.src);
      const dst = labels.labels(r.dst);
      if (!m) {
        out.set(r.key_id, {
          sourceLabels: src,
          destLabels: dst,
          sourceIps: decodeIps(r.source_ips),
          destIps: decodeIps(r.dest_ips),
        });
        continue;
      }
      m.sourceLabels = mergeLabels(m.sourceLabels, src);
      m.destLabels = mergeLabels(m.destLabels, dst);
      m.sourceIps = mergeIpSets(m.sourceIps, decodeIps(r.source_ips));
      m.destIps = mergeIpSets(m.destIps, decodeIps(r.dest_ips));
    }
    return out;
  }
  const firstBucketFrom = ROLLUP_LEVELS.map((_, l) =>
    db.prepare(`SELECT min(bucket) FROM ${tableOf(l)} WHERE bucket >= ?`).pluck(),
  );
  const setDone = db.prepare('UPDATE rollups SET done_until = ? WHERE level = ?');
  const setKept = db.prepare('UPDATE rollups SET kept_from = ? WHERE level = ?');
  /** Per level, the bucket starts it holds completely: [kept, done); level 0 has no upper bound. */
  const levelState: { done: number; kept: number }[] = [];
  const loadLevels = () => {
    levelState.length = 0;
    for (const r of db.prepare('SELECT level, done_until, kept_from FROM rollups ORDER BY level').all() as {
      level: number;
      done_until: number;
      kept_from: number;
    }[])
      levelState[r.level] = { done: r.done_until, kept: r.kept_from };
  };
  loadLevels();
  const coverage = (): LevelCoverage[] =>
    levelState.map((st, l) => ({ from: st.kept, until: l === 0 ? Number.POSITIVE_INFINITY : st.done }));

  // Summaries: per key and hour of the 5 min windows, per key and day of the hourly ones.
  const summaryCols = `bucket, key_id, first_bucket, end_time, source_labels, dest_labels, ${COUNTERS.join(', ')}, source_ips, dest_ips`;
  /** Per summary level, the bucket starts it holds: [kept, done). */
  const summaryState = SUMMARY_SECONDS.map((seconds) => {
    const r = db.prepare('SELECT done_until, kept_from FROM summary_levels WHERE seconds = ?').get(seconds) as {
      done_until: number;
      kept_from: number;
    };
    return { done: r.done_until, kept: r.kept_from };
  });
  const summaryCoverage = (): LevelCoverage[] => summaryState.map((st) => ({ from: st.kept, until: st.done }));
  const setSummaryDone = db.prepare('UPDATE summary_levels SET done_until = ? WHERE seconds = ?');
  const setSummaryKept = db.prepare('UPDATE summary_levels SET kept_from = ? WHERE seconds = ?');
  /** Summarises one bucket of a summary level from the 5 min windows (hours) or the hourly summaries (days). */
  const summaryInsert = SUMMARY_SECONDS.map((_, i) =>
    db.prepare(
      i === 0
        ? `INSERT INTO ${summaryOf(i)} (${summaryCols})
           SELECT ?, key_id, min(bucket), max(bucket) + ${COARSEST_SECONDS}, ${labelsMerged('source_labels')}, ${labelsMerged('dest_labels')},
             ${COUNTERS.map((c) => `sum(${c})`).join(', ')}, ${ipsMerged('source_ips')}, ${ipsMerged('dest_ips')}
           FROM ${tableOf(COARSEST)} WHERE bucket >= ? AND bucket < ? GROUP BY key_id`
        : `INSERT INTO ${summaryOf(i)} (${summaryCols})
           SELECT ?, key_id, min(first_bucket), max(end_time), ${summaryLabels('source_labels')}, ${summaryLabels('dest_labels')},
             ${COUNTERS.map((c) => `sum(${c})`).join(', ')}, ${ipsMerged('source_ips')}, ${ipsMerged('dest_ips')}
           FROM ${summaryOf(i - 1)} WHERE bucket >= ? AND bucket < ? GROUP BY key_id`,
    ),
  );
  const summarySourceFrom = SUMMARY_SECONDS.map((_, i) =>
    db.prepare(`SELECT min(bucket) FROM ${i === 0 ? tableOf(COARSEST) : summaryOf(i - 1)} WHERE bucket >= ?`).pluck(),
  );
  /** Adds a late 5 min window (its start and labels, counters and `summaryIps` addresses) to a summary holding its bucket. */
  const summaryLate = SUMMARY_SECONDS.map((_, i) =>
    db.prepare(
      `INSERT INTO ${summaryOf(i)} (${summaryCols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bucket, key_id) DO UPDATE SET
         first_bucket = min(first_bucket, excluded.first_bucket), end_time = max(end_time, excluded.end_time),
         source_labels = ${summaryLabelsWith('source_labels')}, dest_labels = ${summaryLabelsWith('dest_labels')},
         ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')},
         source_ips = ${summaryIpsWith('source_ips')}, dest_ips = ${summaryIpsWith('dest_ips')}`,
    ),
  );
  /** A summary level's rows as windows from the first start to the last end, for totals (no labels or addresses). */
  const readSummary = SUMMARY_SECONDS.map((_, i) =>
    db.prepare(
      `SELECT w.key_id AS id, k.key AS key, w.first_bucket AS bucket, w.end_time AS end, 0 AS src, 0 AS dst,
         ${COUNTERS.map((c) => `w.${c}`).join(', ')}, NULL AS source_ips, NULL AS dest_ips
       FROM ${summaryOf(i)} w JOIN keys k ON k.id = w.key_id WHERE w.bucket >= ? AND w.bucket < ? ORDER BY w.bucket, w.key_id`,
    ),
  );
  const deleteSummaries = SUMMARY_SECONDS.map((_, i) => db.prepare(`DELETE FROM ${summaryOf(i)} WHERE bucket < ?`));
  /** Table name and bucket width of a part of a List plan: a level's windows or a summary level's rows. */
  const partTable = (level: number, summary: number | undefined): { name: string; seconds: number } =>
    summary === undefined
      ? { name: tableOf(level), seconds: ROLLUP_LEVELS[level]!.seconds }
      : { name: summaryOf(summary), seconds: SUMMARY_SECONDS[summary]! };
  const readLevel = ROLLUP_LEVELS.map((level, l) =>
    db.prepare(
      `SELECT w.key_id AS id, k.key AS key, w.bucket AS bucket, w.bucket + ${level.seconds} AS end, w.source_labels AS src,
         w.dest_labels AS dst, ${COUNTERS.map((c) => `w.${c}`).join(', ')}, w.source_ips, w.dest_ips
       FROM ${tableOf(l)} w JOIN keys k ON k.id = w.key_id WHERE w.bucket >= ? AND w.bucket < ? ORDER BY w.bucket, w.key_id`,
    ),
  );

  /** Hashes of every stored key, so a new key costs no lookup; read at the first write, not at open, so a damaged file still opens (and reports itself). */
  let knownHashes: Set<number> | undefined;
  const readKnownHashes = () => new Set<number>(db.prepare('SELECT hash FROM keys').pluck().all() as number[]);
  /** key string → id and the newest bucket recorded for it */
  const keyCache = new Map<string, { id: number; last: number }>();
  const parsed = new Map<number, FlowKey>();
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      if (statements.size > 200) statements.clear();
      statements.set(sql, (s = db.prepare(sql)));
    }
    return s;
  };
  const keyOf = (id: number, text: string): FlowKey => {
    let k = parsed.get(id);
    if (!k) {
      if (parsed.size >= PARSED_CACHE_LIMIT) parsed.clear();
      parsed.set(id, (k = parseFlowKey(text)));
    }
    return k;
  };

  let dropped = 0;
  let closed = false;
  let filling = bucketStart(now());
  const beginningOfHistory = () => bucketStart(now() - retentionSeconds);
  const skew = options.maxClockSkewSeconds ?? 30;
  const headEnd = () => Math.max(filling + 2 * BUCKET_SECONDS, bucketStart(now() + skew));

  function resolveKey(ks: string, key: FlowKey, bucket: number): number {
    let c = keyCache.get(ks);
    if (!c) {
      const hash = hashString(ks);
      knownHashes ??= readKnownHashes();
      if (knownHashes.has(hash)) {
        for (const r of selectKey.all(hash)) {
          if (r.key === ks) {
            c = { id: r.id, last: r.last_bucket };
            break;
          }
        }
      }
      if (!c) {
        const id = Number(
          insertKey.run(
            hash,
            ks,
            key.sourceName,
            key.sourceNamespace,
            key.destName,
            key.destNamespace,
            key.destPort,
            key.proto,
            key.reporter,
            key.action,
            pendingVerdict(key) ?? '',
            bucket,
          ).lastInsertRowid,
        );
        c = { id, last: bucket };
        knownHashes.add(hash);
      }
      if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
      keyCache.set(ks, c);
    }
    // `last_bucket` is a lower bound kept within LAST_BUCKET_SLACK, so steady traffic costs no key update.
    if (bucket > c.last + LAST_BUCKET_SLACK) {
      touchKey.run(bucket, c.id, bucket);
      c.last = bucket;
    }
    return c.id;
  }

  /** Parameters of one multi-row upsert, reused from batch to batch. */
  const upsertParams: (number | string | null)[] = new Array(UPSERT_COLUMNS * UPSERT_ROWS).fill(null);
  const writeBatch = db.transaction((rows: readonly Pending[]) => {
    const full = rows.length - (rows.length % UPSERT_ROWS);
    const params = upsertParams;
    let at = 0;
    for (let i = 0; i < rows.length; i++) {
      const p = rows[i]!;
      const keyId = resolveKey(p.keyString, p.key, p.bucket);
      const src = labels.idOf(p.sourceLabels);
      const dst = labels.idOf(p.destLabels);
      const srcIps = encodeIps(p.sourceIps);
      const dstIps = encodeIps(p.destIps);
      if (i >= full) at = 0;
      params[at] = p.bucket;
      params[at + 1] = keyId;
      params[at + 2] = src;
      params[at + 3] = dst;
      params[at + 4] = p.packetsIn;
      params[at + 5] = p.packetsOut;
      params[at + 6] = p.bytesIn;
      params[at + 7] = p.bytesOut;
      params[at + 8] = p.started;
      params[at + 9] = p.completed;
      params[at + 10] = p.live;
      params[at + 11] = srcIps;
      params[at + 12] = dstIps;
      for (let l = 1; l < levelState.length; l++) {
        if (p.bucket >= levelState[l]!.done) break;
        const start = levelBucketStart(p.bucket, ROLLUP_LEVELS[l]!.seconds);
        lateUpsert[l]!.run(start, keyId, src, dst, ...params.slice(at + 4, at + UPSERT_COLUMNS));
      }
      for (let i = 0; i < summaryState.length; i++) {
        const held = summaryState[i]!;
        if (p.bucket >= held.done) break;
        if (p.bucket < held.kept) continue;
        const start = levelBucketStart(p.bucket, COARSEST_SECONDS);
        summaryLate[i]!.run(
          levelBucketStart(p.bucket, SUMMARY_SECONDS[i]!),
          keyId,
          start,
          start + COARSEST_SECONDS,
          src,
          dst,
          ...params.slice(at + 4, at + 11),
          summaryIps(srcIps),
          summaryIps(dstIps),
        );
      }
      if (i >= full) {
        upsertOne.run(params.slice(0, UPSERT_COLUMNS));
        continue;
      }
      at += UPSERT_COLUMNS;
      if (at === params.length) {
        upsertMany.run(params);
        at = 0;
      }
    }
    labels.flush();
  });

  function ingestSync(flows: readonly Flow[]): void {
    const begin = beginningOfHistory();
    const end = headEnd();
    // Pre-aggregate the batch per (bucket, key) so each window is written once.
    const perBucket = new Map<number, Map<string, Pending>>();
    /** In arrival order, so key ids follow first sight as in Goldmane. */
    const order: Pending[] = [];
    for (const f of flows) {
      const bucket = bucketStart(f.startTime);
      if (bucket < begin || bucket >= end) {
        dropped++;
        continue;
      }
      const ks = flowKeyString(f.key);
      let batch = perBucket.get(bucket);
      if (!batch) perBucket.set(bucket, (batch = new Map()));
      const p = batch.get(ks);
      if (!p) {
        const fresh: Pending = {
          keyString: ks,
          key: f.key,
          bucket,
          sourceLabels: f.sourceLabels,
          destLabels: f.destLabels,
          packetsIn: f.packetsIn,
          packetsOut: f.packetsOut,
          bytesIn: f.bytesIn,
          bytesOut: f.bytesOut,
          started: f.numConnectionsStarted,
          completed: f.numConnectionsCompleted,
          live: f.numConnectionsLive,
          sourceIps: f.sourceIps,
          destIps: f.destIps,
        };
        batch.set(ks, fresh);
        order.push(fresh);
        continue;
      }
      p.sourceLabels = intersectLabels(p.sourceLabels, f.sourceLabels);
      p.destLabels = intersectLabels(p.destLabels, f.destLabels);
      addCounters(p, f);
      p.sourceIps = mergeIpSets(p.sourceIps, f.sourceIps);
      p.destIps = mergeIpSets(p.destIps, f.destIps);
    }
    if (order.length === 0) return;
    try {
      writeBatch(order);
    } catch (e) {
      labels.reload();
      keyCache.clear();
      throw e;
    }
  }

  function compile(filter: FlowFilter | undefined) {
    const c = compileFilterParts(filter, cluster);
    if (!c.ok) throw flowStoreError('invalid-filter', c.error.message, `filter.${c.error.path}`);
    return c.value;
  }

  /** A stored row as a flow; `merged` replaces its labels and addresses when its windows disagreed. */
  function toFlow(key: FlowKey, r: WindowRow, merged?: Merged): Flow {
    const flow: Flow = {
      key,
      startTime: r.bucket,
      endTime: r.end,
      sourceLabels: merged ? merged.sourceLabels : labels.labels(r.src),
      destLabels: merged ? merged.destLabels : labels.labels(r.dst),
      packetsIn: r.packets_in,
      packetsOut: r.packets_out,
      bytesIn: r.bytes_in,
      bytesOut: r.bytes_out,
      numConnectionsStarted: r.connections_started,
      numConnectionsCompleted: r.connections_completed,
      numConnectionsLive: r.connections_live,
    };
    return merged
      ? withIps(flow, merged.sourceIps, merged.destIps)
      : withIps(flow, decodeIps(r.source_ips), decodeIps(r.dest_ips));
  }

  /**
   * Aggregated flows of the keys matching `filter` with a window starting in the range (§3.4), read
   * from the roll-up levels `planRange` picks. Read in chunks of keys by id, each its own statement,
   * so the event loop (and ingest, which needs the connection) runs between chunks and an aborted
   * signal stops the scan.
   */
  async function matching(
    range: TimeRange,
    filter: FlowFilter | undefined,
    signal: AbortSignal | undefined,
    keyId?: number,
  ): Promise<{ flows: FlowResult[]; resolution: number }> {
    checkRange(range);
    const c = compile(filter);
    const plan = planRange(range, coverage());
    const out: FlowResult[] = [];
    if (plan.segments.length === 0) return { flows: out, resolution: plan.resolution };
    const narrowParams: unknown[] = [];
    const narrow = narrowKeys(filter, narrowParams);
    const narrowSql = `SELECT k.id FROM keys k WHERE ${narrow.join(' AND ')}`;
    // A few keys are read bucket by bucket through the primary key; many, by scanning the range.
    const byKey =
      keyId !== undefined ||
      (narrow.length > 0 &&
        (prepared(`SELECT count(*) FROM (${narrowSql})`)
          .pluck()
          .get(...narrowParams) as number) *
          KEY_SCAN_RATIO <=
          (countKeys.get() as number));
    // Whole hours and days of the 5 min level are read from the per-key summaries: the same sums,
    // first start and last end; a key whose summaries or windows disagree on labels or addresses is
    // merged below from the plan's own windows, so the answer is the one the windows give.
    const summaries = summaryCoverage();
    const parts = plan.segments.flatMap((seg) =>
      seg.level === COARSEST
        ? splitBySummaries(seg, summaries).map((part) => ({ level: seg.level, ...part }))
        : [{ level: seg.level, summary: undefined, seconds: seg.seconds, gte: seg.gte, lt: seg.lt }],
    );
    const buckets = byKey
      ? parts.map((part) => {
          const table = partTable(part.level, part.summary);
          return bucketList(table.name, table.seconds, part.gte, part.lt);
        })
      : [];
    const arms = parts.map(
      (part) =>
        `SELECT key_id, ${
          part.summary === undefined
            ? `bucket AS start, ${part.seconds} AS width`
            : 'first_bucket AS start, end_time - first_bucket AS width'
        }, source_labels, dest_labels, ${COUNTERS.join(', ')}, source_ips, dest_ips FROM ${partTable(part.level, part.summary).name}
         WHERE ${byKey ? 'bucket IN (SELECT value FROM json_each(?)) AND ' : ''}bucket >= ? AND bucket < ?${
           keyId === undefined ? '' : ' AND key_id = ?'
         } AND key_id > ?${narrow.length > 0 ? ` AND key_id IN (${narrowSql})` : ''}`,
    );
    const counted = (col: string) => `sum(CASE WHEN w.start + w.width <= ? THEN w.${col} ELSE 0 END) AS ${col}`;
    const sql = `SELECT w.key_id AS id, k.key AS key, min(w.start) AS bucket, max(w.start + w.width) AS end,
        ${summaryLabels('w.source_labels')} AS src, ${summaryLabels('w.dest_labels')} AS dst,
        ${COUNTERS.map(counted).join(', ')},
        ${ipsMerged('w.source_ips')} AS source_ips, ${ipsMerged('w.dest_ips')} AS dest_ips
      FROM (${arms.join(' UNION ALL ')}) w JOIN keys k ON k.id = w.key_id
      GROUP BY w.key_id ORDER BY w.key_id LIMIT ${SCAN_CHUNK}`;
    const paramsAfter = (after: number): unknown[] => {
      const params: unknown[] = COUNTERS.map(() => range.lt);
      parts.forEach((part, i) => {
        if (byKey) params.push(buckets[i]);
        params.push(part.gte, part.lt);
        if (keyId !== undefined) params.push(keyId);
        params.push(after, ...narrowParams);
      });
      return params;
    };
    /** The windows of keys whose windows disagree on labels or addresses, to merge in JavaScript. */
    const mixedSql = (few: boolean) =>
      `SELECT key_id, source_labels AS src, dest_labels AS dst, source_ips, dest_ips FROM (${plan.segments
        .map(
          (seg) =>
            `SELECT key_id, bucket, source_labels, dest_labels, source_ips, dest_ips FROM ${tableOf(seg.level)}
             WHERE ${few ? 'bucket IN (SELECT value FROM json_each(?)) AND ' : ''}bucket >= ? AND bucket < ?
               AND key_id IN (SELECT value FROM json_each(?))`,
        )
        .join(' UNION ALL ')}) ORDER BY key_id, bucket`;
    /** Labels and addresses of the keys whose windows disagree, merged in JavaScript. */
    const mergeMixedKeys = (ids: number[]): Map<number, Merged> => {
      const few = ids.length * KEY_SCAN_RATIO <= (countKeys.get() as number);
      const params = plan.segments.flatMap((seg) => [
        ...(few ? [bucketList(tableOf(seg.level), seg.seconds, seg.gte, seg.lt)] : []),
        seg.gte,
        seg.lt,
        JSON.stringify(ids),
      ]);
      return mergeByKey(prepared(mixedSql(few)).iterate(...params) as IterableIterator<MergeRow>);
    };
    let after = 0;
    for (;;) {
      checkSignal(signal);
      ensureOpen();
      const chunk = prepared(sql).all(...paramsAfter(after)) as WindowRow[];
      const rows = chunk.length;
      if (rows > 0) after = chunk[rows - 1]!.id;
      const mixed = chunk.filter(
        (r) =>
          r.src === MIXED_LABELS || r.dst === MIXED_LABELS || r.source_ips === MIXED_IPS || r.dest_ips === MIXED_IPS,
      );
      const merged = mixed.length === 0 ? undefined : mergeMixedKeys(mixed.map((r) => r.id));
      for (const r of chunk) {
        const key = keyOf(r.id, r.key);
        if (!c.key(key)) continue;
        const flow = toFlow(key, r, merged?.get(r.id));
        if (c.labels && !c.labels(flow.sourceLabels, flow.destLabels)) continue;
        if (c.ips && !c.ips(flow.sourceIps, flow.destIps)) continue;
        out.push({ id: r.id, flow, cluster });
      }
      if (rows < SCAN_CHUNK) return { flows: out, resolution: plan.resolution };
      await yieldToLoop();
    }
  }

  /**
   * Computes the next buckets of `level` whose finer windows are final (the 15 s ones settled for
   * ROLLUP_SETTLE_SECONDS, coarser ones rolled up), for at most ROLLUP_STEP_MS, in one transaction
   * with the level's progress: a crash at any point neither loses nor doubles a window. Returns false
   * when nothing is due.
   */
  function rollUpStep(level: number): boolean {
    const seconds = ROLLUP_LEVELS[level]!.seconds;
    const state = levelState[level]!;
    const ready =
      level === 1
        ? levelBucketStart(now() - ROLLUP_SETTLE_SECONDS, seconds)
        : levelBucketStart(levelState[level - 1]!.done, seconds);
    if (state.done >= ready) return false;
    let done = state.done;
    const deadline = performance.now() + ROLLUP_STEP_MS;
    try {
      db.transaction(() => {
        do {
          const first = firstBucketFrom[level - 1]!.get(done) as number | null;
          const bucket = first === null ? ready : Math.max(done, levelBucketStart(first, seconds));
          if (bucket >= ready) {
            done = ready;
            break;
          }
          rollInsert[level]!.run(bucket, bucket, bucket + seconds);
          mergeMixed(level, bucket);
          done = bucket + seconds;
        } while (done < ready && performance.now() < deadline);
        labels.flush();
        setDone.run(done, level);
      })();
    } catch (e) {
      labels.reload();
      throw e;
    }
    state.done = done;
    return true;
  }

  /**
   * Summarises the next buckets of summary level `i` whose source is final (the 5 min level rolled
   * up past them, or for days every hour summarised), as `rollUpStep` does for the levels.
   */
  function summarizeStep(i: number): boolean {
    const seconds = SUMMARY_SECONDS[i]!;
    const state = summaryState[i]!;
    const ready = levelBucketStart(i === 0 ? levelState[COARSEST]!.done : summaryState[i - 1]!.done, seconds);
    let done = Math.max(state.done, state.kept);
    if (done >= ready) return false;
    const deadline = performance.now() + ROLLUP_STEP_MS;
    db.transaction(() => {
      do {
        const first = summarySourceFrom[i]!.get(done) as number | null;
        const bucket = first === null ? ready : Math.max(done, levelBucketStart(first, seconds));
        if (bucket >= ready) {
          done = ready;
          break;
        }
        summaryInsert[i]!.run(bucket, bucket, bucket + seconds);
        done = bucket + seconds;
      } while (done < ready && performance.now() < deadline);
      setSummaryDone.run(done, seconds);
    })();
    state.done = done;
    return true;
  }

  /** One roll-up step at the finest level with work due, then the summaries; false when all are up to date. */
  function rollUpOnce(): boolean {
    for (let l = 1; l < ROLLUP_LEVELS.length; l++) if (rollUpStep(l)) return true;
    for (let i = 0; i < SUMMARY_SECONDS.length; i++) if (summarizeStep(i)) return true;
    return false;
  }

  let maintaining = false;
  /** Rolls up in the background, one small transaction per turn of the event loop, then prunes. */
  function maintainInBackground(): void {
    if (maintaining || closed) return;
    maintaining = true;
    const step = () => {
      if (closed) {
        maintaining = false;
        return;
      }
      let more = false;
      try {
        more = rollUpOnce();
        if (!more) {
          prune();
          maintenanceError = undefined;
        }
      } catch (e) {
        // Retried at the next tick; nothing was committed by the failed step.
        maintenanceError = e as Error;
      }
      if (more) setImmediate(step);
      else maintaining = false;
    };
    setImmediate(step);
  }
  let maintenanceError: Error | undefined;

  const insertChange = db.prepare(
    `INSERT INTO policy_changes (time, op, kind, namespace, name, resource_version, source, before, after, diff)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const recordChanges = db.transaction((changes: readonly Omit<PolicyChange, 'id'>[]) =>
    changes.map((c) => {
      const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
      const { lastInsertRowid } = insertChange.run(
        c.time,
        c.op,
        c.kind,
        c.namespace,
        c.name,
        c.resourceVersion,
        c.source,
        json(c.before),
        json(c.after),
        c.diff,
      );
      return { ...c, id: Number(lastInsertRowid) };
    }),
  );
  const deleteChanges = db.prepare('DELETE FROM policy_changes WHERE time < ?');
  function queryChanges(query: ChangeQuery): PolicyChange[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      params.push(value);
    };
    add('time >= ?', query.since);
    add('id > ?', query.afterId);
    add('kind = ?', query.kind);
    add('namespace = ?', query.namespace);
    add('name = ?', query.name);
    const rows = prepared(
      `SELECT * FROM (SELECT * FROM policy_changes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ?) ORDER BY id`,
    ).all(...params, changeLimit(query)) as ChangeRow[];
    return rows.map((r) => ({
      id: r.id,
      time: r.time,
      op: r.op as PolicyChange['op'],
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      resourceVersion: r.resource_version,
      source: r.source,
      before: r.before === null ? null : JSON.parse(r.before),
      after: r.after === null ? null : JSON.parse(r.after),
      diff: r.diff,
    }));
  }
  /** Label sets no window refers to any more; with ids kept in memory, they would grow without bound. */
  const deleteLabelSets = db.prepare(
    `DELETE FROM label_sets WHERE id NOT IN (${[
      ...ROLLUP_LEVELS.map((_, l) => tableOf(l)),
      ...SUMMARY_SECONDS.map((_, i) => summaryOf(i)),
    ]
      .map((table) => `SELECT source_labels FROM ${table} UNION SELECT dest_labels FROM ${table}`)
      .join(' UNION ')})`,
  );
  let labelsPrunedAt = Number.NEGATIVE_INFINITY;

  /**
   * Deletes what no level needs: everything older than the retention, and each finer level's windows
   * once they are older than its keep time and the next level holds them. Bounds stay on boundaries
   * of the coarsest level, so a plan never splits a coarse bucket between levels.
   */
  function prune(): number {
    const retentionCut = levelBucketStart(beginningOfHistory(), COARSEST_SECONDS);
    deleteChanges.run(beginningOfHistory() * 1000);
    let n = 0;
    const cuts = ROLLUP_LEVELS.map((level, l) => {
      const next = levelState[l + 1];
      const own =
        level.keepSeconds === undefined || next === undefined
          ? retentionCut
          : Math.max(
              retentionCut,
              Math.min(
                levelBucketStart(now() - level.keepSeconds, COARSEST_SECONDS),
                levelBucketStart(next.done, COARSEST_SECONDS),
              ),
            );
      return Math.max(own, levelState[l]!.kept);
    });
    // A summary holds only whole buckets of what the 5 min level still holds.
    const summaryCuts = SUMMARY_SECONDS.map((seconds, i) =>
      Math.max(Math.ceil(cuts[COARSEST]! / seconds) * seconds, summaryState[i]!.kept),
    );
    db.transaction(() => {
      cuts.forEach((cut, l) => {
        n += deleteWindows[l]!.run(cut).changes;
        if (cut !== levelState[l]!.kept) setKept.run(cut, l);
      });
      summaryCuts.forEach((cut, i) => {
        deleteSummaries[i]!.run(cut);
        if (cut !== summaryState[i]!.kept) setSummaryKept.run(cut, SUMMARY_SECONDS[i]);
      });
    })();
    cuts.forEach((cut, l) => {
      levelState[l]!.kept = cut;
    });
    summaryCuts.forEach((cut, i) => {
      summaryState[i]!.kept = cut;
    });
    // A full scan of the windows: at most once per LABEL_PRUNE_SECONDS of the store's clock.
    if (n > 0 && now() - labelsPrunedAt >= LABEL_PRUNE_SECONDS) {
      labelsPrunedAt = now();
      if (deleteLabelSets.run().changes > 0) labels.reload();
    }
    if (n > 0 && deleteStaleKeys(beginningOfHistory()) > 0) {
      keyCache.clear();
      parsed.clear();
      knownHashes = undefined;
    }
    return n;
  }

  const hub = createStreamHub(
    // A backfill older than the 15 s level reads the 1 min and 5 min levels where 15 s buckets are gone.
    (from, to, emit) => {
      for (const seg of planBackfill({ gte: from, lt: to }, coverage())) {
        for (const r of readLevel[seg.level]!.iterate(seg.gte, seg.lt) as IterableIterator<WindowRow>) {
          emit({ id: r.id, flow: toFlow(keyOf(r.id, r.key), r), cluster });
        }
      }
    },
    () => filling - BUCKET_SECONDS,
    beginningOfHistory,
  );

  const ensureOpen = () => {
    if (closed) throw flowStoreError('closed', 'store is closed');
  };

  prune();
  const ticker =
    (options.autoRollover ?? options.now === undefined) ? startTicker(now, (t) => store.tick(t)) : undefined;

  const store: SqliteFlowStore = {
    kind: 'sqlite',
    get dropped() {
      return dropped;
    },
    acceptedStarts: () => ({ gte: beginningOfHistory(), lt: headEnd() }),
    async ingest(flows) {
      ensureOpen();
      ingestSync(flows);
    },
    async list(q) {
      ensureOpen();
      const found = await matching(q.range, q.filter, q.signal);
      return listOf(found.flows, q, found.resolution);
    },
    async get(id) {
      ensureOpen();
      if (!Number.isSafeInteger(id)) return undefined;
      const {
        flows: [found],
      } = await matching({ gte: Number.MIN_SAFE_INTEGER, lt: Number.MAX_SAFE_INTEGER }, undefined, undefined, id);
      return found;
    },
    async hints(q) {
      ensureOpen();
      // Checked before the scan, so a bad type fails fast.
      checkHintType(q.type);
      return hintsOf((await matching(q.range, q.filter, q.signal)).flows, q);
    },
    subscribe(fromTime, filter, onFlow) {
      ensureOpen();
      return hub.subscribe(fromTime, compile(filter), onFlow);
    },
    async statistics(q) {
      ensureOpen();
      checkRange(q.range);
      const windows: Flow[] = [];
      // Totals need no bucket starts: whole hours and days come from the summaries, as in List.
      const summaries = summaryCoverage();
      for (const seg of planRange(q.range, coverage()).segments) {
        const parts =
          !q.timeSeries && seg.level === COARSEST
            ? splitBySummaries(seg, summaries)
            : [{ summary: undefined, gte: seg.gte, lt: seg.lt }];
        for (const part of parts) {
          const read = part.summary === undefined ? readLevel[seg.level]! : readSummary[part.summary]!;
          for (const r of read.iterate(part.gte, part.lt) as IterableIterator<WindowRow>) {
            windows.push(toFlow(keyOf(r.id, r.key), r));
          }
        }
      }
      return computeStatistics(windows, q);
    },
    tick(t = now()) {
      const b = bucketStart(t);
      if (b <= filling || closed) return;
      filling = b;
      hub.advance();
      prune();
      maintainInBackground();
    },
    prune,
    async rollUp() {
      ensureOpen();
      let steps = 0;
      while (rollUpOnce()) {
        steps++;
        if (steps % 16 === 0) await yieldToLoop();
        ensureOpen();
      }
      prune();
      return steps;
    },
    get maintenanceError() {
      return maintenanceError;
    },
    quickCheck() {
      ensureOpen();
      const rows = db.pragma('quick_check(20)', { simple: false }) as { quick_check: string }[];
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      return problems;
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
      let rows = 0;
      for (let l = 0; l < ROLLUP_LEVELS.length; l++) {
        rows +=
          (db
            .prepare(`SELECT count(*) FROM ${tableOf(l)}`)
            .pluck()
            .get() as number) ?? 0;
      }
      const pages = db.pragma('page_count', { simple: true }) as number;
      const size = db.pragma('page_size', { simple: true }) as number;
      return { rows, bytes: pages * size };
    },
    async close() {
      if (closed) return;
      closed = true;
      ticker?.stop();
      hub.closeAll();
      db.close();
    },
  };
  return store;
}
