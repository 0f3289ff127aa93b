// `verdict recommend`: draft policies from recorded flows, from a running server or a SQLite file.
import { demoClusterFiles } from '@verdict/demo';
import { loadResources } from '@verdict/engine';
import { createSqliteStore, type FlowResult } from '@verdict/flows';
import { type Dialect, type Recommendation, recommend, toYaml } from '@verdict/recommend';
import { loadCluster } from './cluster.ts';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

export const RECOMMEND_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  workload: { type: 'string', short: 'w' },
  since: { type: 'string', default: '24h' },
  dialect: { type: 'string', default: 'calico' },
  tier: { type: 'string' },
  enforced: { type: 'boolean', default: false },
  server: { type: 'string' },
  db: { type: 'string' },
  cluster: { type: 'string', multiple: true, short: 'c' },
  output: { type: 'string', short: 'o', default: 'yaml' },
} as const;

export const RECOMMEND_USAGE =
  'verdict recommend --namespace <ns> [--workload <name>] [--since 24h] [--dialect calico|k8s] [--tier <tier>] [--enforced] [--server http://127.0.0.1:8080 | --db verdict.db [--cluster <files|dirs>]] [-o yaml|json]\n  Calico drafts are StagedNetworkPolicies unless --enforced. With --db and no --cluster, the embedded demo cluster.';

/** `24h`, `30m`, `7d`, `90s` or plain seconds. */
export function parseSince(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  if (!match) throw new UsageError(`--since: expected a duration such as 30m, 24h or 7d, got "${text}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0) throw new UsageError(`--since: expected a positive duration, got "${text}"`);
  return seconds;
}

function dialectOf(value: unknown): Dialect {
  if (value !== 'calico' && value !== 'k8s')
    throw new UsageError(`--dialect: expected calico or k8s, got "${String(value)}"`);
  return value;
}

export async function recommendCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const namespace = values.namespace;
  if (typeof namespace !== 'string' || namespace === '') throw new UsageError('--namespace is required');
  const output = values.output;
  if (output !== 'yaml' && output !== 'json')
    throw new UsageError(`-o: expected yaml or json, got "${String(output)}"`);
  const since = parseSince(String(values.since));
  const dialect = dialectOf(values.dialect);
  const workload = typeof values.workload === 'string' && values.workload !== '' ? values.workload : undefined;
  const tier = typeof values.tier === 'string' ? values.tier : undefined;
  const staged = values.enforced !== true;
  if (typeof values.db === 'string') {
    const rec = fromDatabase(values.db, (values.cluster as string[] | undefined) ?? [], io, {
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
  const server = typeof values.server === 'string' ? values.server : 'http://127.0.0.1:8080';
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
