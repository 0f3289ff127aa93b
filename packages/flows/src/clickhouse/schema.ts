// The ClickHouse schema, created and migrated by Verdict. Each migration is idempotent (DDL with `IF
// NOT EXISTS`, or steps that look at the tables first), so several replicas may run them at the same
// time; `schema_migrations` records which ran.
import type { ClickHouseClient } from '@clickhouse/client';
import { literal, REPORTER_CODES, VERDICT_CODES } from './sql.ts';

/** A migration: idempotent statements run in order, or a step that checks what is there first. */
export type Migration = readonly string[] | ((client: ClickHouseClient) => Promise<void>);

const enumType = (codes: Record<string, number>) =>
  `Enum8(${Object.entries(codes)
    .map(([name, code]) => `${literal(name)} = ${code}`)
    .join(', ')})`;

/** Rows per granule of `flow_windows` (ClickHouse's default is 8192): see the v3 migration. */
export const WINDOW_GRANULARITY = 1024;

/** `flow_windows` as the v3 migration makes it, under the given name. */
export const windowsTable = (name: string): string => `CREATE TABLE IF NOT EXISTS ${name} (
       cluster String,
       bucket UInt32,
       key_id UInt64,
       batch UInt64,
       seq UInt32,
       source_namespace String,
       dest_namespace String,
       action ${enumType(VERDICT_CODES)},
       source_name String,
       dest_name String,
       dest_port UInt16,
       proto String,
       reporter ${enumType(REPORTER_CODES)},
       pending_verdict ${enumType(VERDICT_CODES)},
       source_labels UInt64,
       dest_labels UInt64,
       source_ips Array(String),
       source_ips_beyond UInt32,
       dest_ips Array(String),
       dest_ips_beyond UInt32,
       packets_in UInt64,
       packets_out UInt64,
       bytes_in UInt64,
       bytes_out UInt64,
       connections_started UInt64,
       connections_completed UInt64,
       connections_live UInt64
     ) ENGINE = ReplacingMergeTree
     PARTITION BY toYYYYMMDD(toDateTime(bucket))
     ORDER BY (cluster, source_namespace, action, bucket, dest_namespace, key_id, batch, seq)
     SETTINGS index_granularity = ${WINDOW_GRANULARITY}`;

/**
 * The columns of `flow_windows` before v3, in the order of `WINDOW_BINARY_COLUMNS`: what RowBinary
 * batches spooled by an earlier Verdict hold (they are sent through a temporary table of this shape).
 */
export const WINDOW_COLUMNS_V2 = `cluster String, key_id UInt64, source_namespace String, dest_namespace String,
  action String, source_name String, dest_name String, dest_port UInt16, proto String, reporter String,
  pending_verdict String, bucket UInt32, batch UInt64, seq UInt32, source_labels UInt64, dest_labels UInt64,
  source_ips Array(String), source_ips_beyond UInt32, dest_ips Array(String), dest_ips_beyond UInt32,
  packets_in UInt64, packets_out UInt64, bytes_in UInt64, bytes_out UInt64, connections_started UInt64,
  connections_completed UInt64, connections_live UInt64`;

const scalar = async <T>(client: ClickHouseClient, query: string): Promise<T[]> =>
  (await client.query({ query, format: 'JSONEachRow' })).json<T>();

const tableExists = async (client: ClickHouseClient, name: string) =>
  Number(
    (
      await scalar<{ n: number | string }>(
        client,
        `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = ${literal(name)}`,
      )
    )[0]?.n ?? 0,
  ) > 0;

