// Tailing Goldmane end to end: a second Verdict's Goldmane service (over its SQLite store, on a
// clock the test moves) plays Goldmane, over mutual TLS on loopback; the tailing Verdict is a full
// `verdict serve --goldmane`. Both sides restart; every (key, bucket) must arrive exactly once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BUCKET_SECONDS, bucketStart, createSqliteStore, type Flow, type SqliteFlowStore } from '@verdict/flows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../../test/certs.ts';
import { eventually, flowBetween } from '../../test/fixtures.ts';
import { resolveConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { type RunningVerdict, startVerdict } from '../serve.ts';
import { createGoldmaneService } from './server.ts';
import type { TailStatus } from './tail.ts';
import { EMPTY_CURSOR, fileCursorStore, resumeFrom, trackCursor } from './tail-cursor.ts';

const at = (startTime: number, port: number) =>
  flowBetween('shop/frontend-*', 'shop/checkout-*', { destPort: port }, { startTime, endTime: startTime + 15 });

describe('the tail cursor', () => {
  it('takes each key once per bucket, and nothing from a bucket older than the newest', () => {
    const tracker = trackCursor(EMPTY_CURSOR);
    expect([at(1500, 1), at(1500, 2), at(1500, 1)].map((f) => tracker.admit(f))).toEqual([true, true, false]);
    expect([at(1515, 1), at(1500, 3)].map((f) => tracker.admit(f))).toEqual([true, false]);
    expect(tracker.snapshot()).toEqual({ bucket: 1515, keys: [expect.any(String)] });
  });

  it('resumes inside a partly taken bucket: its taken keys are skipped, the rest admitted', () => {
    const first = trackCursor(EMPTY_CURSOR);
    first.admit(at(1500, 1));
    first.admit(at(1515, 1));
    first.admit(at(1515, 2));
    // The stream broke here; the replay from bucket 1515 brings all of it again, and a key it missed.
    const again = trackCursor(first.snapshot());
    expect([at(1515, 1), at(1515, 2), at(1515, 3), at(1530, 1)].map((f) => again.admit(f))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it('asks for the cursor bucket, or the backfill window when there is none or it is older than Goldmane keeps', () => {
    expect(resumeFrom(EMPTY_CURSOR, 10_000, 3540)).toBe(-3540);
    expect(resumeFrom({ bucket: 9_000, keys: [] }, 10_000, 3540)).toBe(9_000);
    expect(resumeFrom({ bucket: 1_000, keys: [] }, 10_000, 3540)).toBe(-3540);
  });

  it('reads back what it saved, and ignores a damaged file or one kept for another Goldmane', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-cursor-'));
    const problems: string[] = [];
    const path = join(dir, 'cursor.json');
    const store = fileCursorStore(path, 'goldmane:7443', (m) => problems.push(m));
    expect(store.load()).toEqual(EMPTY_CURSOR);
    store.save({ bucket: 1515, keys: ['a', 'b'] });
    expect(store.load()).toEqual({ bucket: 1515, keys: ['a', 'b'] });
    expect(fileCursorStore(path, 'other:7443', (m) => problems.push(m)).load()).toEqual(EMPTY_CURSOR);
    for (const text of ['{', '[]', '{"version":1,"target":"goldmane:7443","bucket":-1,"keys":[]}']) {
      writeFileSync(path, text);
      expect(store.load()).toEqual(EMPTY_CURSOR);
    }
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('kept for Goldmane goldmane:7443, not other:7443');
    expect(problems[1]).toMatch(/cursor\.json: not a Goldmane cursor/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('verdict serve --goldmane against a second Verdict acting as Goldmane, over mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-tail-'));
  const file = (name: string) => join(dir, name);
  // Goldmane's clock: half an hour ago, on a bucket boundary, so the tailing Verdict (on the wall clock) keeps every flow.
  const base = bucketStart(Math.floor(Date.now() / 1000) - 1800);
  let clock = base + 1;
  let upstream: { port: number; store: SqliteFlowStore; close(): Promise<void> } | undefined;
  let tail: RunningVerdict | undefined;
  /** Every (key, bucket) Goldmane was given, each with 1 packet in. */
  let given = 0;

  async function startGoldmane(port = 0): Promise<NonNullable<typeof upstream>> {
    const store = createSqliteStore({ path: file('goldmane.db'), now: () => clock });
    const service = createGoldmaneService({
      store,
      ingest: async (flows) => {
        await store.ingest(flows);
        return undefined;
      },
    });
    const server = new grpc.Server();
    service.addTo(server);
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(file('ca.crt')),
      [{ cert_chain: readFileSync(file('goldmane.crt')), private_key: readFileSync(file('goldmane.key')) }],
      true,
    );
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, credentials, (error, p) => (error ? reject(error) : resolve(p))),
    );
    return {
      port: bound,
      store,
      async close() {
        service.close();
        server.forceShutdown();
        await store.close();
      },
    };
  }

  /** Gives Goldmane `keys` flows in the bucket `index` buckets after `base`, then rolls its clock past it so it is streamed. */
  async function flowsIn(index: number, keys: number): Promise<void> {
    const start = base + index * BUCKET_SECONDS;
    const flows: Flow[] = [];
    for (let k = 0; k < keys; k++) flows.push(at(start, 1000 + k));
    await upstream?.store.ingest(flows.map((f) => ({ ...f, packetsIn: 1 })));
    given += keys;
    clock = Math.max(clock, start + 2 * BUCKET_SECONDS + 1);
    upstream?.store.tick(clock);
  }

  async function startTail(): Promise<RunningVerdict> {
    const resolved = resolveConfig(
      {
        'data-dir': file('tail'),
        'http-port': '0',
        'grpc-port': '-1',
        goldmane: `127.0.0.1:${upstream?.port}`,
        'goldmane-ca': file('ca.crt'),
        'goldmane-cert': file('verdict.crt'),
        'goldmane-key': file('verdict.key'),
        'goldmane-server-name': 'goldmane.calico-system.svc',
      },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    return startVerdict(resolved.config, silentLogger);
  }

  /** Packets in over everything the tail stored: one per (key, bucket) it took. */
  async function taken(): Promise<number> {
    const all = await tail?.store.list({ range: { gte: base - 3600, lt: base + 7200 }, pageSize: 0 });
    return (all?.flows ?? []).reduce((sum, r) => sum + r.flow.packetsIn, 0);
  }

  async function tailStatus(): Promise<TailStatus> {
    const body = (await (await fetch(`${tail?.httpUrl}/readyz`)).json()) as { goldmane: TailStatus };
    return body.goldmane;
  }

  beforeAll(async () => {
    makeCa(dir);
    makeLeaf(dir, 'goldmane', ['DNS:goldmane.calico-system.svc']);
    makeLeaf(dir, 'verdict');
    upstream = await startGoldmane();
  });
  afterAll(async () => {
    await tail?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backfills what Goldmane holds, then follows it live', async () => {
    await flowsIn(0, 10);
    await flowsIn(1, 10);
    await flowsIn(2, 10);
    tail = await startTail();
    await eventually(async () => (await taken()) === 30, 15_000);
    expect((await tailStatus()).state).toBe('streaming');
    await flowsIn(3, 10);
    await eventually(async () => (await taken()) === 40, 15_000);
    expect(await tailStatus()).toMatchObject({ stored: 40, duplicates: 0, malformed: 0 });
  });

  it('after its own restart, takes what it missed and nothing twice', async () => {
    await tail?.close();
    await flowsIn(4, 10);
    await flowsIn(5, 7);
    tail = await startTail();
    await eventually(async () => (await taken()) === 57, 15_000);
    // The replay starts at the last bucket taken before the restart: its ten flows come again and are skipped.
    await eventually(async () => (await tailStatus()).duplicates === 10, 15_000);
    expect(await taken()).toBe(given);
    expect(await tailStatus()).toMatchObject({ stored: 17, state: 'streaming' });
  });

  it("after Goldmane's restart, reconnects with backoff and takes only what is new", async () => {
    const port = upstream?.port ?? 0;
    await upstream?.close();
    await eventually(async () => (await tailStatus()).state !== 'streaming', 15_000);
    const down = (await (await fetch(`${tail?.httpUrl}/readyz`)).json()) as { warnings: string[] };
    expect(down.warnings.join('\n')).toMatch(/Goldmane 127\.0\.0\.1:\d+: (connecting|retrying)/);
    upstream = await startGoldmane(port);
    await flowsIn(6, 5);
    await eventually(async () => (await taken()) === 62, 20_000);
    await eventually(async () => (await tailStatus()).duplicates === 17, 15_000);
    expect(await taken()).toBe(given);
    const status = await tailStatus();
    expect(status.state).toBe('streaming');
    expect(status.reconnects).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${tail?.httpUrl}/metrics`)).text();
    expect(metrics).toContain('verdict_goldmane_tail_state{state="streaming"} 1');
    expect(metrics).toMatch(/verdict_goldmane_tail_messages_total\{result="duplicate"\} 17/);
    expect(metrics).toMatch(/verdict_goldmane_tail_reconnects_total [1-9]/);
  });

  it('reports a Goldmane that refuses its certificate on /readyz, and stores nothing from it', async () => {
    await tail?.close();
    const resolved = resolveConfig(
      {
        store: 'memory',
        'http-port': '0',
        'grpc-port': '-1',
        goldmane: `127.0.0.1:${upstream?.port}`,
        'goldmane-ca': file('ca.crt'),
        'goldmane-server-name': 'goldmane.calico-system.svc',
      },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    tail = await startVerdict(resolved.config, silentLogger);
    await eventually(async () => (await tailStatus()).lastError !== undefined, 15_000);
    expect(await tailStatus()).toMatchObject({ state: expect.stringMatching(/connecting|retrying/), received: 0 });
    expect(await taken()).toBe(0);
  });
});

describe('--goldmane settings', () => {
  const errors = (flags: Record<string, unknown>) => {
    const resolved = resolveConfig(flags, {});
    return resolved.ok ? [] : resolved.errors.map((e) => `${e.where}: ${e.message}`);
  };
  it('needs host:port, TLS files that belong together, and no demo traffic beside it', () => {
    expect(errors({ goldmane: 'goldmane' })).toEqual(['--goldmane: expected host:port, got "goldmane"']);
    expect(errors({ 'goldmane-ca': 'ca.crt' })).toEqual(['--goldmane-ca: only used with --goldmane host:port']);
    expect(errors({ goldmane: 'g:7443', 'goldmane-cert': 'c' })).toEqual([
      '--goldmane-cert / --goldmane-key: give both the client certificate and its key, or neither',
      "--goldmane-ca: a client certificate is only sent over TLS: give the CA that signed Goldmane's certificate",
    ]);
    expect(errors({ goldmane: 'g:7443', 'demo-traffic': true })).toEqual([
      '--goldmane / --demo-traffic: exclusive: flows come from Goldmane or from the demo generator, not both',
    ]);
    const resolved = resolveConfig({ goldmane: '[::1]:7443' }, {});
    expect(resolved.ok && resolved.config.demoTraffic).toBe(false);
  });
});
