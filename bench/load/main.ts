// 60 s of mixed load on one `verdict serve` (SQLite store, its own process, loopback): NDJSON ingest
// over HTTP and Felix-style pushes over gRPC as fast as the server acknowledges them (closed loops,
// so the rate is the sustainable one), while clients query and SSE readers follow the stream.
// Prints acknowledged vs stored (packet counts: each flow carries one packet, so aggregation keeps
// the sum), SSE delivered vs stored (or the gaps announced), the server's peak RSS and query p99.
// The floor is a bare node:http server taking the same NDJSON posts in this run.
//   npx tsx bench/load/main.ts [--seconds 60] [--http-clients 4] [--grpc-streams 50] [--readers 2]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { flowBetween } from '../../packages/flows/src/fixtures.ts';
import { flowToProto, loadGoldmaneGrpc } from '../../packages/server/src/goldmane/index.ts';
import { printRows } from '../shared/floor.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'http-clients': { type: 'string', default: '4' },
    'grpc-streams': { type: 'string', default: '50' },
    readers: { type: 'string', default: '2' },
  },
});
const SECONDS = Number(values.seconds);
const HTTP_CLIENTS = Number(values['http-clients']);
const GRPC_STREAMS = Number(values['grpc-streams']);
const READERS = Number(values.readers);
const BATCH = 500;
const repo = join(import.meta.dirname, '../..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** A batch of raw flows from an outside scanner to a demo node, one packet each, over 1,000 ports. */
function batchBody(offset: number): string {
  const now = Math.floor(Date.now() / 1000);
  const lines: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    lines.push(
      JSON.stringify({
        source: { ip: '198.51.100.77' },
        destination: { ip: '10.0.0.12' },
        protocol: 'TCP',
        port: 1 + ((offset + i) % 1000),
        startTime: now,
        packetsIn: 1,
      }),
    );
  }
  return lines.join('\n');
}

/** Posts batches until `deadline`; returns flows acknowledged (`stored` of each reply). */
async function httpLoop(url: string, deadline: number, client: number): Promise<number> {
  let acknowledged = 0;
  for (let n = 0; performance.now() < deadline; n++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: batchBody(client * 7919 + n * BATCH),
    });
    const reply = (await response.json()) as { stored?: number };
    acknowledged += reply.stored ?? 0;
  }
  return acknowledged;
}

// Floor: a bare HTTP server that reads the body and counts its lines.
const floorServer = createHttpServer((req, res) => {
  let lines = 0;
  req.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 10) lines++;
  });
  req.on('end', () => res.end(JSON.stringify({ stored: lines + 1 })));
});
await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
const floorUrl = `http://127.0.0.1:${(floorServer.address() as { port: number }).port}/`;
const floorSeconds = 5;
const floorStart = performance.now();
const floorCounts = await Promise.all(
  Array.from({ length: HTTP_CLIENTS }, (_, c) => httpLoop(floorUrl, floorStart + floorSeconds * 1000, c)),
);
const floorRate = floorCounts.reduce((a, b) => a + b, 0) / ((performance.now() - floorStart) / 1000);
floorServer.close();

