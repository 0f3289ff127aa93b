// `verdict egress` and `verdict coverage`: the egress lockdown of a namespace and the rollout report,
// from manifests and an NDJSON flow file (raw flows or Goldmane Flow JSON).
import { createInterface } from 'node:readline';
import { demoClusterFiles } from '@verdict/demo';
import { type ClusterState, createEvaluator, loadResources } from '@verdict/engine';
import {
  type CoverageReport,
  coverageHtml,
  coverageReport,
  type EgressDialect,
  type EgressReport,
  egressReport,
} from '@verdict/insights';
import { loadCluster } from './cluster.ts';
import { readFlowFile } from './flowfile.ts';
import { parseSince } from './recommend.ts';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

export interface EgressOptions {
  namespace: string;
  cluster?: string[];
  flows?: string;
  server?: string;
  since?: string;
  dns?: string;
  dialect?: EgressDialect;
  output: 'text' | 'yaml' | 'json';
}

export interface CoverageOptions {
  cluster?: string[];
  flows?: string;
  server?: string;
  since?: string;
  output: 'text' | 'json' | 'html';
}

/** Offline with --flows, else from a running server (GET /api/v1/egress, /api/v1/coverage). */
function mode(options: {
  flows?: string;
  server?: string;
  since?: string;
  cluster?: string[];
  dns?: string;
}): 'offline' | 'online' {
  if (options.flows !== undefined && options.server !== undefined)
    throw new UsageError('give --flows or --server, not both');
  if (options.flows !== undefined) {
    if (options.since !== undefined) throw new UsageError('--since needs --server; an NDJSON file is read whole');
    return 'offline';
  }
  if ((options.cluster ?? []).length > 0)
    throw new UsageError('--cluster needs --flows; a server uses its own cluster');
  return 'online';
}

/** GET `path` of the server (or POST `body`); its coded errors become usage errors naming the server. */
async function fromServer(
  server: string | undefined,
  path: string,
  params: Record<string, string>,
  body?: { text: string; type: string },
): Promise<Response> {
  const base = server ?? 'http://127.0.0.1:8080';
  let url: URL;
  try {
    url = new URL(path, base);
  } catch {
    throw new UsageError(`--server: expected a URL such as http://127.0.0.1:8080, got ${JSON.stringify(base)}`);
  }
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  let response: Response;
  try {
    response = await fetch(
      url,
      body ? { method: 'POST', body: body.text, headers: { 'content-type': body.type } } : undefined,
    );
  } catch (error) {
    throw new UsageError(`--server: cannot reach ${base} (${(error as Error).message}); is "verdict serve" running?`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new UsageError(`${base} answered ${response.status}: ${body.error?.message ?? response.statusText}`);
  }
  return response;
}

const sinceParam = (since: string | undefined): Record<string, string> =>
  since === undefined ? {} : { since: String(parseSince(since)) };

const now = () => Math.floor(Date.now() / 1000);

function stateOf(paths: readonly string[] | undefined, io: Io): ClusterState {
  return paths && paths.length > 0 ? loadCluster(paths, io.stderr) : loadResources(demoClusterFiles()).state;
}

async function readText(path: string, io: Io): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of io.openFile(path))
    parts.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  return parts.join('');
}

