// Regression tests for issue #12 "Data loss": each test is named after the defect it reproduces, against
// `verdict serve` over real sockets and real files (spawned processes where the defect is about the process).
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createSqliteStore } from '@verdict/flows';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flowBetween } from '../test/fixtures.ts';
import {
  freePort,
  listening,
  NDJSON,
  ROOT,
  type Spawned,
  scannerLine,
  spawnServe,
  startQuiet,
  until,
} from '../test/harness.ts';
import { flowToProto, loadGoldmaneGrpc } from './goldmane/index.ts';
import type { RunningVerdict } from './serve.ts';

interface IngestReply {
  stored: number;
  rejected: number;
  errors: { line: number; code: string; message: string }[];
}

const post = async (url: string, lines: string[]) => {
  const response = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: NDJSON, body: lines.join('\n') });
  return {
    status: response.status,
    body: (await response.json()) as IngestReply & { error?: { code: string; message: string } },
  };
};

/** Output lines that are not JSON log records: what a person reads. */
const humanLines = (output: string) =>
  output
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('{'));

const metric = async (url: string, pattern: RegExp) =>
  Number(pattern.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0);

describe('#12 flows outside the accepted time range', () => {
  let verdict: RunningVerdict;
  afterEach(() => verdict?.close());

  it('a flow 60 s ahead of the clock is rejected in the reply and counted, not acknowledged and dropped', async () => {
    verdict = await startQuiet();
    const now = Math.floor(Date.now() / 1000);
    const reply = await post(verdict.httpUrl, [scannerLine(40_001, now - 30), scannerLine(40_002, now + 60)]);
    expect(reply.body.stored).toBe(1); // a flow from outside the cluster is reported by its destination only
    expect(reply.body.rejected).toBe(1);
    expect(reply.body.errors).toEqual([
      { line: 2, code: 'out-of-range', message: expect.stringContaining("check the sender's clock") },
    ]);
    expect(
      await metric(verdict.httpUrl, /verdict_ingest_dropped_total\{source="ndjson",reason="out-of-range"\} (\d+)/),
    ).toBe(1);
  });

  it('--max-clock-skew accepts a node whose clock runs ahead by that much', async () => {
    verdict = await startQuiet({ 'max-clock-skew': '120' });
    const now = Math.floor(Date.now() / 1000);
    const reply = await post(verdict.httpUrl, [scannerLine(40_003, now + 60)]);
    expect(reply.body).toMatchObject({ stored: 1, rejected: 0 });
  });

  it('a Felix flow from a node 60 s ahead gets no FlowReceipt: the stream ends OUT_OF_RANGE naming the reason', async () => {
    verdict = await startQuiet({ 'grpc-port': '0' });
    const { FlowCollector } = loadGoldmaneGrpc();
    const client = new FlowCollector(verdict.grpcAddress as string, grpc.credentials.createInsecure());
    const call = (client as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    let receipts = 0;
    call.on('data', () => receipts++);
    const ended = once(call, 'error').then(([e]) => e as grpc.ServiceError);
    const now = Math.floor(Date.now() / 1000);
    call.write({ flow: flowToProto(flowBetween('shop/a', 'shop/b', {}, { startTime: now + 60, endTime: now + 75 })) });
    const error = await ended;
    expect(error.code).toBe(grpc.status.OUT_OF_RANGE);
    expect(error.details).toContain('outside the accepted range');
    expect(receipts).toBe(0);
    client.close();
  });
});

describe('#12 a second verdict serve on the same data folder', () => {
  let dir: string;
  let first: Spawned | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-lock-'));
  });
  afterAll(() => {
    first?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with one line naming the holder, and a lock left by kill -9 is taken over', async () => {
    const port = await freePort();
    const args = ['--data-dir', dir, '--grpc-port=-1', '--no-demo-traffic'];
    first = spawnServe([...args, '--http-port', String(port)]);
    await listening(`http://127.0.0.1:${port}`);
    const second = spawnServe([...args, '--http-port', String(await freePort())]);
    expect(await second.exited).toBe(2);
    const lines = humanLines(second.output());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${dir} is in use by verdict pid ${first.child.pid}`);
    expect(lines[0]).toContain(`serving http://127.0.0.1:${port}`);

    first.child.kill('SIGKILL');
    await first.exited;
    const port2 = await freePort();
    first = spawnServe([...args, '--http-port', String(port2)]);
    await listening(`http://127.0.0.1:${port2}`);
    expect((await fetch(`http://127.0.0.1:${port2}/readyz`)).status).toBe(200);
  }, 180_000);
});

