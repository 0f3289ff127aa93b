// Issue #12 "nothing acknowledged ever lost": `verdict serve` with the SQLite store is killed with
// SIGKILL at seeded random moments while flows arrive over HTTP (NDJSON) and gRPC (Felix push),
// 20 times on one data folder; after the last restart every acknowledged flow is there.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { flowBetween } from '../test/fixtures.ts';
import { freePort, listening, NDJSON, type Spawned, scannerLine, spawnServe } from '../test/harness.ts';
import { flowToProto, loadGoldmaneGrpc } from './goldmane/index.ts';

const ROUNDS = 20;
const PORTS_PER_ROUND = 3000;
const SEED = Number(process.env.KILL_SEED ?? 20261206);

/** mulberry32: a small seeded generator, so a failing run can be repeated with KILL_SEED. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'verdict-kill9-'));
let server: Spawned | undefined;
afterAll(() => {
  server?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Acked {
  /** `source namespace:port` of every flow the server acknowledged. */
  keys: Set<string>;
  http: number;
  grpc: number;
}

/** Posts batches of scanner lines (ports from `first`) until the server dies. */
async function httpIngest(url: string, first: number, count: number, startTime: number, acked: Acked): Promise<void> {
  for (let port = first; port < first + count; port += 25) {
    const ports = Array.from({ length: Math.min(25, first + count - port) }, (_, i) => port + i);
    let reply: { stored: number; rejected: number };
    try {
      const response = await fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: NDJSON,
        body: ports.map((p) => scannerLine(p, startTime)).join('\n'),
      });
      if (response.status !== 200) return;
      reply = (await response.json()) as { stored: number; rejected: number };
    } catch {
      return; // killed mid-request: nothing in this batch was acknowledged
    }
    expect(reply).toMatchObject({ stored: ports.length, rejected: 0 });
    for (const p of ports) acked.keys.add(`-:${p}`);
    acked.http += ports.length;
  }
}

/** Felix's push: one flow, wait for its receipt, the next; until the server dies. */
async function grpcIngest(address: string, first: number, count: number, startTime: number, acked: Acked) {
  const { FlowCollector } = loadGoldmaneGrpc();
  const client = new FlowCollector(address, grpc.credentials.createInsecure());
  const call = (client as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
  call.on('error', () => {});
  try {
    for (let port = first; port < first + count; port++) {
      const flow = flowBetween(
        'shop/frontend-*',
        'shop/checkout-*',
        { destPort: port },
        { startTime, endTime: startTime },
      );
      const receipt = Promise.race([
        once(call, 'data').then(() => true),
        once(call, 'error').then(() => false),
        once(call, 'end').then(() => false),
      ]);
      call.write({ flow: flowToProto(flow) });
      if (!(await receipt.catch(() => false))) return;
      acked.keys.add(`shop:${port}`);
      acked.grpc++;
    }
  } finally {
    call.cancel();
    client.close();
  }
}

async function start(httpPort: number, grpcPort: number): Promise<Spawned> {
  const spawned = spawnServe([
    '--store=sqlite',
    '--data-dir',
    dir,
    '--no-demo-traffic',
    '--http-port',
    String(httpPort),
    '--grpc-host=127.0.0.1',
    '--grpc-port',
    String(grpcPort),
  ]);
  await listening(`http://127.0.0.1:${httpPort}`);
  return spawned;
}

/** Every flow the store lists for the last hour, as `source namespace:port`. */
async function storedKeys(url: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let page = 0; ; page++) {
    const response = await fetch(`${url}/whisker-backend/flows?startTimeGte=-3600&pageSize=10000&page=${page}`);
    const body = (await response.json()) as {
      total: { totalPages: number };
      items: { source_namespace: string; dest_port: number }[];
    };
    for (const f of body.items) keys.add(`${f.source_namespace}:${f.dest_port}`);
    if (page + 1 >= body.total.totalPages) return keys;
  }
}

describe('#12 kill -9 during ingest', () => {
  it(`SIGKILL at ${ROUNDS} seeded random moments during HTTP and gRPC ingest loses no acknowledged flow`, async () => {
    const random = seeded(SEED);
    const acked: Acked = { keys: new Set(), http: 0, grpc: 0 };
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const url = `http://127.0.0.1:${httpPort}`;
    const startTime = Math.floor(Date.now() / 1000) - 30;
    for (let round = 0; round < ROUNDS; round++) {
      server = await start(httpPort, grpcPort);
      const first = 1 + round * PORTS_PER_ROUND;
      const half = PORTS_PER_ROUND / 2;
      const ingest = Promise.all([
        httpIngest(url, first, half, startTime, acked),
        grpcIngest(`127.0.0.1:${grpcPort}`, first + half, half, startTime, acked),
      ]);
      await new Promise((wake) => setTimeout(wake, 50 + Math.floor(random() * 1200)));
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      await ingest;
    }
    server = await start(httpPort, grpcPort);
    const stored = await storedKeys(url);
    const missing = [...acked.keys].filter((k) => !stored.has(k));
    expect(acked.http).toBeGreaterThan(0);
    expect(acked.grpc).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    console.log(
      `kill -9 x${ROUNDS}: acknowledged ${acked.http} over HTTP and ${acked.grpc} over gRPC; stored ${stored.size} (in-flight ones may be stored too)`,
    );
  }, 600_000);
});
