import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { helpText, type Io, run } from './run.ts';

const QUICKSTART = 'examples/quickstart';

async function verdict(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: Readable.from([stdin]),
    openFile: () => Readable.from([stdin]),
  };
  const code = await run(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('verdict --help', () => {
  it('lists every command (snapshot of the public surface)', () => {
    expect(helpText()).toMatchInlineSnapshot(`
      "Usage: verdict <command> [options]

      verdict: network flows with their policy verdicts, and policy changes rehearsed
      against them

      Options:
        -h, --help  display help for command

      Commands:
        serve       run Verdict: ingest, store and serve flows, the UI and the APIs
                    (no --cluster: the embedded demo)
        ingest      send NDJSON flows (Goldmane Flow JSON or raw flows) to a running
                    server
        db          check or repair the SQLite flow database (while no Verdict has it
                    open)
        trace       explain one flow tier by tier, enforced and pending
        evaluate    evaluate NDJSON flows in batch: one verdict line per flow line
        rehearse    the impact of a policy change set on recorded flows: newly denied,
                    newly allowed, unused rules
        check       rehearse for CI: exit 0 when no allowed flow would be denied, 1
                    when some would, 2 on bad input
        recommend   draft network policies for a namespace or workload from recorded
                    flows, with rationale and coverage
        insights    findings: policies that select nothing, unreachable and unused
                    rules, staged denies, DNS, egress, scans
        install     print the manifests that run Verdict in a cluster: verdict install
                    | kubectl apply -f -
        egress      external destinations of a namespace per workload, and a rehearsed
                    egress lockdown
        coverage    rollout progress: isolated workloads, flows decided by policy,
                    staged policies waiting, trend
        completion  print a shell completion script: bash or zsh
        help        display help for command
      "
    `);
  });

  it('an unknown command exits 2 with the help', async () => {
    const result = await verdict(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("verdict: unknown command 'frobnicate'");
  });
});

describe('verdict trace', () => {
  it('--calico-version selects the admin-policy API enforced: a ClusterNetworkPolicy from 3.32, not before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-cnp-'));
    const cnp = join(dir, 'cnp.yaml');
    writeFileSync(
      cnp,
      [
        'apiVersion: policy.networking.k8s.io/v1alpha2',
        'kind: ClusterNetworkPolicy',
        'metadata: {name: accept-web-to-db}',
        'spec:',
        '  tier: Admin',
        '  priority: 5',
        '  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: db}}}',
        '  ingress:',
        '    - {action: Accept, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}]}',
      ].join('\n'),
    );
    const trace = (version: string) =>
      verdict([
        'trace',
        '--cluster',
        QUICKSTART,
        cnp,
        '--from',
        'web/frontend-7c5d9b8f6-abcde',
        '--to',
        'db/postgres-0',
        '--port',
        '5432',
        '--calico-version',
        version,
        '-o',
        'json',
      ]);
    const newest = await trace('3.33');
    expect(JSON.parse(newest.stdout).enforced.action).toBe('Allow');
    expect(newest.stderr).toBe('');
    const old = await trace('3.31');
    expect(JSON.parse(old.stdout).enforced.action).toBe('Deny');
    expect(old.stderr).toMatch(/not-enforced.*Calico 3\.31 does not enforce ClusterNetworkPolicy/);
    expect((await trace('3.29')).code).toBe(2);
  });

  it('explains a denied flow: the tier walk, the policy that selected the pod, and why its rule did not match', async () => {
    const result = await verdict([
      'trace',
      '--cluster',
      QUICKSTART,
      '--from',
      'web/frontend-7c5d9b8f6-abcde',
      '--to',
      'db/postgres-0',
      '--port',
      '5432',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Enforced: DENY');
    expect(result.stdout).toMatch(/end of tier → Deny \(selected by NetworkPolicy db\/postgres-allow-api\)/);
    expect(result.stdout).toMatch(/does not match selector/);
  });

  it('-o json gives the same report as data', async () => {
    const result = await verdict([
      'trace',
      '-c',
      QUICKSTART,
      '--from',
      'web/debug-shell',
      '--to',
      '169.254.169.254',
      '--port',
      '80',
      '-o',
      'json',
    ]);
    const report = JSON.parse(result.stdout);
    expect(report.enforced.action).toBe('Deny');
    expect(report.enforced.sides[0].steps[0]).toMatchObject({
      outcome: 'matched',
      action: 'Deny',
      rulePath: 'spec.egress[0]',
    });
  });

  it('a missing option or unknown pod is a usage error naming the option', async () => {
    expect(
      await verdict(['trace', '-c', QUICKSTART, '--from', 'web/nope', '--to', 'db/postgres-0', '--port', '1']),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--from: pod web/nope is not in the cluster state'),
    });
    expect((await verdict(['trace', '-c', QUICKSTART, '--from', 'web/debug-shell', '--port', '1'])).stderr).toContain(
      "verdict trace: required option '--to <endpoint>' not specified",
    );
    expect(
      (await verdict(['trace', '-c', 'no/such/dir', '--from', 'a/b', '--to', 'c/d', '--port', '1'])).stderr,
    ).toContain('--cluster: no/such/dir does not exist');
  });
});

describe('verdict evaluate', () => {
  it('prints one verdict per line in input order, and an error line for a bad line without stopping', async () => {
    const lines = [
      '{"source": {"namespace": "web", "name": "debug-shell"}, "destination": {"ip": "169.254.169.254"}, "protocol": "TCP", "port": 80}',
      'not json',
      '{"source": {"namespace": "web"}, "destination": {"ip": "1.2.3.4"}, "port": 80}',
      '{"source": {"ip": "10.244.1.10"}, "destination": {"namespace": "db", "name": "postgres-0"}, "protocol": "TCP", "port": 5432}',
    ];
    const result = await verdict(['evaluate', '-c', QUICKSTART, '--flows', '-'], lines.join('\n'));
    const out = result.stdout.split('\n').map((line) => JSON.parse(line));
    expect(result.code).toBe(1);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ action: 'Deny', pending_action: 'Deny' });
    expect(out[0].policies.enforced[0]).toEqual({
      kind: 'GlobalNetworkPolicy',
      name: 'security.baseline',
      namespace: '',
      tier: 'security',
      action: 'Deny',
      policy_index: 0,
      rule_index: 0,
      trigger: null,
    });
    expect(out[1]).toMatchObject({ line: 2, error: expect.stringContaining('invalid JSON') });
    expect(out[2]).toMatchObject({ line: 3, error: expect.stringContaining('source: expected') });
    expect(out[3].action).toBe('Deny');
  });
});
