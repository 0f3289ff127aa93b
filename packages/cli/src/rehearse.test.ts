import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { loadResources } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { parseSince } from './rehearse.ts';
import { type Io, run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-rehearse-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const state = loadResources(demoClusterFiles()).state;
const START = 1_767_225_600;
/** Five minutes of demo traffic as raw NDJSON flow lines. */
const FLOWS = file(
  'flows.ndjson',
  createTrafficGenerator({ cluster: state, seed: 7, now: START })
    .next(START + 300)
    .map((raw) => JSON.stringify(raw))
    .join('\n'),
);

const DROP_REDIS = file(
  'drop-redis.yaml',
  `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: application.redis, namespace: data}
spec:
  stagedAction: Set
  tier: application
  order: 100
  selector: app == 'redis'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      source: {namespaceSelector: projectcalico.org/name == 'shop', selector: app == 'cart'}
      destination: {ports: [redis]}
    - action: Allow
      protocol: TCP
      source: {namespaceSelector: projectcalico.org/name == 'payments', selector: app == 'fraud-check'}
      destination: {ports: [redis]}
`,
);
const UNUSED_PORT = file(
  'unused-port.yaml',
  `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: application.postgres-no-admin, namespace: data}
spec:
  tier: application
  order: 50
  selector: app == 'postgres'
  types: [Ingress]
  ingress:
    - {action: Deny, protocol: TCP, destination: {ports: [15432]}}
`,
);
const BROKEN = file(
  'broken.yaml',
  'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: x, namespace: data}\nspec:\n  selector: app ==\n',
);

async function verdict(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: Readable.from(['']),
    openFile: (path) => createReadStream(path),
  };
  const code = await run(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('verdict check', () => {
  it('exits 1 and lists the flows a change would deny', async () => {
    const result = await verdict(['check', '--change', DROP_REDIS, '--flows', FLOWS]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Newly denied (allowed today):');
    expect(result.stdout).toMatch(/shop\/recommendations-\S+ → data\/redis-\S+ tcp\/6379/);
  });

  it('exits 0 for a change that only tightens an unused port', async () => {
    const result = await verdict(['check', '--change', UNUSED_PORT, '--flows', FLOWS]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 newly denied');
    expect(result.stdout).toContain('Rules no flow exercises:');
  });

  it('exits 0 when every breakage is accepted with --allow-breaking', async () => {
    const result = await verdict([
      'check',
      '--change',
      DROP_REDIS,
      '--flows',
      FLOWS,
      '--allow-breaking',
      "app == 'recommendations'",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Accepted breakages (--allow-breaking):');
  });

  it('exits 2 on a bad change set, a bad selector or bad options', async () => {
    const broken = await verdict(['check', '--change', BROKEN, '--flows', FLOWS]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.yaml:5:\d+: error \[invalid-selector\] at spec\.selector/);
    expect(
      (await verdict(['check', '--change', DROP_REDIS, '--flows', FLOWS, '--allow-breaking', 'app =='])).code,
    ).toBe(2);
    expect((await verdict(['check', '--flows', FLOWS])).code).toBe(2);
    expect((await verdict(['check', '--change', DROP_REDIS, '--since', 'yesterday'])).code).toBe(2);
    expect((await verdict(['check', '--change', DROP_REDIS, '--flows', FLOWS, '-o', 'yaml'])).code).toBe(2);
  });
});

describe('verdict rehearse', () => {
  it('-o markdown is ready to paste as a pull-request comment', async () => {
    const result = await verdict(['rehearse', '--change', DROP_REDIS, '--flows', FLOWS, '-o', 'markdown']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('### Verdict rehearsal');
    expect(lines[2]).toMatch(/^:x: \*\*\d+ flows allowed today would be denied\.\*\*$/);
    expect(result.stdout).toContain('| endpoint | direction | peers | port |');
  });

  it('-o json gives the report as data', async () => {
    const result = await verdict(['rehearse', '--change', DROP_REDIS, '--flows', FLOWS, '-o', 'json']);
    const report = JSON.parse(result.stdout);
    expect(report.totals.newlyDenied).toBeGreaterThan(0);
    expect(report.newlyDenied[0].direction).toBe('Ingress');
  });

  it('parses --since durations', () => {
    expect([parseSince('30m'), parseSince('24h'), parseSince('7d')]).toEqual([1800, 86_400, 604_800]);
  });
});
