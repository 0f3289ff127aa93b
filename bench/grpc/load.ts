// Felix-scale load on Goldmane's FlowCollector: N simulated nodes, each holding one stream and sending
// stop-and-wait as Felix does (the next flow only after the receipt of the last), against a real
// `verdict serve` in its own process. The floor is a bare gRPC echo of the same encoded messages over
// the same number of streams on this machine in this run.
//   npx tsx bench/grpc/load.ts [--nodes 450] [--seconds 20] [--target host:port]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { Flow } from '@verdict/flows';
import { flowBetween } from '../../packages/flows/src/fixtures.ts';
import { flowToProto, loadGoldmaneGrpc } from '../../packages/server/src/goldmane/index.ts';
import { printRows } from '../shared/floor.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '450' },
    seconds: { type: 'string', default: '20' },
    target: { type: 'string' },
  },
});
const NODES = Number(values.nodes);
const SECONDS = Number(values.seconds);
const repo = join(import.meta.dirname, '../..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Each node reports its own pods' flows: distinct keys per node, fresh start times. */
function flowsOfNode(node: number, count: number): Flow[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) =>
    flowBetween(`tenant-${node % 300}/web-${node}-${i % 7}`, `tenant-${(node + i) % 300}/api-${i % 11}`, {
      destPort: 8000 + (i % 50),
      startTime: now,
      endTime: now + 15,
      reporter: i % 2 === 0 ? 'Src' : 'Dst',
    }),
  );
}

type Duplex = grpc.ClientDuplexStream<unknown, unknown>;

/** Runs `NODES` stop-and-wait streams for `SECONDS`; returns acknowledged flows per second. */
async function drive(open: () => Duplex, messageOf: (node: number, i: number) => unknown): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const counts = await Promise.all(
    Array.from(
      { length: NODES },
      (_, node) =>
        new Promise<number>((resolve, reject) => {
          const call = open();
          let acknowledged = 0;
          const next = () => {
            if (performance.now() < deadline) call.write(messageOf(node, acknowledged));
            else call.end();
          };
          call.on('data', () => {
            acknowledged++;
            next();
          });
          call.on('end', () => resolve(acknowledged));
          call.on('error', (error: grpc.ServiceError) =>
            error.code === grpc.status.CANCELLED ? resolve(acknowledged) : reject(error),
          );
          next();
        }),
    ),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  return total / ((performance.now() - started) / 1000);
}

const perNode = Array.from({ length: NODES }, (_, node) => flowsOfNode(node, 64).map(flowToProto));
const messageOf = (node: number, i: number) => ({ flow: perNode[node]?.[i % 64] });

// Floor: a bare echo service carrying the same encoded FlowUpdate bytes.
const { FlowCollector } = loadGoldmaneGrpc();
const encodedUpdates = perNode.map((flows) =>
  flows.map((flow) => (FlowCollector.service.Connect.requestSerialize as (v: unknown) => Buffer)({ flow })),
);
const echoDefinition: grpc.ServiceDefinition = {
  Connect: {
    path: '/bench.Echo/Connect',
    requestStream: true,
    responseStream: true,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};
const echoServer = new grpc.Server();
echoServer.addService(echoDefinition, {
  Connect: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on('data', () => call.write(Buffer.alloc(0)));
    call.on('end', () => call.end());
  },
});
const echoPort = await new Promise<number>((resolve, reject) =>
  echoServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
);
const Echo = grpc.makeGenericClientConstructor(echoDefinition, 'Echo');
const echoClient = new Echo(`127.0.0.1:${echoPort}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
  Connect(): Duplex;
};
const floor = await drive(
  () => echoClient.Connect(),
  (node, i) => encodedUpdates[node]?.[i % 64],
);
echoClient.close();
echoServer.forceShutdown();

// The real server, in its own process, unless a target is given.
let server: ChildProcess | undefined;
let dataDir: string | undefined;
let target = values.target;
if (!target) {
  const grpcPort = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'verdict-load-'));
  server = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(repo, 'packages/cli/src/main.ts'), 'serve'],
    {
      cwd: dataDir,
      env: {
        ...process.env,
        VERDICT_STORE: 'memory',
        VERDICT_HTTP_PORT: String(await freePort()),
        VERDICT_GRPC_PORT: String(grpcPort),
        VERDICT_DEMO_TRAFFIC: 'false',
        VERDICT_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  target = `127.0.0.1:${grpcPort}`;
  const probe = new grpc.Client(target, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    probe.waitForReady(Date.now() + 60_000, (e) => (e ? reject(e) : resolve())),
  );
  probe.close();
}
const collector = new FlowCollector(target, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
  connect(): Duplex;
};
const rate = await drive(() => collector.connect(), messageOf);
collector.close();
server?.kill('SIGTERM');
if (dataDir) rmSync(dataDir, { recursive: true, force: true });

printRows([
  {
    measure: `FlowCollector.Connect, ${NODES} nodes, one Felix-style stream each, per-flow receipts (${SECONDS} s)`,
    figure: rate,
    unit: 'flows/s',
    floor,
    floorName: 'bare gRPC echo, same streams and bytes',
    goal: 100_000,
  },
]);
process.exit(0);
