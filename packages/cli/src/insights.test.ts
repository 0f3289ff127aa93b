import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { insightsResponseSchema } from '@verdict/api';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { loadResources } from '@verdict/engine';
import { type EgressReport, FINDING_TYPES } from '@verdict/insights';
import { parseChangeSet } from '@verdict/rehearse';
import { resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import { afterAll, describe, expect, it } from 'vitest';
import { type Io, run } from './run.ts';

/** The documented `-o json` shape, exactly (strict objects): the wire contract's schema. */
const reportSchema = insightsResponseSchema;

const dir = mkdtempSync(join(tmpdir(), 'verdict-insights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(files: Record<string, string> = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([]),
    openFile: (path) => Readable.from([files[path] ?? '']),
  };
}

/** Ten minutes of demo traffic as raw NDJSON flows, the form `verdict evaluate` reads. */
function demoFlowFile(): string {
  const { state } = loadResources(demoClusterFiles());
  const start = 1_767_225_600;
  const lines: string[] = [];
  for (const raw of createTrafficGenerator({ cluster: state, seed: 3, now: start }).next(start + 600)) {
    lines.push(JSON.stringify(raw));
  }
  return `${lines.join('\n')}\n`;
}

describe('verdict insights', () => {
  const flows = demoFlowFile();
  const files = { 'demo.ndjson': flows };

  it('-o json over the demo follows the documented shape exactly, with every fix a change set rehearse parses', async () => {
    const io = capture(files);
    expect(await run(['insights', '--flows', 'demo.ndjson', '-o', 'json'], io)).toBe(0);
    const report = reportSchema.parse(JSON.parse(io.out.join('')));
    const types = new Set(report.findings.map((f) => f.type));
    for (const type of FINDING_TYPES.slice(0, 7)) expect(types, type).toContain(type);
    for (const f of report.findings) {
      if (f.fix.changeSet === null) continue;
      const parsed = parseChangeSet([{ file: 'fix.yaml', text: f.fix.changeSet }]);
      expect(parsed.ok, `${f.type}: ${f.title}`).toBe(true);
    }
  });

  it('--fail-on high exits 1 when a high finding exists, 0 with a threshold none reaches', async () => {
    const high = capture(files);
    expect(await run(['insights', '--flows', 'demo.ndjson', '--fail-on', 'high'], high)).toBe(1);
    expect(high.out.join('\n')).toMatch(/^\d+ findings: \d+ high/);
    const clusterFile = join(dir, 'empty.yaml');
    writeFileSync(clusterFile, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: quiet }\n');
    const quiet = capture({ 'none.ndjson': '' });
    expect(await run(['insights', '--cluster', clusterFile, '--flows', 'none.ndjson', '--fail-on', 'low'], quiet)).toBe(
      0,
    );
    expect(quiet.out.join('')).toBe('No findings.');
  });

  it('reads Goldmane Flow JSON lines as well as raw flows, and reports bad lines with their number', async () => {
    // A denied DNS query as Goldmane reports it (snake_case keys, trace included).
    const goldmane = JSON.stringify({
      Key: {
        source_name: 'checkout-5f7b9c8d6-*',
        source_namespace: 'shop',
        source_type: 'WorkloadEndpoint',
        dest_name: 'coredns-5d78c9869d-*',
        dest_namespace: 'kube-system',
        dest_type: 'WorkloadEndpoint',
        dest_port: 53,
        dest_service_name: 'kube-dns',
        dest_service_namespace: 'kube-system',
        dest_service_port_name: 'dns',
        dest_service_port: 53,
        proto: 'udp',
        reporter: 'Src',
        action: 'Deny',
        policies: {
          enforced_policies: [
            {
              kind: 'GlobalNetworkPolicy',
              name: 'security.quarantine',
              tier: 'security',
              action: 'Deny',
              policy_index: 0,
              rule_index: 1,
            },
          ],
          pending_policies: [],
        },
      },
      start_time: 1_767_225_600,
      end_time: 1_767_225_615,
      source_labels: ['app=checkout'],
      dest_labels: ['k8s-app=kube-dns'],
      num_connections_started: 3,
    });
    const io = capture({ 'mixed.ndjson': `${flows.split('\n').slice(0, 50).join('\n')}\n{"nope": 1}\n${goldmane}\n` });
    expect(await run(['insights', '--flows', 'mixed.ndjson', '-o', 'json'], io)).toBe(0);
    expect(io.err.join('\n')).toContain('mixed.ndjson:51:');
    const report = reportSchema.parse(JSON.parse(io.out.join('')));
    const dns = report.findings
      .filter((f) => f.type === 'dns-blocked')
      .map((f) => `${f.subject.namespace}/${f.subject.name}`);
    expect(dns).toContain('shop/checkout-5f7b9c8d6-*');
  });

  it('refuses --flows with --server and an unknown severity', async () => {
    expect(await run(['insights', '--flows', 'x', '--server', 'http://127.0.0.1:1'], capture())).toBe(2);
    expect(await run(['insights', '--flows', 'x', '--fail-on', 'urgent'], capture())).toBe(2);
  });
});

describe('verdict egress and verdict coverage', () => {
  const files = {
    'demo.ndjson': demoFlowFile(),
    'dns.ndjson': '{"name": "exfil.example.net", "addresses": ["203.0.113.66"]}\n',
    'bad-dns.ndjson': '{"name": 5}\n',
  };

  it('egress lists destinations by domain and prints a lockdown rehearsed without breakage', async () => {
    const io = capture(files);
    expect(await run(['egress', '-n', 'shop', '--flows', 'demo.ndjson', '--dns', 'dns.ndjson'], io)).toBe(0);
    const text = io.out.join('\n');
    expect(text).toContain('203.0.113.66/32 (exfil.example.net) TCP 4444');
    expect(text).toMatch(/rehearsed over \d+ flows: 0 newly denied/);
    const yaml = capture(files);
    expect(await run(['egress', '-n', 'shop', '--flows', 'demo.ndjson', '-o', 'yaml'], yaml)).toBe(0);
    expect(yaml.out.join('\n')).toContain('kind: StagedNetworkPolicy');
  });

  it('egress refuses an unknown namespace and a malformed DNS file with the line', async () => {
    const unknown = capture(files);
    expect(await run(['egress', '-n', 'nope', '--flows', 'demo.ndjson'], unknown)).toBe(2);
    expect(unknown.err.join('\n')).toContain('nope is not in the cluster');
    const bad = capture(files);
    expect(await run(['egress', '-n', 'shop', '--flows', 'demo.ndjson', '--dns', 'bad-dns.ndjson'], bad)).toBe(2);
    expect(bad.err.join('\n')).toContain('bad-dns.ndjson:1:');
  });

  it('egress --server --dns imports the answers into the server first, and names domains in the chosen dialect', async () => {
    const resolved = resolveConfig(
      { store: 'memory', 'http-port': '0', 'grpc-port': '-1', 'demo-traffic': true, 'allow-writes': true },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    const server = await startVerdict(resolved.config, silentLogger);
    try {
      await server.pipeline.drain();
      const io = capture(files);
      const args = ['egress', '-n', 'shop', '--server', server.httpUrl, '--dns', 'dns.ndjson'];
      expect(await run([...args, '--dialect', 'calico-enterprise', '-o', 'json'], io)).toBe(0);
      expect(io.err.join('\n')).toContain('imported 1 addresses of 1 names from dns.ndjson');
      const report = JSON.parse(io.out.join('\n')) as EgressReport;
      const exfil = report.workloads.flatMap((w) => w.destinations).find((d) => d.network === '203.0.113.66/32');
      expect(exfil?.domains).toEqual(['exfil.example.net']);
      expect(report.proposal.yaml).toMatch(/allowedEgressDomains:\s+- exfil\.example\.net/);
      const bad = capture(files);
      expect(await run(['egress', '-n', 'shop', '--server', server.httpUrl, '--dns', 'bad-dns.ndjson'], bad)).toBe(2);
      expect(bad.err.join('\n')).toContain('bad-dns.ndjson:1:');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('coverage prints shares per namespace and a self-contained HTML report', async () => {
    const io = capture(files);
    expect(await run(['coverage', '--flows', 'demo.ndjson'], io)).toBe(0);
    expect(io.out.join('\n')).toMatch(/^Cluster: \d+% of \d+ workloads isolated for ingress/);
    const html = capture(files);
    expect(await run(['coverage', '--flows', 'demo.ndjson', '-o', 'html'], html)).toBe(0);
    expect(html.out.join('\n')).toMatch(/^<!doctype html>/);
  });
});
