// Does a worker thread pay for FlowCollector.Connect's decode on 2 cores? The collector's main
// thread also runs grpc-js (HTTP/2, framing, receipts), so what counts is the main thread's time per
// flow. Decoding on the main thread costs the decode; decoding in a worker costs the hand-over of
// the bytes (one transferred buffer a batch) and the structured clone of the decoded flows back,
// which the main thread pays when the message arrives. Batches of 450 updates: one round of 450
// stop-and-wait nodes.
//   npx tsx bench/grpc/worker.ts [--batches 400]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Flow } from '@verdict/flows';
import { flowBetween } from '../../packages/flows/src/fixtures.ts';
import { decodeFlowUpdate } from '../../packages/server/src/goldmane/flow-update.ts';
import { flowToProto, loadGoldmaneGrpc } from '../../packages/server/src/goldmane/index.ts';
import { printRows } from '../shared/floor.ts';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '400' } } });
const BATCHES = Number(values.batches);
const BATCH = 450;

const encode = loadGoldmaneGrpc().FlowCollector.service.Connect?.requestSerialize as (v: unknown) => Buffer;
const hit = {
  kind: 'NetworkPolicy',
  tier: 'default',
  name: 'knp.default.x',
  namespace: 'shop',
  action: 'Allow',
  policyIndex: 0,
  ruleIndex: 0,
} as const;
const updates = Array.from({ length: BATCH }, (_, i) =>
  encode({
    flow: flowToProto(
      flowBetween(`tenant-${i % 300}/web-${i}`, `tenant-${(i * 7) % 300}/api-${i % 11}`, {
        destPort: 8000 + (i % 50),
        startTime: 1_765_000_000,
        endTime: 1_765_000_015,
        enforced: [hit, hit],
        pending: [hit, hit],
        sourceLabels: [`app=web-${i}`, 'tier=frontend', 'team=a'],
        destLabels: ['app=api', 'tier=backend', 'team=b'],
      }),
    ),
  }),
);

/** One batch as one buffer and its offsets, so it can be transferred rather than copied. */
function packed(): { bytes: ArrayBuffer; ends: Uint32Array } {
  const total = updates.reduce((sum, u) => sum + u.length, 0);
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const ends = new Uint32Array(updates.length);
  let at = 0;
  updates.forEach((u, i) => {
    view.set(u, at);
    at += u.length;
    ends[i] = at;
  });
  return { bytes, ends };
}

const before = loadavg()[0] as number;

// Main thread: decode every batch here.
let sink = 0;
const mainStarted = performance.now();
for (let b = 0; b < BATCHES; b++) for (const u of updates) sink += decodeFlowUpdate(u)?.flow.packetsIn ?? 0;
const mainUs = ((performance.now() - mainStarted) * 1000) / (BATCHES * BATCH);

// Worker: the batch goes over, decoded flows come back.
// Node 20 workers do not inherit tsx's loader: the worker registers it, then loads its TypeScript.
const worker = new Worker(
  `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL('./decode-worker.ts', import.meta.url).href)}); })`,
  { eval: true },
);
await new Promise<void>((resolve) => worker.once('message', () => resolve()));
/** Main-thread time and wall time per flow when each batch goes to the worker and `reply` comes back. */
async function overWorker(reply: 'flows' | 'count'): Promise<{ mainUs: number; wallUs: number }> {
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const batch = packed();
    const answer = await new Promise<Flow[] | number>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage({ ...batch, reply }, [batch.bytes]);
    });
    sink += typeof answer === 'number' ? answer : (answer[0]?.packetsIn ?? 0);
  }
  const wall = performance.now() - started;
  const busy = performance.eventLoopUtilization(elu);
  return { mainUs: (busy.active * 1000) / (BATCHES * BATCH), wallUs: (wall * 1000) / (BATCHES * BATCH) };
}
const cloned = await overWorker('flows');
const counted = await overWorker('count');
await worker.terminate();
if (sink < 0) console.log(sink);

printRows([
  { measure: 'decode on the main thread: main-thread time per flow', figure: mainUs, unit: 'µs', lowerIsBetter: true },
  {
    measure: 'decode in a worker, flows cloned back: main-thread time per flow',
    figure: cloned.mainUs,
    unit: 'µs',
    floor: mainUs,
    floorName: 'decode on the main thread',
    lowerIsBetter: true,
  },
  {
    measure: 'decode in a worker, flows cloned back: wall time per flow',
    figure: cloned.wallUs,
    unit: 'µs',
    lowerIsBetter: true,
  },
  {
    measure: 'decode (and store) in a worker, a count back: main-thread time per flow',
    figure: counted.mainUs,
    unit: 'µs',
    floor: mainUs,
    floorName: 'decode on the main thread',
    lowerIsBetter: true,
  },
]);
console.log(
  `  batches of ${BATCH}, ${BATCHES} batches; load average ${before.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after`,
);
