// Felix-scale load on Goldmane's FlowCollector.Connect: N simulated nodes, each holding one stream on
// its own TCP connection (as each calico-node does), against a real `verdict serve` in its own process.
//
// Felix's Goldmane client (projectcalico/calico goldmane/pkg/client/client.go, every version up to
// the current one) is strictly stop-and-wait: `Send` one FlowUpdate, `Recv` its FlowReceipt, then the
// next; Felix's reporter `Push`es each flush interval's flows into a 5,000-flow channel that the
// client drains that way (and drops into when it is full). So the Felix mode below is stop-and-wait,
// closed loop: each node sends its next flow the moment the receipt of the last one arrives, which is
// the most a Felix node can ever push. A second mode keeps up to `--window` updates in flight per
// stream; no Calico client does that, it shows what the server takes when the round trip is not the
// bound, and is printed separately.
//
// Each figure sits beside its floor, measured in the same run: a bare grpc-js echo in its own process
// taking the same bytes over the same streams and connections with the same window. A second floor
// takes grpc-js out on both sides: a bare echo on plain `node:http2` with gRPC's framing, driven by
// plain `node:http2` sessions, so the run says what Node's HTTP/2 itself allows. CPU time of the
// server and of this generator is read per flow, so the profile of a run says who is the bound.
//   npx tsx bench/grpc/load.ts [--nodes 450] [--seconds 10] [--window 16] [--modes felix,window]
//                              [--connections node|shared] [--profile DIR] [--target host:port]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type ClientHttp2Session, type ClientHttp2Stream, connect as connectH2 } from 'node:http2';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { GOLDMANE_SERVER_OPTIONS } from '../../packages/server/src/goldmane/index.ts';
import { type BenchRow, printRows } from '../shared/floor.ts';
import { ECHO_DEFINITION } from './echo.ts';
import { updateOf } from './updates.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '450' },
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'felix,window' },
    connections: { type: 'string', default: 'node' },
    profile: { type: 'string' },
    target: { type: 'string' },
  },
});
const NODES = Number(values.nodes);
const SECONDS = Number(values.seconds);
const WINDOW = Number(values.window);
const MODES = (values.modes ?? '').split(',').filter(Boolean);
const PER_NODE_CONNECTION = values.connections !== 'shared';
const repo = join(import.meta.dirname, '../..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

// ---------------------------------------------------------------------------------------------
// Driving streams

type Duplex = grpc.ClientDuplexStream<Buffer, Buffer>;
const same = (b: Buffer) => b;

function clientsFor(target: string, path: string): grpc.Client[] {
  const Generic = grpc.makeGenericClientConstructor(
    {
      Connect: {
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: same,
        requestDeserialize: same,
        responseSerialize: same,
        responseDeserialize: same,
      },
    },
    'Load',
  );
  // A local subchannel pool gives each client its own TCP connection.
  const options = PER_NODE_CONNECTION ? { 'grpc.use_local_subchannel_pool': 1 } : {};
  const count = PER_NODE_CONNECTION ? NODES : 1;
  return Array.from({ length: count }, () => new Generic(target, grpc.credentials.createInsecure(), options));
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Run {
  rate: number;
  flows: number;
  /** CPU µs per flow of the server process and of this generator during the run. */
  serverCpuUs: number;
  clientCpuUs: number;
}

/** Runs NODES streams for SECONDS with up to `window` unacknowledged updates each. */
async function drive(target: string, path: string, window: number, serverPid: number): Promise<Run> {
  const clients = clientsFor(target, path);
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve, reject) =>
          client.waitForReady(Date.now() + 60_000, (e) => (e ? reject(e) : resolve())),
        ),
    ),
  );
  const serverCpu = cpuSecondsOf(serverPid);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const counts = await Promise.all(
    Array.from(
      { length: NODES },
      (_, node) =>
        new Promise<number>((resolve, reject) => {
          const client = clients[PER_NODE_CONNECTION ? node : 0] as grpc.Client;
          const call = client.makeBidiStreamRequest(path, same, same) as Duplex;
          let sent = 0;
          let acknowledged = 0;
          let ended = false;
          const fill = () => {
            if (ended) return;
            if (performance.now() >= deadline) {
              ended = true;
              call.end();
              return;
            }
            while (sent - acknowledged < window) call.write(updateOf(node, sent++));
          };
          call.on('data', () => {
            acknowledged++;
            fill();
          });
          call.on('end', () => resolve(acknowledged));
          call.on('error', (error: grpc.ServiceError) =>
            error.code === grpc.status.CANCELLED ? resolve(acknowledged) : reject(error),
          );
          fill();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const flows = counts.reduce((a, b) => a + b, 0);
  const client = process.cpuUsage(clientCpu);
  const run = {
    rate: flows / seconds,
    flows,
    serverCpuUs: ((cpuSecondsOf(serverPid) - serverCpu) * 1e6) / flows,
    clientCpuUs: ((client.user + client.system) / flows) * 1,
  };
  for (const c of clients) c.close();
  return run;
}

/**
 * The same exchange without grpc-js on either side: NODES plain `node:http2` sessions, one stream
 * each, messages framed as gRPC frames them (5-byte prefix), up to `window` unanswered a stream.
 */
async function driveH2(target: string, path: string, window: number, serverPid: number): Promise<Run> {
  const sessions = await Promise.all(
    Array.from(
      { length: PER_NODE_CONNECTION ? NODES : 1 },
      () =>
        new Promise<ClientHttp2Session>((resolve, reject) => {
          const session = connectH2(`http://${target}`);
          session.once('connect', () => resolve(session));
          session.once('error', reject);
        }),
    ),
  );
  const serverCpu = cpuSecondsOf(serverPid);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const counts = await Promise.all(
    Array.from(
      { length: NODES },
      (_, node) =>
        new Promise<number>((resolve, reject) => {
          const session = sessions[PER_NODE_CONNECTION ? node : 0] as ClientHttp2Session;
          const stream: ClientHttp2Stream = session.request({
            ':method': 'POST',
            ':path': path,
            'content-type': 'application/grpc',
            te: 'trailers',
          });
          let sent = 0;
          let acknowledged = 0;
          let ended = false;
          let pending: Buffer | undefined;
          const fill = () => {
            if (ended) return;
            if (performance.now() >= deadline) {
              ended = true;
              stream.end();
              return;
            }
            while (sent - acknowledged < window) {
              const update = updateOf(node, sent++);
              const framed = Buffer.allocUnsafe(5 + update.length);
              framed[0] = 0;
              framed.writeUInt32BE(update.length, 1);
              update.copy(framed, 5);
              stream.write(framed);
            }
          };
          stream.on('data', (chunk: Buffer) => {
            let data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
            pending = undefined;
            while (data.length >= 5) {
              const end = 5 + data.readUInt32BE(1);
              if (data.length < end) break;
              acknowledged++;
              data = data.subarray(end);
            }
            if (data.length > 0) pending = data;
            fill();
          });
          stream.on('trailers', (trailers) => {
            if (trailers['grpc-status'] !== '0') reject(new Error(`grpc-status ${trailers['grpc-status']}`));
          });
          stream.on('close', () => resolve(acknowledged));
          stream.on('error', reject);
          fill();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const flows = counts.reduce((a, b) => a + b, 0);
  const client = process.cpuUsage(clientCpu);
  for (const session of sessions) session.close();
  return {
    rate: flows / seconds,
    flows,
    serverCpuUs: ((cpuSecondsOf(serverPid) - serverCpu) * 1e6) / flows,
    clientCpuUs: (client.user + client.system) / flows,
  };
}

// ---------------------------------------------------------------------------------------------
// The floor and the server, each in its own process

function startChild(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** One of the floors' servers (`echo-server.ts`, `h2-echo-server.ts`), which prints its port. */
async function startEcho(script: string): Promise<{ child: ChildProcess; target: string }> {
  const child = startChild([
    '--import',
    import.meta.resolve('tsx'),
    join(import.meta.dirname, script),
    JSON.stringify(GOLDMANE_SERVER_OPTIONS),
  ]);
  const port = await new Promise<string>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { child, target: `127.0.0.1:${port}` };
}

async function startVerdict(): Promise<{ child: ChildProcess; target: string; dataDir: string }> {
  const grpcPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'verdict-load-'));
  const child = spawn(
    process.execPath,
    [
      ...(values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : []),
      '--import',
      import.meta.resolve('tsx'),
      join(repo, 'packages/cli/src/main.ts'),
      'serve',
    ],
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
  const target = `127.0.0.1:${grpcPort}`;
  const probe = new grpc.Client(target, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    probe.waitForReady(Date.now() + 60_000, (e) => (e ? reject(e) : resolve())),
  );
  probe.close();
  return { child, target, dataDir };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

// ---------------------------------------------------------------------------------------------

const loadBefore = loadavg()[0] as number;
const echo = await startEcho('echo-server.ts');
const h2Echo = await startEcho('h2-echo-server.ts');
const verdict = values.target ? undefined : await startVerdict();
const target = values.target ?? (verdict?.target as string);
const COLLECTOR_PATH = '/goldmane.FlowCollector/Connect';

const rows: BenchRow[] = [];
const notes: string[] = [];
for (const mode of MODES) {
  const window = mode === 'felix' ? 1 : WINDOW;
  const label =
    mode === 'felix'
      ? `FlowCollector.Connect, ${NODES} nodes, Felix stop-and-wait (1 in flight a stream)`
      : `FlowCollector.Connect, ${NODES} nodes, ${window} in flight a stream (not Felix)`;
  const floor = await drive(echo.target, ECHO_DEFINITION.Connect?.path as string, window, echo.child.pid as number);
  const h2Floor = await driveH2(
    h2Echo.target,
    ECHO_DEFINITION.Connect?.path as string,
    window,
    h2Echo.child.pid as number,
  );
  const run = await drive(target, COLLECTOR_PATH, window, verdict?.child.pid ?? (echo.child.pid as number));
  rows.push({
    measure: label,
    figure: run.rate,
    unit: 'flows/s',
    floor: floor.rate,
    floorName: 'bare grpc-js echo, same streams, connections and bytes',
    ...(mode === 'felix' ? { goal: 100_000 } : {}),
  });
  rows.push({
    measure: `  second floor: bare node:http2 echo with gRPC framing, no grpc-js on either side (${mode})`,
    figure: h2Floor.rate,
    unit: 'msgs/s',
    floor: floor.rate,
    floorName: 'bare grpc-js echo',
    ...(mode === 'felix' ? { goal: 100_000 } : {}),
  });
  notes.push(
    `${mode}: verdict ${run.flows} flows, server ${run.serverCpuUs.toFixed(1)} µs CPU/flow, generator ${run.clientCpuUs.toFixed(1)} µs/flow` +
      ` · echo ${floor.flows} flows, server ${floor.serverCpuUs.toFixed(1)} µs/flow, generator ${floor.clientCpuUs.toFixed(1)} µs/flow` +
      ` · node:http2 echo ${h2Floor.flows} flows, server ${h2Floor.serverCpuUs.toFixed(1)} µs/flow, generator ${h2Floor.clientCpuUs.toFixed(1)} µs/flow`,
  );
}
await stop(echo.child);
await stop(h2Echo.child);
if (verdict) {
  await stop(verdict.child);
  rmSync(verdict.dataDir, { recursive: true, force: true });
}

printRows(rows);
for (const note of notes) console.log(`  ${note}`);
console.log(
  `  ${NODES} streams on ${PER_NODE_CONNECTION ? `${NODES} connections` : 'one connection'}, ${SECONDS} s a run; load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after`,
);
process.exit(0);
