// Memory of FlowCollector's dedup cache at Felix scale. Goldmane remembers every
// (FlowKey, start, end, peer) for 5 minutes, so at 100,000 flows/s the cache holds 30 million
// identities. Measured: the cache as it is (64-bit hashes in typed-array generations) holding a whole
// window, bytes per entry of its arrays; and the cache it replaced (a Map from the identity's text,
// `<SHA-1 of the key, base64> <start> <end> <peer>`, to its expiry), bytes per entry after a full GC
// (heap plus array buffers). The floor is the 8 bytes of the hash itself.
//   npx tsx bench/grpc/dedup.ts [--entries 1000000]
import { hash } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDedup, FlowIdentity } from '../../packages/server/src/goldmane/dedup.ts';
import { printRows } from '../shared/floor.ts';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000000' } } });
const ENTRIES = Number(values.entries);
const RATE = 100_000;
const WINDOW = 300;
// The Map the cache used to be cannot hold a window at 100k/s at all.
const MAP_LIMIT = 2 ** 24;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// Felix-like identities: a 400-byte encoded key differing per flow, 15 s intervals, 450 peers.
const key = Buffer.alloc(400, 0x61);
const start = 1_765_000_000;
const peerOf = (i: number) => `ipv4:10.0.${(i % 450) >> 8}.${(i % 450) & 0xff}:${40_000 + (i % 450)}`;
const loadBefore = loadavg()[0] as number;

// Now: the typed-array cache, filled with a whole window at 100k/s (30 million identities; its
// clock runs with them, so each add looks in every generation as at steady state). The identities
// are hashed beforehand in chunks (the hash's own time is measured apart), so the time is the cache's.
let now = 0;
const dedup = createDedup(WINDOW, () => now);
const identity = new FlowIdentity();
const windowEntries = RATE * WINDOW;
const CHUNK = 1_000_000;
const chunk = new Int32Array(2 * CHUNK);
let addMs = 0;
let hashMs = 0;
for (let from = 0; from < windowEntries; from += CHUNK) {
  let started = performance.now();
  for (let i = 0; i < CHUNK; i++) {
    key.writeUInt32LE(from + i, 0);
    identity
      .bytes(key, 0, key.length)
      .number(start)
      .number(start + 15)
      .pair((from + i) % 450, 0)
      .finish();
    chunk[2 * i] = identity.lo;
    chunk[2 * i + 1] = identity.hi;
  }
  hashMs += performance.now() - started;
  started = performance.now();
  for (let i = 0; i < CHUNK; i++) {
    now = (from + i) / RATE;
    dedup.add(chunk[2 * i] as number, chunk[2 * i + 1] as number);
  }
  addMs += performance.now() - started;
}
if (dedup.size !== windowEntries) throw new Error(`dedup holds ${dedup.size} of ${windowEntries}`);
const typedBytes = dedup.bytes / dedup.size;
const hashUs = (hashMs * 1000) / windowEntries;
const addUs = (addMs * 1000) / windowEntries;
dedup.clear();

// Before: the Map of identity text, ENTRIES of them (a whole window does not fit in a Map).
const before = used();
const map = new Map<string, number>();
const started = performance.now();
for (let i = 0; i < ENTRIES; i++) {
  key.writeUInt32LE(i, 0);
  map.set(`${hash('sha1', key, 'base64')} ${start} ${start + 15} ${peerOf(i)}`, i / RATE + WINDOW);
}
const mapUs = ((performance.now() - started) * 1000) / ENTRIES;
const mapBytes = (used() - before) / ENTRIES;
if (map.size !== ENTRIES) throw new Error(`map holds ${map.size} of ${ENTRIES}`);
map.clear();

printRows([
  {
    measure: 'dedup cache, bytes per identity, a full window (typed arrays)',
    figure: typedBytes,
    unit: 'B',
    floor: 8,
    floorName: 'the 8-byte hash itself',
    lowerIsBetter: true,
  },
  {
    measure: 'before: Map of identity text to expiry, bytes per identity',
    figure: mapBytes,
    unit: 'B',
    floor: 8,
    floorName: 'the 8-byte hash itself',
    lowerIsBetter: true,
  },
  {
    measure: 'dedup cache, time per new identity: hash of key, times and peer',
    figure: hashUs,
    unit: 'µs',
    lowerIsBetter: true,
  },
  {
    measure: 'dedup cache, time per new identity: look in every generation, add',
    figure: addUs,
    unit: 'µs',
    lowerIsBetter: true,
  },
  { measure: 'before: time per new identity (SHA-1, text, Map.set)', figure: mapUs, unit: 'µs', lowerIsBetter: true },
]);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `  at ${RATE.toLocaleString('en')} flows/s × ${WINDOW} s = ${windowEntries.toLocaleString('en')} identities: ` +
    `${mib(typedBytes * windowEntries)} now; the Map would need ${mib(mapBytes * windowEntries)} and stops at ` +
    `${MAP_LIMIT.toLocaleString('en')} entries (V8's Map limit), ${(MAP_LIMIT / RATE).toFixed(0)} s into the window`,
);
console.log(
  `  the Map measured with ${ENTRIES.toLocaleString('en')} entries; load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after`,
);
