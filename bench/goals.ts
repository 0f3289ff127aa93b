// Every goal's benchmark, one after another in one run, then one table of each figure beside its
// floor and goal with the load average around it. Run it on a quiet machine: the benches share it.
//   npx tsx bench/goals.ts [--only engine,grpc] [--skip clickhouse-100m]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_ROWS_ENV, type BenchRow, fmt, goalMet } from './shared/floor.ts';

/** Each bench with the arguments its goals are stated for (`docs/benchmarks.md`). */
const BENCHES: Record<string, string[]> = {
  engine: ['--expose-gc', '--import', 'tsx', 'bench/engine/main.ts'],
  pipeline: ['--import', 'tsx', 'bench/pipeline/ingest.ts'],
  grpc: ['--import', 'tsx', 'bench/grpc/load.ts'],
  week: ['--import', 'tsx', 'bench/history/main.ts', '--retention-days', '7'],
  'clickhouse-ingest': ['--import', 'tsx', 'bench/clickhouse/main.ts', '--flows', '1000000', '--rows', '1e6'],
  'clickhouse-100m': ['--import', 'tsx', 'bench/clickhouse/query.ts', '--rows', '1e8', '--queries', '20'],
  'clickhouse-rollups': ['--import', 'tsx', 'bench/clickhouse/rollups.ts', '--keys', '300', '--days', '7'],
  insights: ['--import', 'tsx', 'bench/insights/main.ts'],
};

const { values } = parseArgs({ options: { only: { type: 'string' }, skip: { type: 'string' } } });
const listed = (text: string | undefined) => (text ? text.split(',').map((name) => name.trim()) : undefined);
const only = listed(values.only);
const skip = listed(values.skip) ?? [];
for (const name of [...(only ?? []), ...skip])
  if (!(name in BENCHES)) throw new Error(`unknown bench "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);

const folder = mkdtempSync(join(tmpdir(), 'verdict-goals-'));
const load = () => loadavg()[0]?.toFixed(1) ?? '?';
const results: { bench: string; rows: BenchRow[]; load: string; seconds: number; exit: number | null }[] = [];
for (const [bench, args] of Object.entries(BENCHES)) {
  if ((only && !only.includes(bench)) || skip.includes(bench)) continue;
  const rowsFile = join(folder, `${bench}.jsonl`);
  const loadBefore = load();
  const started = performance.now();
  console.log(`\n## ${bench}: node ${args.join(' ')}   (load average ${loadBefore})\n`);
  const run = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, [BENCH_ROWS_ENV]: rowsFile },
  });
  let rows: BenchRow[] = [];
  try {
    rows = readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as BenchRow);
  } catch {
    // The bench printed no rows (it failed, or prints its own report): its output above stands.
  }
  const seconds = (performance.now() - started) / 1000;
  results.push({ bench, rows, load: `${loadBefore}–${load()}`, seconds, exit: run.status });
}
rmSync(folder, { recursive: true, force: true });

console.log(`\n# Every goal, ${new Date().toISOString()}`);
console.log(
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
);
console.log('| bench | measure | figure | floor, same run | goal | load |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const { bench, rows, load: range, seconds, exit } of results) {
  if (rows.length === 0)
    console.log(`| ${bench} | (see its output above; exit ${exit}, ${seconds.toFixed(0)} s) | | | | ${range} |`);
  for (const row of rows) {
    const floor =
      row.floor === undefined
        ? ''
        : `${fmt(row.floor)} ${row.floorName ?? ''} (${(row.figure / row.floor).toFixed(3)} ×)`;
    const met = goalMet(row);
    const goal =
      met === undefined
        ? ''
        : `${row.lowerIsBetter ? '≤' : '≥'} ${fmt(row.goal as number)}: ${met ? 'met' : 'NOT met'}`;
    console.log(`| ${bench} | ${row.measure} | ${fmt(row.figure)} ${row.unit} | ${floor} | ${goal} | ${range} |`);
  }
}
if (results.some((result) => result.exit !== 0)) process.exitCode = 1;