/** Merges a day partition of `flow_windows` into one part; retried while a background merge holds its parts. */
async function optimizeFinal(client: ClickHouseClient, day: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.command({
        query: `OPTIMIZE TABLE flow_windows PARTITION ${day} FINAL`,
        clickhouse_settings: { optimize_throw_if_noop: 1 },
      });
      return;
    } catch (e) {
      if (attempt >= 30) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * v3: `flow_windows` with Enum8 verdict and reporter columns and granules of 1,024 rows instead of
 * 8,192 (List reads the address arrays of at least one granule per part; see docs/benchmarks.md).
 * Neither can be altered in place on 18.16 (`action` is in the sort key, and a part's granularity is
 * fixed when written), so a new table takes the name and the old rows are copied into it:
 *
 * 1. the new table is created as `flow_windows_v3`, and one RENAME puts it in place and the old one
 *    aside as `flow_windows_v2` (only one replica's RENAME succeeds; ingest goes on into the new table);
 * 2. the rows of `flow_windows_v2` are copied day partition by day partition (`INSERT … SELECT`, which
 *    casts the text to the enums), each copied partition merged with `OPTIMIZE … FINAL` and then
 *    dropped from `flow_windows_v2`, which is dropped at the end.
 *
 * Copying a partition twice (a replica that died mid-copy and starts again, or two replicas resuming
 * at once) is harmless: `flow_windows` is a ReplacingMergeTree whose sort key is the row's identity
 * (… key_id, batch, seq), and the OPTIMIZE after each copy leaves one row per identity.
 */
async function windowsV3(client: ClickHouseClient): Promise<void> {
  const types = await scalar<{ table: string; type: string }>(
    client,
    `SELECT table, type FROM system.columns WHERE database = currentDatabase()
       AND table IN ('flow_windows', 'flow_windows_v2') AND name = 'action'`,
  );
  const current = types.find((t) => t.table === 'flow_windows');
  if (current && !current.type.startsWith('Enum8')) {
    await client.command({ query: windowsTable('flow_windows_v3') });
    try {
      await client.command({ query: 'RENAME TABLE flow_windows TO flow_windows_v2, flow_windows_v3 TO flow_windows' });
    } catch (e) {
      // Another replica renamed first: carry on if the new table is in place.
      const now = await scalar<{ type: string }>(
        client,
        `SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'flow_windows' AND name = 'action'`,
      );
      if (!now[0]?.type.startsWith('Enum8')) throw e;
    }
  } else if (!current) {
    await client.command({ query: windowsTable('flow_windows') });
  }
  await client.command({ query: 'DROP TABLE IF EXISTS flow_windows_v3' });
  if (!(await tableExists(client, 'flow_windows_v2'))) return;
  const parts = await scalar<{ partition: string }>(
    client,
    `SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() AND table = 'flow_windows_v2'
       AND active ORDER BY partition`,
  );
  const columns = WINDOW_COLUMNS_V2.split(',').map((c) => c.trim().split(' ')[0]!);
  for (const { partition } of parts) {
    const day = Number(partition.replace(/'/g, ''));
    if (!Number.isInteger(day)) continue;
    try {
      await client.command({
        query: `INSERT INTO flow_windows (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM flow_windows_v2
                  WHERE toYYYYMMDD(toDateTime(bucket)) = ${day}`,
      });
    } catch (e) {
      // Another replica finished the copy and dropped the old table: nothing of it was read here.
      if (!(await tableExists(client, 'flow_windows_v2'))) return;
      throw e;
    }
    await optimizeFinal(client, day);
    await client.command({ query: `ALTER TABLE flow_windows_v2 DROP PARTITION ${day}` }).catch(async (e) => {
      if (await tableExists(client, 'flow_windows_v2')) throw e;
    });
  }
  await client.command({ query: 'DROP TABLE IF EXISTS flow_windows_v2' });
}

/**
 * `flow_rollups`: the coarse levels, one row per (cluster, width, bucket, key, label sets, fold);
 * partitions per (width, day) so each level's retention is a partition drop. `rollup_folds`: the
 * ledger of which (bucket, batch) pairs each fold added to a level. `rollup_levels`: per cluster and
 * level, the buckets it holds completely from `done_until` down (latest `version` wins).
 */
const rollupTables: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS flow_rollups (
     cluster String,
     width UInt32,
     bucket UInt32,
     key_id UInt64,
     fold UInt64,
     source_namespace String,
     dest_namespace String,
     action ${enumType(VERDICT_CODES)},
     source_name String,
     dest_name String,
     dest_port UInt16,
     proto String,
     reporter ${enumType(REPORTER_CODES)},
     pending_verdict ${enumType(VERDICT_CODES)},
     source_labels UInt64,
     dest_labels UInt64,
     source_ips Array(String),
     source_ips_beyond UInt32,
     dest_ips Array(String),
     dest_ips_beyond UInt32,
     packets_in UInt64,
     packets_out UInt64,
     bytes_in UInt64,
     bytes_out UInt64,
     connections_started UInt64,
     connections_completed UInt64,
     connections_live UInt64
   ) ENGINE = ReplacingMergeTree
   PARTITION BY (width, toYYYYMMDD(toDateTime(bucket)))
   ORDER BY (cluster, width, source_namespace, action, bucket, dest_namespace, key_id, source_labels, dest_labels, fold)
   SETTINGS index_granularity = ${WINDOW_GRANULARITY}`,
  `CREATE TABLE IF NOT EXISTS rollup_folds (
     cluster String,
     width UInt32,
     bucket UInt32,
     fold UInt64,
     batches Array(UInt64),
     state UInt8
   ) ENGINE = ReplacingMergeTree(state) ORDER BY (cluster, width, bucket, fold)`,
  `CREATE TABLE IF NOT EXISTS rollup_levels (
     cluster String,
     width UInt32,
     done_until UInt32,
     version UInt64
   ) ENGINE = ReplacingMergeTree(version) ORDER BY (cluster, width)`,
];

/**
 * `flow_windows`: one row per (flow key, 15 s bucket, ingest batch); queries sum the rows of a key.
 * The sort key starts with what List filters on most (cluster, source namespace, action, then time);
 * day partitions prune by time and make retention a partition drop. `flow_keys`: one row per key with its trace, the policy
 * columns filters and hints use, and the statistics groups. `label_sets`: interned label lists.
 */
export const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE IF NOT EXISTS flow_windows (
       cluster String,
       bucket UInt32,
       key_id UInt64,
       batch UInt64,
       seq UInt32,
       source_namespace String,
       dest_namespace String,
       action String,
       source_name String,
       dest_name String,
       dest_port UInt16,
       proto String,
       reporter String,
       pending_verdict String,
       source_labels UInt64,
       dest_labels UInt64,
       source_ips Array(String),
       source_ips_beyond UInt32,
       dest_ips Array(String),
       dest_ips_beyond UInt32,
       packets_in UInt64,
       packets_out UInt64,
       bytes_in UInt64,
       bytes_out UInt64,
       connections_started UInt64,
       connections_completed UInt64,
       connections_live UInt64
     ) ENGINE = ReplacingMergeTree
     PARTITION BY toYYYYMMDD(toDateTime(bucket))
     ORDER BY (cluster, source_namespace, action, bucket, dest_namespace, key_id, batch, seq)`,
    `CREATE TABLE IF NOT EXISTS flow_keys (
       cluster String,
       id UInt64,
       key String,
       pending_actions Array(String),
       hit_kind Array(String),
       hit_tier Array(String),
       hit_namespace Array(String),
       hit_name Array(String),
       hit_action Array(String),
       hint_kind Array(String),
       hint_tier Array(String),
       hint_namespace Array(String),
       hint_name Array(String),
       stat_policy Array(String),
       stat_policy_slot Array(UInt8),
       stat_rule Array(String),
       stat_rule_slot Array(UInt8)
     ) ENGINE = ReplacingMergeTree ORDER BY (cluster, id)`,
    `CREATE TABLE IF NOT EXISTS label_sets (hash UInt64, labels Array(String))
     ENGINE = ReplacingMergeTree ORDER BY hash`,
    `CREATE TABLE IF NOT EXISTS clusters (name String, number UInt32, registered DateTime)
     ENGINE = ReplacingMergeTree ORDER BY name`,
  ],
  // The policy change log; `before`/`after` are JSON, '' for none; time in Unix milliseconds.
  [
    `CREATE TABLE IF NOT EXISTS policy_changes (
       cluster String,
       id UInt64,
       time UInt64,
       op String,
       kind String,
       namespace String,
       name String,
       resource_version String,
       source String,
       before String,
       after String,
       diff String
     ) ENGINE = MergeTree ORDER BY (cluster, id)`,
  ],
  windowsV3,
  // v4: the 1 min and 5 min roll-up levels, their fold ledger and progress (see rollups.ts).
  rollupTables,
];

export const CLICKHOUSE_SCHEMA_VERSION = MIGRATIONS.length;

/** Runs the migrations not yet recorded; refuses a database migrated by a newer Verdict. */
export async function migrateClickHouse(client: ClickHouseClient, database: string): Promise<number> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteName(database)}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, applied DateTime)
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rows = await (
    await client.query({ query: 'SELECT max(version) AS v FROM schema_migrations', format: 'JSONEachRow' })
  ).json<{ v: number | string }>();
  const current = Number(rows[0]?.v ?? 0);
  if (current > MIGRATIONS.length) {
    throw new Error(
      `ClickHouse schema version ${current} in database ${literal(database)} is newer than this Verdict supports (${MIGRATIONS.length})`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const migration = MIGRATIONS[v]!;
    if (typeof migration === 'function') await migration(client);
    else for (const statement of migration) await client.command({ query: statement });
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: v + 1, applied: Math.floor(Date.now() / 1000) }],
      format: 'JSONEachRow',
    });
  }
  return MIGRATIONS.length;
}

/** A database or table name: letters, digits and underscores only. */
export function quoteName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new Error(`invalid ClickHouse database name ${JSON.stringify(name)}: use letters, digits and _`);
  }
  return name;
}
