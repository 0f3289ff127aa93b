// `verdict rehearse` and `verdict check`: the impact of a change set over recorded flows, from a
// running server, a SQLite store or an NDJSON flow file.
import { readFileSync } from 'node:fs';
import { demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createSqliteStore } from '@verdict/flows';
import {
  type ChangeSet,
  formatMarkdown,
  formatText,
  type ImpactReport,
  parseChangeSet,
  rehearse,
  rehearseStore,
} from '@verdict/rehearse';
import { formatIssue, loadCluster } from './cluster.ts';
import { readFlowFile } from './flowfile.ts';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

/** Options of `verdict rehearse` and `verdict check`. */
export interface RehearseOptions {
  change?: string[] | undefined;
  since?: string | undefined;
  server?: string | undefined;
  db?: string | undefined;
  flows?: string | undefined;
  cluster?: string[] | undefined;
  allowBreaking?: string[] | undefined;
  output: Format;
}

type Format = 'text' | 'json' | 'markdown';
const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30m`, `24h`, `7d` in seconds. */
export function parseSince(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) throw new UsageError(`--since: expected a duration such as 30m, 24h or 7d, got "${text}"`);
  return Number(match[1]) * (UNITS[match[2] as string] ?? 1);
}

/** Runs the rehearsal; `check` turns the report into the CI exit code. */
export async function rehearseCommand(values: RehearseOptions, io: Io, check: boolean): Promise<number> {
  const format = values.output;
  const changeFiles = values.change ?? [];
  if (changeFiles.length === 0) throw new UsageError('--change: give the change set YAML file');
  const sources = changeFiles.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch {
      throw new UsageError(`--change: cannot read ${file}`);
    }
  });
  const parsed = parseChangeSet(sources);
  if (!parsed.ok) {
    for (const issue of parsed.error) io.stderr(formatIssue(issue));
    return 2;
  }
  const allowBreaking = values.allowBreaking ?? [];
  const sourcesGiven = (['server', 'db', 'flows'] as const).filter((name) => values[name] !== undefined);
  if (sourcesGiven.length > 1)
    throw new UsageError(
      `give one of --server, --db, --flows, not ${sourcesGiven.map((name) => `--${name}`).join(' and ')}`,
    );
  const since = values.since === undefined ? undefined : parseSince(values.since);
  const now = Math.floor(Date.now() / 1000);
  let report: ImpactReport | number;
  if (values.flows !== undefined) report = await fromFlowFile(values, parsed.value, since, now, allowBreaking, io);
  else if (values.db !== undefined)
    report = await fromDatabase(values, parsed.value, since ?? 86_400, now, allowBreaking, io);
  else report = await fromServer(values, sources, since ?? 86_400, allowBreaking, io);
  if (typeof report === 'number') return report;
  io.stdout(
    format === 'json'
      ? JSON.stringify(report, null, 2)
      : format === 'markdown'
        ? formatMarkdown(report)
        : formatText(report),
  );
  if (!check) return 0;
  if (report.totals.newlyDenied === 0) return 0;
  if (format !== 'text') io.stderr(`verdict check: ${report.totals.newlyDenied} flows allowed today would be denied`);
  return 1;
}

function evaluatorFor(values: RehearseOptions, io: Io) {
  const paths = values.cluster ?? [];
  const state = paths.length > 0 ? loadCluster(paths, io.stderr) : loadResources(demoClusterFiles()).state;
  return createEvaluator(state);
}

async function finish(result: Awaited<ReturnType<typeof rehearse>>, io: Io): Promise<ImpactReport | number> {
  if (result.ok) return result.value;
  io.stderr(`verdict: --allow-breaking: ${result.error.message}`);
  return 2;
}

async function fromDatabase(
  values: RehearseOptions,
  changeSet: ChangeSet,
  since: number,
  now: number,
  allowBreaking: string[],
  io: Io,
): Promise<ImpactReport | number> {
  const store = createSqliteStore({ path: values.db ?? '', now: () => now, autoRollover: false });
  try {
    return await finish(
      await rehearseStore({
        store,
        range: { gte: now - since, lt: now + 30 },
        before: evaluatorFor(values, io),
        changeSet,
        allowBreaking,
      }),
      io,
    );
  } finally {
    await store.close();
  }
}

async function fromFlowFile(
  values: RehearseOptions,
  changeSet: ChangeSet,
  since: number | undefined,
  now: number,
  allowBreaking: string[],
  io: Io,
): Promise<ImpactReport | number> {
  const before = evaluatorFor(values, io);
  const flows = await readFlowFile(values.flows ?? '-', before, now, io);
  const kept = since === undefined ? flows : flows.filter((f) => f.flow.endTime >= now - since);
  const range = since === undefined ? {} : { range: { gte: now - since, lt: now } };
  return finish(await rehearse({ flows: kept, total: kept.length, before, changeSet, allowBreaking, ...range }), io);
}

async function fromServer(
  values: RehearseOptions,
  sources: { file: string; text: string }[],
  since: number,
  allowBreaking: string[],
  io: Io,
): Promise<ImpactReport | number> {
  const server = (values.server ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${server}/api/v1/rehearsals?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        changeSet: sources.map((s) => s.text).join('\n---\n'),
        start: -since,
        ...(allowBreaking.length ? { allowBreaking } : {}),
      }),
    });
  } catch (error) {
    throw new UsageError(`--server: cannot reach ${server}: ${(error as Error).message}`);
  }
  const body = (await res.json()) as { report?: ImpactReport; error?: { message: string } };
  if (!res.ok || !body.report) {
    io.stderr(`verdict: ${server} answered ${res.status}: ${body.error?.message ?? 'no report'}`);
    return 2;
  }
  return body.report;
}