// The server under load, in its own process.
const httpPort = await freePort();
const grpcPort = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'verdict-load-'));
const server: ChildProcess = spawn(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), join(repo, 'packages/cli/src/main.ts'), 'serve'],
  {
    cwd: dataDir,
    env: {
      ...process.env,
      VERDICT_STORE: 'sqlite',
      VERDICT_DATA_DIR: dataDir,
      VERDICT_HTTP_PORT: String(httpPort),
      VERDICT_GRPC_PORT: String(grpcPort),
      VERDICT_GRPC_HOST: '127.0.0.1',
      VERDICT_DEMO_TRAFFIC: 'false',
      VERDICT_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const base = `http://127.0.0.1:${httpPort}`;
for (let tries = 0; ; tries++) {
  const up = await fetch(`${base}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (tries > 600) throw new Error('verdict serve did not become ready in 60 s');
  await new Promise((wake) => setTimeout(wake, 100));
}

/**
 * SSE reader of the whisker-backend stream: the packets of the flows it delivered (one per acknowledged
 * flow, summed by aggregation) and the number of flows gaps announced.
 */
function reader(stop: AbortSignal): Promise<{ delivered: number; missed: number }> {
  return (async () => {
    let delivered = 0;
    let missed = 0;
    try {
      const response = await fetch(`${base}/whisker-backend/flows?watch=true`, { signal: stop });
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        const events = pending.split('\n\n');
        pending = events.pop() ?? '';
        for (const event of events) {
          const data = event.split('\n').find((l) => l.startsWith('data:'));
          if (data === undefined) continue;
          if (event.includes('event: gap')) missed += (JSON.parse(data.slice(5)) as { missed: number }).missed;
          else delivered += (JSON.parse(data.slice(5)) as { packets_in: number }).packets_in;
        }
      }
    } catch {
      // aborted at the end of the run
    }
    return { delivered, missed };
  })();
}

/** Queries in a closed loop until `deadline`; returns each latency in ms. */
async function queryLoop(deadline: number, client: number): Promise<number[]> {
  const paths = [
    '/api/v1/flows?pageSize=100',
    '/whisker-backend/flows?pageSize=100&startTimeGte=-300',
    `/api/v1/flows?pageSize=50&filters=${encodeURIComponent(JSON.stringify({ destPorts: [80 + client] }))}`,
    '/whisker-backend/flows-filter-hints?type=DestName',
  ];
  const latencies: number[] = [];
  for (let n = 0; performance.now() < deadline; n++) {
    const started = performance.now();
    const response = await fetch(`${base}${paths[n % paths.length]}`);
    await response.arrayBuffer();
    if (response.status >= 500) throw new Error(`query answered ${response.status}`);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

type Duplex = grpc.ClientDuplexStream<unknown, unknown>;
const { FlowCollector } = loadGoldmaneGrpc();
const collector = new FlowCollector(
  `127.0.0.1:${grpcPort}`,
  grpc.credentials.createInsecure(),
) as unknown as grpc.Client & {
  connect(): Duplex;
};
/** One Felix-style stream, stop-and-wait; returns receipts. */
function grpcLoop(deadline: number, stream: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = collector.connect();
    let acknowledged = 0;
    const next = () => {
      if (performance.now() >= deadline) return void call.end();
      const now = Math.floor(Date.now() / 1000);
      const i = stream * 131 + acknowledged;
      const flow = flowBetween(`tenant-${stream % 40}/web-${i % 7}`, `tenant-${i % 40}/api-${i % 11}`, {
        destPort: 8000 + (i % 50),
        startTime: now,
        endTime: now,
        reporter: 'Src',
      });
      call.write({ flow: flowToProto({ ...flow, packetsIn: 1 }) });
    };
    call.on('data', () => {
      acknowledged++;
      next();
    });
    call.on('end', () => resolve(acknowledged));
    call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve(acknowledged) : reject(e)));
    next();
  });
}

const rssPeak = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
};

const stopReaders = new AbortController();
const readers = Array.from({ length: READERS }, () => reader(stopReaders.signal));
await new Promise((wake) => setTimeout(wake, 500));
const started = performance.now();
const deadline = started + SECONDS * 1000;
const [httpCounts, grpcCounts, latencies] = await Promise.all([
  Promise.all(Array.from({ length: HTTP_CLIENTS }, (_, c) => httpLoop(`${base}/api/v1/ingest`, deadline, c))),
  Promise.all(Array.from({ length: GRPC_STREAMS }, (_, s) => grpcLoop(deadline, s))),
  Promise.all([0, 1].map((c) => queryLoop(deadline, c))),
]);
const elapsed = (performance.now() - started) / 1000;
collector.close();
const httpAcked = httpCounts.reduce((a, b) => a + b, 0);
const grpcAcked = grpcCounts.reduce((a, b) => a + b, 0);
const acknowledged = httpAcked + grpcAcked;

/** Packets over every stored flow of the last 10 minutes (one packet per acknowledged flow). */
async function storedPackets(): Promise<number> {
  let packets = 0;
  for (let page = 0; ; page++) {
    const response = await fetch(`${base}/whisker-backend/flows?startTimeGte=-600&pageSize=10000&page=${page}`);
    const body = (await response.json()) as { total: { totalPages: number }; items: { packets_in: number }[] };
    for (const f of body.items) packets += f.packets_in;
    if (page + 1 >= body.total.totalPages) return packets;
  }
}
// The stream sends a bucket at the rollover after the one that completed it (Goldmane's delay), so up
// to 30 s after the bucket's end: wait for that before comparing.
await new Promise((wake) => setTimeout(wake, 35_000));
const stored = await storedPackets();
stopReaders.abort();
const streams = await Promise.all(readers);
const peak = rssPeak();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(dataDir, { recursive: true, force: true });

const sorted = latencies.flat().sort((a, b) => a - b);
const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
console.log(
  `acknowledged ${acknowledged} flows (HTTP ${httpAcked}, gRPC ${grpcAcked}) · stored ${stored} · ${acknowledged === stored ? 'equal' : 'NOT EQUAL'}`,
);
for (const [i, s] of streams.entries())
  console.log(
    `SSE reader ${i + 1}: delivered ${s.delivered} of ${stored} stored packets (flows) · gaps announced ${s.missed} flows · ${s.delivered === stored ? 'equal' : s.missed > 0 ? 'gaps announced' : 'NOT equal, no gap announced'}`,
  );
printRows([
  {
    measure: `ingest, HTTP (${HTTP_CLIENTS} clients × ${BATCH}-line posts) + gRPC (${GRPC_STREAMS} streams), with queries and ${READERS} SSE readers, ${SECONDS} s`,
    figure: acknowledged / elapsed,
    unit: 'flows/s',
    floor: floorRate,
    floorName: 'bare node:http taking the same posts',
  },
  {
    measure: 'query p99 under that load (4 list/hint queries in turn, 2 clients)',
    figure: p99,
    unit: 'ms',
    lowerIsBetter: true,
  },
  { measure: 'server peak RSS (VmHWM)', figure: peak / 1024 / 1024, unit: 'MiB', lowerIsBetter: true },
]);
process.exit(acknowledged === stored ? 0 : 1);
