// FlowCollector.Connect's own work per flow, without the network: the same FlowUpdate bytes as
// bench/grpc/load.ts (450 nodes × 64 keys, every update new), in batches of 450 as one round of
// stop-and-wait nodes arrives, through each step the collector takes: the decode, the dedup identity
// and cache, and the memory store's ingest (packages/flows). CPU time of this thread per flow,
// which the shared machine disturbs less than the rates of load.ts. The floor for the decode is
// proto-loader's decoder on the same bytes (protobufjs, before any validation).
//   npx tsx bench/grpc/path.ts [--rounds 200]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Flow } from '@verdict/flows';
import { createMemoryStore } from '@verdict/flows';
import { createDedup, FlowIdentity } from '../../packages/server/src/goldmane/dedup.ts';
import { decodeFlowUpdate } from '../../packages/server/src/goldmane/flow-update.ts';
import { loadGoldmaneGrpc } from '../../packages/server/src/goldmane/index.ts';
import { printRows } from '../shared/floor.ts';
import { KEYS, updateOf } from './updates.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const NODES = 450;
const ROUNDS = Number(values.rounds);
const loadBefore = loadavg()[0] as number;

// Round r: every node's r-th update, as the collector's batch would hold them.
const batches: Buffer[][] = Array.from({ length: ROUNDS }, (_, r) =>
  Array.from({ length: NODES }, (_, node) => updateOf(node, r)),
);
const flows = ROUNDS * NODES;
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const deserialize = loadGoldmaneGrpc().FlowCollector.service.Connect?.requestDeserialize as (b: Buffer) => unknown;
let sink = 0;
// Warm-up on other rounds' bytes would fill the decoder's tables with the same values, as a running
// server's are: one untimed pass over the first round.
for (const bytes of batches[0] as Buffer[]) sink += decodeFlowUpdate(bytes) ? 1 : 0;

let started = cpuUs();
for (const batch of batches) for (const bytes of batch) sink += deserialize(bytes) ? 1 : 0;
const protobufUs = (cpuUs() - started) / flows;

const decoded: Flow[][] = [];
const keyBytes: Buffer[][] = [];
started = cpuUs();
for (const batch of batches) {
  const out: Flow[] = [];
  const keys: Buffer[] = [];
  for (const bytes of batch) {
    const d = decodeFlowUpdate(bytes);
    if (d === undefined) throw new Error('an update the fast path refused');
    out.push(d.flow);
    keys.push(d.keyBytes);
  }
  decoded.push(out);
  keyBytes.push(keys);
}
const decodeUs = (cpuUs() - started) / flows;

const dedup = createDedup(300, () => Date.now() / 1000);
const identity = new FlowIdentity();
started = cpuUs();
decoded.forEach((batch, b) => {
  batch.forEach((flow, i) => {
    const key = (keyBytes[b] as Buffer[])[i] as Buffer;
    identity.bytes(key, 0, key.length).number(flow.startTime).number(flow.endTime).pair(i, 0).finish();
    if (!dedup.add(identity.lo, identity.hi)) throw new Error('a new update seen as a repeat');
  });
});
const dedupUs = (cpuUs() - started) / flows;

const store = createMemoryStore();
started = cpuUs();
for (const batch of decoded) await store.ingest(batch);
const storeUs = (cpuUs() - started) / flows;
if (sink < 0) console.log(sink);

printRows([
  {
    measure: 'FlowUpdate decode to a Flow (fast path, with its tables)',
    figure: decodeUs,
    unit: 'µs',
    floor: protobufUs,
    floorName: "proto-loader's protobufjs decode of the same bytes, unvalidated",
    lowerIsBetter: true,
  },
  {
    measure: 'dedup identity (hash of key, times, peer) and cache add',
    figure: dedupUs,
    unit: 'µs',
    lowerIsBetter: true,
  },
  { measure: 'memory store ingest', figure: storeUs, unit: 'µs', lowerIsBetter: true },
]);
console.log(
  `  CPU time per flow; ${flows.toLocaleString('en')} updates (${NODES} nodes × ${ROUNDS} rounds, ${KEYS} keys a node) in batches of ${NODES}; load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after`,
);
