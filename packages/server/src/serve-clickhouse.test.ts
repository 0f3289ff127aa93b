// `verdict serve --store clickhouse` end to end: a real clickhouse-server on loopback, the demo's
// traffic through the real pipeline, the REST API over a real socket, and ClickHouse going away.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalClickHouse, startLocalClickHouse } from '@verdict/flows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from './config.ts';
import { silentLogger } from './log.ts';
import { type RunningVerdict, startVerdict } from './serve.ts';

async function until<T>(probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${seconds} s`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

describe('verdict serve --store clickhouse', () => {
  /** The local buffer's gauges, as a Prometheus scrape shows them. */
  async function bufferMetrics(): Promise<Record<string, number>> {
    const text = await (await fetch(`${verdict.httpUrl}/metrics`)).text();
    const samples = [...text.matchAll(/^(verdict_store_(?:buffer_\w+|writable)) (\S+)$/gm)];
    return Object.fromEntries(samples.map(([, name, value]) => [name as string, Number(value)]));
  }
  let clickhouse: LocalClickHouse;
  let verdict: RunningVerdict;
  const dir = mkdtempSync(join(tmpdir(), 'verdict-serve-ch-'));
  beforeAll(async () => {
    clickhouse = await startLocalClickHouse();
    writeFileSync(join(dir, 'password'), '\n');
    const resolved = resolveConfig(
      {
        store: 'clickhouse',
        'clickhouse-url': clickhouse.url,
        'clickhouse-database': 'serve_test',
        'clickhouse-user': 'default',
        'clickhouse-password-file': join(dir, 'password'),
        'cluster-name': 'prod-eu',
        'data-dir': dir,
        'http-port': '0',
        'grpc-port': '-1',
      },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    verdict = await startVerdict(resolved.config, silentLogger);
  }, 60_000);
  afterAll(async () => {
    await verdict?.close();
    await clickhouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses --store clickhouse without a server address', () => {
    const resolved = resolveConfig({ store: 'clickhouse' }, {});
    expect(resolved.ok ? [] : resolved.errors.map((e) => e.where)).toEqual(['--store clickhouse']);
  });

  it('stores the demo traffic in ClickHouse under the cluster name and serves it', async () => {
    const list = await until(async () => {
      const r = (await (await fetch(`${verdict.httpUrl}/api/v1/flows?start=-900&pageSize=5`)).json()) as {
        total: { totalResults: number };
        items: { sourceIps: string[] }[];
      };
      return r.items.length > 0 ? r : undefined;
    }, 60);
    expect(list.items.length).toBeGreaterThan(0);
    const clusters = await (
      await fetch(`${clickhouse.url}/?database=serve_test`, {
        method: 'POST',
        body: 'SELECT DISTINCT cluster FROM flow_windows FORMAT TSV',
      })
    ).text();
    expect(clusters.trim()).toBe('prod-eu');
    expect((await fetch(`${verdict.httpUrl}/readyz`)).status).toBe(200);
  }, 90_000);

  it('says not ready for writes while ClickHouse is gone, keeps serving the UI, and is ready again once it returns', async () => {
    await clickhouse.kill();
    const notReady = await until(async () => {
      const r = await fetch(`${verdict.httpUrl}/readyz`);
      return r.status === 503 ? ((await r.json()) as { status: string }) : undefined;
    }, 60);
    expect(notReady.status).toBe('not-ready-for-writes');
    expect((await fetch(`${verdict.httpUrl}/livez`)).status).toBe(200);
    const buffering = await until(async () => {
      const m = await bufferMetrics();
      return m.verdict_store_buffer_batches > 0 ? m : undefined;
    }, 60);
    expect(buffering.verdict_store_writable).toBe(0);
    expect(buffering.verdict_store_buffer_bytes).toBeGreaterThan(0);
    expect(buffering.verdict_store_buffer_limit_bytes).toBe(1024 * 2 ** 20);
    await clickhouse.restart();
    const ready = await until(async () => {
      const r = await fetch(`${verdict.httpUrl}/readyz`);
      return r.status === 200 ? r.status : undefined;
    }, 60);
    expect(ready).toBe(200);
    const drained = await bufferMetrics();
    expect([
      drained.verdict_store_buffer_batches,
      drained.verdict_store_buffer_bytes,
      drained.verdict_store_writable,
    ]).toEqual([0, 0, 1]);
  }, 150_000);
});
