// Floors measured in the same run as a benchmark, so a figure reads as a ratio to what this machine
// does at best for the same data, and compares across noisy, shared machines.
import { appendFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Operations per second of `count` calls of `step`, after one untimed warm-up pass. */
export function rateOf(count: number, step: (i: number) => void): number {
  for (let i = 0; i < Math.min(count, 10_000); i++) step(i);
  const started = performance.now();
  for (let i = 0; i < count; i++) step(i);
  return count / ((performance.now() - started) / 1000);
}

/** `Map.get` over the same keys: the cheapest possible per-flow lookup. */
export function mapGetFloor(keys: readonly string[], count: number): number {
  const map = new Map(keys.map((key, i) => [key, i]));
  let sink = 0;
  const rate = rateOf(count, (i) => {
    sink += map.get(keys[i % keys.length] as string) ?? 0;
  });
  if (sink < 0) console.log(sink);
  return rate;
}

/** `JSON.parse` of the same flows as NDJSON lines: the cheapest possible decode. */
export function jsonParseFloor(lines: readonly string[]): number {
  let sink = 0;
  const rate = rateOf(lines.length, (i) => {
    sink += (JSON.parse(lines[i] as string) as object) ? 1 : 0;
  });
  if (sink < 0) console.log(sink);
  return rate;
}

/** A bare SQLite batched insert of naive flow rows (the same count, one transaction a batch, as the store commits). */
export function sqliteInsertFloor(path: string, rows: number, batch: number): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE flow (start INTEGER, src_ns TEXT, src_name TEXT, dst_ns TEXT, dst_name TEXT,
    proto TEXT, port INTEGER, action TEXT, packets_in INTEGER, packets_out INTEGER, bytes_in INTEGER, bytes_out INTEGER)`);
  const insert = db.prepare('INSERT INTO flow VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++)
      insert.run(
        i,
        `ns-${i % 3000}`,
        `pod-${i % 15000}`,
        `ns-${(i * 7) % 3000}`,
        `pod-${(i * 13) % 15000}`,
        'TCP',
        8080,
        'Allow',
        10,
        12,
        4000,
        9000,
      );
  });
  const started = performance.now();
  for (let i = 0; i < rows; i += batch) write(i, Math.min(rows, i + batch));
  const rate = rows / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

export interface BenchRow {
  measure: string;
  /** The measured figure (a rate unless `unit` says otherwise). */
  figure: number;
  unit: string;
  /** The floor of the same work on this machine in this run, in the same unit. */
  floor?: number;
  floorName?: string;
  goal?: number;
  /** Lower is better (latencies, sizes). */
  lowerIsBetter?: boolean;
}

export const fmt = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2);

/** Where `bench/goals.ts` collects every printed row (one JSON object a line), when it runs a bench. */
export const BENCH_ROWS_ENV = 'VERDICT_BENCH_ROWS';

/** Whether a row meets its goal (undefined when it names none). */
export function goalMet(row: BenchRow): boolean | undefined {
  if (row.goal === undefined) return undefined;
  return row.lowerIsBetter ? row.figure <= row.goal : row.figure >= row.goal;
}

/** Prints each row as `measure  figure unit  (ratio × floor)  goal — met|not met`. */
export function printRows(rows: readonly BenchRow[]): void {
  const collect = process.env[BENCH_ROWS_ENV];
  if (collect) appendFileSync(collect, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  const lines = rows.map((row) => {
    const parts = [`${fmt(row.figure)} ${row.unit}`];
    if (row.floor !== undefined)
      parts.push(`${(row.figure / row.floor).toFixed(3)} × floor (${row.floorName}: ${fmt(row.floor)} ${row.unit})`);
    if (row.goal !== undefined)
      parts.push(`goal ${row.lowerIsBetter ? '≤' : '≥'} ${fmt(row.goal)}: ${goalMet(row) ? 'met' : 'NOT met'}`);
    return [row.measure, parts.join('  ·  ')] as const;
  });
  const width = Math.max(...lines.map(([measure]) => measure.length));
  for (const [measure, text] of lines) console.log(`${measure.padEnd(width)}  ${text}`);
}
