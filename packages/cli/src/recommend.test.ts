import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createSqliteStore, enrichRawFlow, type Flow } from '@verdict/flows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSince } from './recommend.ts';
import { type Io, run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-recommend-'));
const db = join(dir, 'flows.db');

function capture(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([]),
    openFile: () => Readable.from([]),
  };
}

beforeAll(async () => {
  const { state } = loadResources(demoClusterFiles());
  const evaluator = createEvaluator(state);
  const now = Math.floor(Date.now() / 1000);
  const flows: Flow[] = [];
  for (const raw of createTrafficGenerator({ cluster: state, seed: 5, now: now - 300 }).next(now)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) flows.push(...enriched.flows);
  }
  const store = createSqliteStore({ path: db, autoRollover: false });
  await store.ingest(flows);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verdict recommend', () => {
  it('drafts YAML from a SQLite file and the demo cluster', async () => {
    const io = capture();
    const code = await run(
      ['recommend', '--namespace', 'shop', '--since', '1h', '--db', db, '--tier', 'application'],
      io,
    );
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    expect(io.out.join('\n')).toContain('kind: StagedNetworkPolicy');
    expect(io.out.join('\n')).toContain('name: application.verdict-cart');
  });

  it('writes JSON in the k8s dialect for one workload', async () => {
    const io = capture();
    const code = await run(
      ['recommend', '-n', 'shop', '--workload', 'cart', '--dialect', 'k8s', '--db', db, '-o', 'json'],
      io,
    );
    expect(code).toBe(0);
    const body = JSON.parse(io.out.join('')) as { policies: { workload: string }[] };
    expect(body.policies.map((p) => p.workload)).toEqual(['cart']);
  });

  it('rejects bad usage with exit code 2', async () => {
    const io = capture();
    expect(await run(['recommend', '--db', db], io)).toBe(2);
    expect(io.err.join('')).toContain("required option '-n, --namespace <ns>' not specified");
    expect(await run(['recommend', '-n', 'shop', '--db', db, '--dialect', 'istio'], capture())).toBe(2);
    expect(await run(['recommend', '-n', 'nope', '--db', db], capture())).toBe(2);
  });

  it('reads durations', () => {
    expect(parseSince('24h')).toBe(86_400);
    expect(parseSince('30m')).toBe(1800);
    expect(() => parseSince('soon')).toThrow(/--since/);
  });
});
