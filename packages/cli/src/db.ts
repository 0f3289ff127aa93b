// `verdict db check <file>` and `verdict db repair <file>`: offline integrity check and repair of the
// SQLite flow database. Both refuse to touch a file a running Verdict holds.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkSqliteFile, repairSqliteFile } from '@verdict/flows';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

/** The pid in the data folder's lock when that process is alive. */
function holder(file: string): number | undefined {
  const lock = join(dirname(file), 'verdict.lock');
  if (!existsSync(lock)) return undefined;
  try {
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid?: unknown };
    if (typeof pid !== 'number') return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Exit 0 when the file is sound, 1 when damaged. */
export function dbCheckCommand(file: string, io: Io): number {
  const result = checkSqliteFile(file);
  if (result.ok) {
    io.stdout(`${file}: ok`);
    return 0;
  }
  for (const problem of result.problems) io.stderr(`${file}: ${problem}`);
  io.stderr(`${file}: damaged; restore a backup, or run "verdict db repair ${file}" (rows on damaged pages are lost)`);
  return 1;
}

/** Exit 0 when everything readable was copied, 1 when some rows were lost. */
export function dbRepairCommand(file: string, io: Io): number {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const pid = holder(file);
  if (pid !== undefined) throw new UsageError(`${file} is in use by verdict pid ${pid}; stop it first`);
  const report = repairSqliteFile(file);
  for (const [table, rows] of Object.entries(report.copied)) io.stdout(`${table}: ${rows} rows kept`);
  for (const [table, reason] of Object.entries(report.lost)) io.stderr(`${table}: rows after damage lost (${reason})`);
  io.stdout(`the damaged file is kept as ${report.damaged}`);
  return Object.keys(report.lost).length === 0 ? 0 : 1;
}
