// `verdict insights`: findings over a cluster and its flows, offline (manifests and an NDJSON file)
// or from a running server.
import { demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import type { FlowResult } from '@verdict/flows';
import { type Finding, type InsightsReport, insights, SEVERITIES, type Severity } from '@verdict/insights';
import { loadCluster } from './cluster.ts';
import { readFlowFile } from './flowfile.ts';
import { parseSince } from './recommend.ts';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

export interface InsightsOptions {
  cluster?: string[];
  flows?: string;
  server?: string;
  since?: string;
  tenantLabel?: string;
  output: 'text' | 'json';
  failOn?: Severity;
}

/** Prints the findings; exit code 1 when some finding is at least as severe as `--fail-on`. */
export async function insightsCommand(options: InsightsOptions, io: Io): Promise<number> {
  if (options.flows !== undefined && options.server !== undefined)
    throw new UsageError('give --flows or --server, not both');
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const report = options.flows !== undefined ? await offline(options, since, io) : await online(options, since);
  io.stdout(options.output === 'json' ? JSON.stringify(report, null, 2) : formatFindings(report.findings));
  if (options.failOn === undefined) return 0;
  const limit = SEVERITIES.indexOf(options.failOn);
  const failing = report.findings.filter((f) => SEVERITIES.indexOf(f.severity) <= limit);
  if (failing.length > 0 && options.output !== 'text')
    io.stderr(`verdict insights: ${failing.length} findings at ${options.failOn} or above`);
  return failing.length > 0 ? 1 : 0;
}

/**
 * The file's flows; with `--since`, the window is that long before the newest flow and the window
 * before it is the baseline for "new" destinations.
 */
async function offline(options: InsightsOptions, since: number | undefined, io: Io): Promise<InsightsReport> {
  const paths = options.cluster ?? [];
  const state = paths.length > 0 ? loadCluster(paths, io.stderr) : loadResources(demoClusterFiles()).state;
  const flows = await readFlowFile(options.flows ?? '-', createEvaluator(state), Math.floor(Date.now() / 1000), io);
  const tenant = options.tenantLabel === undefined ? {} : { options: { tenantLabel: options.tenantLabel } };
  if (since === undefined) return insights({ state, flows, ...tenant });
  const newest = flows.reduce((t, f) => Math.max(t, f.flow.endTime), 0);
  const window: FlowResult[] = [];
  const baseline: FlowResult[] = [];
  for (const f of flows) {
    if (f.flow.endTime > newest - since) window.push(f);
    else if (f.flow.endTime > newest - 2 * since) baseline.push(f);
  }
  return insights({ state, flows: window, baseline, ...tenant });
}

async function online(options: InsightsOptions, since: number | undefined): Promise<InsightsReport> {
  const server = options.server ?? 'http://127.0.0.1:8080';
  const url = new URL('/api/v1/insights', server);
  url.searchParams.set('since', String(since ?? 86_400));
  if (options.tenantLabel !== undefined) url.searchParams.set('tenantLabel', options.tenantLabel);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new UsageError(`--server: cannot reach ${server} (${(error as Error).message}); is "verdict serve" running?`);
  }
  const body = (await response.json().catch(() => ({}))) as Partial<InsightsReport> & { error?: { message: string } };
  if (!response.ok || !Array.isArray(body.findings)) {
    throw new UsageError(
      `${server} answered ${response.status}: ${body.error?.message ?? 'no findings in the answer'}`,
    );
  }
  return { findings: body.findings };
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.';
  const counts = SEVERITIES.map((s) => `${findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
  const blocks = findings.map((f) => {
    const subject = `${f.subject.kind} ${f.subject.namespace ? `${f.subject.namespace}/` : ''}${f.subject.name}`;
    const lines = [
      `${f.severity.toUpperCase().padEnd(6)} ${f.type}: ${f.title}`,
      `  subject: ${subject}`,
      `  why: ${f.evidence.explanation}`,
    ];
    for (const flow of f.evidence.flows.slice(0, 3)) {
      lines.push(
        `  flow: ${flow.source} → ${flow.destination}:${flow.destPort}/${flow.proto} ${flow.action} (reported by ${flow.reporter})`,
      );
    }
    lines.push(`  fix: ${f.fix.summary}${f.fix.changeSet ? ' (change set in -o json)' : ''}`);
    return lines.join('\n');
  });
  return [`${findings.length} findings: ${counts}`, '', ...blocks].join('\n');
}
