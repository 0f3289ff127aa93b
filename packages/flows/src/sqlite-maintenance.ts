// Offline checks and repair of a SQLite flow database (`verdict db check|repair`). Run them only
// while no Verdict has the file open.
import { existsSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createSqliteStore } from './sqlite.ts';

export interface DbCheck {
  ok: boolean;
  /** `PRAGMA integrity_check` lines other than `ok`, or why the file could not be read. */
  problems: string[];
}

/** Full integrity check of the file, read-only. */
export function checkSqliteFile(path: string): DbCheck {
  if (!existsSync(path)) return { ok: false, problems: [`${path}: no such file`] };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check(100)') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((line) => line !== 'ok');
    return { ok: problems.length === 0, problems };
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  } finally {
    db?.close();
  }
}

export interface DbRepair {
  /** Rows copied per table. */
  copied: Record<string, number>;
  /** Tables whose copy stopped early at damage, with the error. */
  lost: Record<string, string>;
  /** Where the damaged original was moved. */
  damaged: string;
}

const TABLES = [
  'keys',
  'label_sets',
  'windows',
  'windows_60',
  'windows_300',
  'rollups',
  'summary_3600',
  'summary_86400',
  'summary_levels',
] as const;
/** Tables whose rows replace the fresh database's own (the roll-up progress must match the copied windows). */
const REPLACED: ReadonlySet<string> = new Set(['rollups', 'summary_levels']);

/**
 * Copies every readable row into a fresh database, moves the original to `<path>.damaged-<time>`
 * and puts the copy in its place. Rows on damaged pages are lost; the report says how many were kept.
 */
export function repairSqliteFile(path: string, now = new Date()): DbRepair {
  const fresh = `${path}.repairing`;
  rmSync(fresh, { force: true });
  // Creates the current schema.
  void createSqliteStore({ path: fresh, autoRollover: false, now: () => now.getTime() / 1000 }).close();
  const source = new Database(path, { readonly: true, fileMustExist: true });
  const target = new Database(fresh);
  const copied: Record<string, number> = {};
  const lost: Record<string, string> = {};
  try {
    for (const table of TABLES) {
      copied[table] = 0;
      let columns: string[];
      try {
        const sourceColumns = new Set((source.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
        columns = (target.pragma(`table_info(${table})`) as { name: string }[])
          .map((c) => c.name)
          .filter((name) => sourceColumns.has(name));
      } catch (e) {
        lost[table] = (e as Error).message;
        continue;
      }
      // A table the damaged file's older schema does not have yet.
      if (columns.length === 0) continue;
      const insert = target.prepare(
        `INSERT OR ${REPLACED.has(table) ? 'REPLACE' : 'IGNORE'} INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      const copy = target.transaction((rows: unknown[][]) => {
        for (const row of rows) insert.run(row);
      });
      let batch: unknown[][] = [];
      try {
        for (const row of source
          .prepare(`SELECT ${columns.join(', ')} FROM ${table}`)
          .raw()
          .iterate()) {
          batch.push(row as unknown[]);
          if (batch.length >= 10_000) {
            copy(batch);
            copied[table] += batch.length;
            batch = [];
          }
        }
      } catch (e) {
        lost[table] = (e as Error).message;
      }
      copy(batch);
      copied[table] += batch.length;
    }
  } finally {
    source.close();
    target.close();
  }
  const damaged = `${path}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, damaged);
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, damaged + suffix);
  renameSync(fresh, path);
  return { copied, lost, damaged };
}
