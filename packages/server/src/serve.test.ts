// `verdict serve` end to end: the real demo, real sockets, the real SQLite file, a real kill -9.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from './config.ts';
import { silentLogger } from './log.ts';
import { type RunningVerdict, startVerdict } from './serve.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function configOf(flags: Record<string, unknown>) {
  const resolved = resolveConfig(flags, {});
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  return resolved.config;
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until<T>(probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${seconds} s`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

describe('verdict serve on the embedded demo', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    verdict = await startVerdict(configOf({ store: 'memory', 'http-port': '0', 'grpc-port': '0' }), silentLogger);
  });
  afterAll(() => verdict?.close());

  it('serves demo flows on the whisker-backend API, with traces and [] for empty lists', async () => {
    const body = await until(async () => {
      const response = await fetch(`${verdict.httpUrl}/whisker-backend/flows?startTimeGte=-900`);
      const json = (await response.json()) as {
        total: { totalResults: number };
        items: { policies: { enforced: unknown[] } }[];
      };
      return json.items.length > 0 ? json : undefined;
    }, 30);
    expect(body.total.totalResults).toBe(body.items.length);
    expect(Array.isArray(body.items[0]?.policies.enforced)).toBe(true);
  });

  it('serves the same flows on the REST API, and health and metrics', async () => {
    const list = (await (await fetch(`${verdict.httpUrl}/api/v1/flows?start=-900&pageSize=5`)).json()) as {
      items: { pendingAction: string }[];
    };
    expect(list.items.length).toBeGreaterThan(0);
    expect((await fetch(`${verdict.httpUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${verdict.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/verdict_ingest_flows_total\{source="demo"\} \d+/);
  });

  it('ingests NDJSON over HTTP and reports bad lines by number without dropping good ones', async () => {
    const lines = [
      JSON.stringify({ source: { namespace: 'storefront', name: 'nope' }, destination: { ip: '10.0.0.1' }, port: 80 }),
      'not json',
      JSON.stringify({ source: { ip: '203.0.113.5' }, destination: { ip: '10.0.0.11' }, protocol: 'TCP', port: 22 }),
    ];
    const response = await fetch(`${verdict.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.join('\n'),
    });
    const report = (await response.json()) as {
      stored: number;
      rejected: number;
      errors: { line: number; message: string }[];
    };
    expect(report.errors.map((error) => error.line)).toEqual([1, 2]);
    expect(report.errors[0]?.message).toContain('storefront/nope');
    expect(report.stored).toBe(1);
  });
});

describe('configuration', () => {
  it('names the flag, variable or file setting that is wrong and what was expected', () => {
    const resolved = resolveConfig(
      { 'http-port': 'eighty' },
      { VERDICT_STORE: 'postgres' },
      { name: 'verdict.yaml', text: 'retentionDays: 0\ncolour: blue\n' },
    );
    expect(resolved.ok ? [] : resolved.errors).toEqual([
      {
        code: 'invalid-value',
        where: 'verdict.yaml: retentionDays',
        message: 'expected a whole number of days, 1-3650, got 0',
      },
      { code: 'unknown-field', where: 'verdict.yaml: colour', message: expect.stringContaining('unknown setting') },
      {
        code: 'invalid-value',
        where: 'VERDICT_STORE',
        message: 'expected memory or sqlite or clickhouse, got "postgres"',
      },
      { code: 'invalid-value', where: '--http-port', message: 'expected a port number 0-65535, got "eighty"' },
    ]);
  });

  it('reads each kind of value from strings and from the file, with coded issues for what does not fit', () => {
    const resolved = resolveConfig(
      { 'grpc-port': '-1', cors: ['http://a', 'http://b'], 'allow-writes': 'true' },
      { VERDICT_RETENTION_DAYS: '7', VERDICT_CLUSTER: 'a.yaml,b.yaml' },
      { name: 'verdict.yaml', text: 'demoTraffic: false\nhttpPort: 8081\n' },
    );
    expect(resolved.ok && resolved.config).toMatchObject({
      grpcPort: -1,
      cors: ['http://a', 'http://b'],
      allowWrites: true,
      retentionDays: 7,
      cluster: ['a.yaml', 'b.yaml'],
      demoTraffic: false,
      httpPort: 8081,
    });
    const bad = resolveConfig(
      { 'grpc-port': '-2', 'allow-writes': 'maybe', 'clickhouse-url': 'clickhouse:8123' },
      {},
      { name: 'verdict.yaml', text: '[1, 2]' },
    );
    expect(bad.ok ? [] : bad.errors.map((e) => [e.code, e.where])).toEqual([
      ['not-an-object', 'verdict.yaml'],
      ['invalid-value', '--clickhouse-url'],
      ['invalid-value', '--grpc-port'],
      ['invalid-value', '--allow-writes'],
    ]);
  });
});

describe('durability on SQLite', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-crash-'));
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function serveChild(port: number): Promise<ChildProcess> {
    const started = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/cli/src/main.ts',
        'serve',
        '--store',
        'sqlite',
        '--db',
        join(dir, 'v.db'),
        '--http-port',
        String(port),
        '--grpc-port=-1',
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    await until(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 60);
    return started;
  }

  it('loses no acknowledged flow to kill -9, and keeps history across the restart', async () => {
    const port = await freePort();
    child = await serveChild(port);
    const now = Math.floor(Date.now() / 1000);
    // Flows from an external scanner to each node: distinct keys the demo never produces.
    const acknowledged: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const lines = Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({
          source: { ip: '198.51.100.77' },
          destination: { ip: '10.0.0.12' },
          protocol: 'TCP',
          port: 20000 + batch * 200 + i,
          startTime: now - 60,
        }),
      );
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
      });
      if (response.ok) acknowledged.push(...lines.map((_, i) => 20000 + batch * 200 + i));
    }
    child.kill('SIGKILL');
    await new Promise((done) => child?.once('exit', done));
    expect(acknowledged).toHaveLength(1000);

    child = await serveChild(port);
    const filters = encodeURIComponent(
      JSON.stringify({ destNames: [{ value: 'node-2', type: 'Exact' }], destPortRanges: [{ min: 20000, max: 20999 }] }),
    );
    const list = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/flows?start=-3600&pageSize=2000&filters=${filters}`)
    ).json()) as {
      items: { destPort: number }[];
    };
    const stored = new Set(list.items.map((flow) => flow.destPort));
    expect(acknowledged.filter((port) => !stored.has(port))).toEqual([]);
  }, 180_000);
});