describe('#12 a SQLite file with a corrupted page', () => {
  let dir: string;
  let server: Spawned | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-corrupt-'));
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts not ready, refuses writes naming the file and verdict db check|repair, and repair brings it back', async () => {
    const db = join(dir, 'verdict.db');
    const now = Math.floor(Date.now() / 1000);
    const store = createSqliteStore({ path: db });
    for (let b = 0; b < 20; b++) {
      await store.ingest(
        Array.from({ length: 500 }, (_, i) =>
          flowBetween('shop/a', `shop/b${b * 500 + i}`, {}, { startTime: now - 120 }),
        ),
      );
    }
    await store.close();
    // Overwrite the middle pages with garbage (the header stays intact).
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = spawnServe(['--data-dir', dir, '--grpc-port=-1', '--no-demo-traffic', '--http-port', String(port)]);
    await listening(url);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const why = (await ready.json()) as { cause: string; message: string };
    expect(why.cause).toBe('corrupt');
    expect(why.message).toContain(db);
    expect(why.message).toContain(`verdict db check ${db}`);
    expect(why.message).toContain('verdict db repair');
    const refused = await post(url, [scannerLine(40_010, now - 30)]);
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('not-ready');
    server.child.kill('SIGTERM');
    await server.exited;

    const verdict = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'db', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    const check = verdict(['check', db]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('damaged');
    const repair = verdict(['repair', db]);
    expect(repair.stdout).toMatch(/keys: \d+ rows kept/);
    expect(verdict(['check', db]).status).toBe(0);

    server = spawnServe(['--data-dir', dir, '--grpc-port=-1', '--no-demo-traffic', '--http-port', String(port)]);
    await listening(url);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await post(url, [scannerLine(40_011, now - 30)])).body.stored).toBe(1);
  }, 180_000);

  it('a file that is not a database at all stops start-up with one line naming it and the fix', async () => {
    const other = join(dir, 'garbage');
    mkdirSync(other);
    writeFileSync(join(other, 'verdict.db'), 'this is not a SQLite file, it only has the name of one'.repeat(100));
    const started = spawnServe(['--data-dir', other, '--grpc-port=-1', '--no-demo-traffic', '--http-port', '0']);
    expect(await started.exited).toBe(2);
    const lines = humanLines(started.output());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(other, 'verdict.db'));
    expect(lines[0]).toContain('verdict db check');
  }, 60_000);
});

/** Mounts a tmpfs of `size` (root only); undefined when this machine does not allow it. */
function mountTmpfs(dir: string, size: string, readOnly = false): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

const canMount = (() => {
  const probe = mkdtempSync(join(tmpdir(), 'verdict-mount-'));
  const ok = mountTmpfs(probe, '1m');
  if (ok) execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return ok;
})();

// Needs root to mount a small tmpfs (the CI container runs as root); elsewhere there is no honest way
// to fill a disk without filling the machine's.
describe.skipIf(!canMount)('#12 disk full and read-only data folders (small tmpfs mounts)', () => {
  let dir: string;
  let verdict: RunningVerdict | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-full-'));
  });
  afterAll(async () => {
    await verdict?.close();
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('disk full: ingest answers 503 naming the cause, /readyz is not ready, and both recover when space returns', async () => {
    expect(mountTmpfs(dir, '4m')).toBe(true);
    verdict = await startQuiet({ store: 'sqlite', 'data-dir': dir });
    const filler = join(dir, 'filler');
    // Leave the database a little room, then fill the rest.
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    const now = Math.floor(Date.now() / 1000);
    let full: Awaited<ReturnType<typeof post>> | undefined;
    const acknowledged: number[] = [];
    for (let batch = 0; batch < 200 && !full; batch++) {
      const ports = Array.from({ length: 200 }, (_, i) => 1000 + batch * 200 + i);
      const reply = await post(
        verdict.httpUrl,
        ports.map((p) => scannerLine(p, now - 30)),
      );
      if (reply.status === 503) full = reply;
      else acknowledged.push(...ports);
    }
    expect(full?.body.error?.code).toBe('not-ready');
    expect(full?.body.error?.message).toContain('disk is full');
    const ready = await fetch(`${verdict.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { cause: string }).cause).toBe('disk-full');

    rmSync(filler);
    // The pipeline lets one probe write through every 2 s while the store is faulty.
    const url = verdict.httpUrl;
    const after = await until(async () => {
      const reply = await post(url, [scannerLine(65_000, now - 30)]);
      return reply.status === 200 ? reply : undefined;
    }, 30);
    expect(after.body.stored).toBe(1);
    expect((await fetch(`${verdict.httpUrl}/readyz`)).status).toBe(200);
    // Nothing acknowledged is missing.
    const list = (await (
      await fetch(
        `${verdict.httpUrl}/api/v1/flows?start=-600&pageSize=10000&filters=${encodeURIComponent(JSON.stringify({ destNames: [{ value: 'node-2', type: 'Exact' }], destPortRanges: [{ min: 1000, max: 64999 }] }))}`,
      )
    ).json()) as { items: { destPort: number }[] };
    const stored = new Set(list.items.map((f) => f.destPort));
    expect(acknowledged.filter((p) => !stored.has(p))).toEqual([]);
  }, 180_000);

  it('a read-only data folder stops start-up with one line naming the file and the fix', async () => {
    const ro = mkdtempSync(join(tmpdir(), 'verdict-ro-'));
    try {
      expect(mountTmpfs(ro, '1m', true)).toBe(true);
      const started = spawnServe(['--data-dir', ro, '--grpc-port=-1', '--no-demo-traffic', '--http-port', '0']);
      expect(await started.exited).toBe(2);
      const lines = humanLines(started.output());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(ro);
      expect(lines[0]).toContain('writable --data-dir');
    } finally {
      spawnSync('umount', [ro]);
      rmSync(ro, { recursive: true, force: true });
    }
  }, 60_000);
});
