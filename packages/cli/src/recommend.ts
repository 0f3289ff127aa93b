// `verdict recommend`: draft policies from recorded flows, from a running server or a SQLite file.
import { demoClusterFiles } from '@verdict/demo';
import { loadResources } from '@verdict/engine';
import { createSqliteStore, type FlowResult } from '@verdict/flows';
import { type Dialect, type Recommendation, recommend, toYaml } from '@verdict/recommend';
import { loadCluster } from './cluster.ts';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

/** Options of `verdict recommend`. */
export interface RecommendOptions {
  namespace: string;
  workload?: string | undefined;
  since: string;
  dialect: Dialect;
  tier?: string | undefined;
  enforced?: true | undefined;
  server?: string | undefined;
  db?: string | undefined;
  cluster?: string[] | undefined;
  output: 'yaml' | 'json';
}

/** `24h`, `30m`, `7d`, `90s` or plain seconds. */
export function parseSince(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  if (!match) throw new UsageError(`--since: expected a duration such as 30m, 24h or 7d, got "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0) throw new UsageError(`--since: expected a positive duration, got "${text}"`);
  return seconds;
}

export async function recommendCommand(values: RecommendOptions, io: Io): Promise<number> {
  const { namespace, output, dialect, tier } = values;
  if (namespace === '') throw new UsageError('--namespace: give a namespace');
  const since = parseSince(values.since);
  const workload = values.workload === '' ? undefined : values.workload;
  const staged = values.enforced !== true;
  if (values.db !== undefined) {
    const rec = fromDatabase(values.db, values.cluster ?? [], io, {
      namespace,
      workload,
      since,
      dialect,
      tier,
      staged,
    });
    io.stdout(output === 'json' ? JSON.stringify(await rec, null, 2) : toYaml(await rec));
    return 0;
  }
  const server = values.server ?? 'http://127.0.0.1:8080';
  const url = new URL('/api/v1/recommendations', server);
  const query: Record<string, string | undefined> = {
    namespace,
    workload,
    dialect,
    tier,
    staged: String(staged),
    start: String(-since),
    format: output === 'yaml' ? 'yaml' : undefined,
  };
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new UsageError(`--server: cannot reach ${server} (${(error as Error).message}); is "verdict serve" running?`);
  }
  const body = await response.text();
  if (!response.ok) {
    let message = body;
    try {
      message = (JSON.parse(body) as { error: { message: string } }).error.message;
    } catch {}
    throw new UsageError(`${server} answered ${response.status}: ${message}`);
  }
  io.stdout(output === 'json' ? JSON.stringify(JSON.parse(body), null, 2) : body);
  return 0;
}

async function fromDatabase(
  path: string,
  cluster: readonly string[],
  io: Io,
  o: {
    namespace: string;
    workload: string | undefined;
    since: number;
    dialect: Dialect;
    tier: string | undefined;
    staged: boolean;
  },
): Promise<Recommendation> {
  const state = cluster.length > 0 ? loadCluster(cluster, io.stderr) : loadResources(demoClusterFiles()).state;
  // A long retention so that opening the file never prunes what it holds.
  const store = createSqliteStore({ path, retentionDays: 36_500, autoRollover: false });
  try {
    const now = Math.floor(Date.now() / 1000);
    const range = { gte: now - o.since, lt: now + 60 };
    const match = [{ value: o.namespace, type: 'Exact' as const }];
    const [from, to] = await Promise.all([
      store.list({ range, pageSize: 0, filter: { sourceNamespaces: match } }),
      store.list({ range, pageSize: 0, filter: { destNamespaces: match } }),
    ]);
    const flows = new Map<number, FlowResult>();
    for (const r of [...from.flows, ...to.flows]) flows.set(r.id, r);
    const result = recommend({
      state,
      flows: [...flows.values()],
      scope: o.workload === undefined ? { namespace: o.namespace } : { namespace: o.namespace, workload: o.workload },
      dialect: o.dialect,
      staged: o.staged,
      ...(o.tier === undefined ? {} : { tier: o.tier }),
    });
    if (!result.ok) throw new UsageError(`--${result.error.path.replace(/^scope\./, '')}: ${result.error.message}`);
    return result.value;
  } finally {
    await store.close();
  }
}