/** NDJSON of `{"name": "api.example.com", "addresses": ["203.0.113.5", …]}`, one query name per line. */
export async function readDnsFile(path: string, io: Io): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let line = 0;
  for await (const text of createInterface({ input: io.openFile(path), crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${path}:${line}: invalid JSON: ${(error as Error).message}`);
    }
    const r = record as { name?: unknown; addresses?: unknown };
    if (typeof r.name !== 'string' || !Array.isArray(r.addresses) || !r.addresses.every((a) => typeof a === 'string')) {
      throw new UsageError(`${path}:${line}: expected {"name": "<query name>", "addresses": ["<ip>", …]}`);
    }
    out.set(r.name, [...(out.get(r.name) ?? []), ...(r.addresses as string[])]);
  }
  return out;
}

export async function egressCommand(options: EgressOptions, io: Io): Promise<number> {
  const online = mode(options) === 'online';
  if (online && options.dns !== undefined) {
    // Checked here first, so a bad line is reported with the file's name; the server checks again.
    await readDnsFile(options.dns, io);
    const text = await readText(options.dns, io);
    const reply = (await (
      await fromServer(options.server, '/api/v1/dns', {}, { text, type: 'application/x-ndjson' })
    ).json()) as { imported: { pairs: number; names: number } };
    io.stderr(`imported ${reply.imported.pairs} addresses of ${reply.imported.names} names from ${options.dns}`);
  }
  const report = online
    ? ((await (
        await fromServer(options.server, '/api/v1/egress', {
          namespace: options.namespace,
          ...sinceParam(options.since),
          ...(options.dialect ? { dialect: options.dialect } : {}),
        })
      ).json()) as EgressReport)
    : await egressOffline(options, io);
  if (options.output === 'json') io.stdout(JSON.stringify(report, null, 2));
  else if (options.output === 'yaml') io.stdout(report.proposal.yaml);
  else io.stdout(formatEgress(report));
  return 0;
}

async function egressOffline(options: EgressOptions, io: Io): Promise<EgressReport> {
  const state = stateOf(options.cluster, io);
  if (
    !state.namespaces.some((n) => n.name === options.namespace) &&
    !state.pods.some((p) => p.namespace === options.namespace)
  ) {
    throw new UsageError(`--namespace: ${options.namespace} is not in the cluster`);
  }
  const flows = await readFlowFile(options.flows ?? '-', createEvaluator(state), now(), io);
  const dns = options.dns === undefined ? undefined : await readDnsFile(options.dns, io);
  return egressReport({
    state,
    flows,
    namespace: options.namespace,
    ...(dns ? { dns } : {}),
    ...(options.dialect ? { dialect: options.dialect } : {}),
  });
}

export function formatEgress(report: EgressReport): string {
  const lines = [`External destinations of namespace ${report.namespace}:`];
  if (report.workloads.length === 0) lines.push('  none in the flows');
  for (const w of report.workloads) {
    lines.push(`  ${w.workload}`);
    for (const d of w.destinations) {
      const domains = d.domains.length > 0 ? ` (${d.domains.join(', ')})` : '';
      lines.push(
        `    ${d.network}${domains} ${d.proto.toUpperCase()} ${d.port}: ${d.flows} flows, ${d.connections} connections, ${d.bytes} bytes${d.denied > 0 ? `, ${d.denied} denied` : ''}`,
      );
    }
  }
  const r = report.proposal.rehearsal;
  lines.push(
    '',
    r
      ? `Proposed lockdown rehearsed over ${r.flowsConsidered} flows: ${r.newlyDenied} newly denied, ${r.newlyAllowed} newly allowed.`
      : 'Proposed lockdown: not rehearsed.',
    ...report.notes.map((n) => `note: ${n}`),
    '',
    report.proposal.yaml,
  );
  return lines.join('\n');
}

export async function coverageCommand(options: CoverageOptions, io: Io): Promise<number> {
  if (mode(options) === 'online') {
    const params = { ...sinceParam(options.since), format: options.output === 'html' ? 'html' : 'json' };
    const response = await fromServer(options.server, '/api/v1/coverage', params);
    if (options.output === 'html') io.stdout(await response.text());
    else {
      const report = (await response.json()) as CoverageReport;
      io.stdout(options.output === 'json' ? JSON.stringify(report, null, 2) : formatCoverage(report));
    }
    return 0;
  }
  const state = stateOf(options.cluster, io);
  const flows = await readFlowFile(options.flows ?? '-', createEvaluator(state), now(), io);
  const report = coverageReport({ state, flows });
  if (options.output === 'json') io.stdout(JSON.stringify(report, null, 2));
  else if (options.output === 'html') io.stdout(coverageHtml(report, { generatedAt: now() }));
  else io.stdout(formatCoverage(report));
  return 0;
}

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${Math.round((part / whole) * 100)}%`);

export function formatCoverage(report: CoverageReport): string {
  const c = report.cluster;
  const lines = [
    `Cluster: ${pct(c.isolatedIngress, c.workloads)} of ${c.workloads} workloads isolated for ingress, ${pct(c.isolatedEgress, c.workloads)} for egress; ${pct(c.decidedByPolicy, c.flows)} of ${c.flows} flows decided by explicit policy`,
    '',
    'namespace            workloads  ingress  egress  decided by policy',
    ...report.namespaces.map(
      (n) =>
        `${n.namespace.padEnd(20)} ${String(n.workloads).padStart(9)}  ${pct(n.isolatedIngress, n.workloads).padStart(7)}  ${pct(n.isolatedEgress, n.workloads).padStart(6)}  ${pct(n.decidedByPolicy, n.flows)} of ${n.flows}`,
    ),
    '',
    'Staged policies waiting:',
    ...(report.staged.length === 0
      ? ['  none']
      : report.staged.map(
          (s) =>
            `  ${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}: would deny ${s.wouldDeny} flows allowed today${s.examples.length ? ` (e.g. ${s.examples[0]})` : ''}`,
        )),
    '',
    `Trend (per ${report.bucketSeconds}s): ${report.trend.map((p) => pct(p.decidedByPolicy, p.flows)).join(' ')}`,
  ];
  return lines.join('\n');
}
