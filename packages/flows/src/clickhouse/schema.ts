// The ClickHouse schema, created and migrated by Verdict. Each migration is idempotent DDL (`IF NOT
// EXISTS`), so several replicas may run them at the same time; `schema_migrations` records which ran.
import type { ClickHouseClient } from '@clickhouse/client';
import { ROLLUP_MIGRATION } from './rollups.ts';
import { literal } from './sql.ts';

/**
 * `flow_windows`: one row per (flow key, 15 s bucket, ingest batch); queries sum the rows of a key.
 * The sort key starts with what List filters on most (cluster, source namespace, action, then time);
 * day partitions prune by time and make retention a partition drop. `flow_keys`: one row per key with its trace, the policy
 * columns filters and hints use, and the statistics groups. `label_sets`: interned label lists.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
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
  // The 1 min and 5 min roll-up levels, their fold ledger and progress (see rollups.ts).
  ROLLUP_MIGRATION,
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
    for (const statement of MIGRATIONS[v]!) await client.command({ query: statement });
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
