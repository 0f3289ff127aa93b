// The FlowUpdates of bench/grpc: what each simulated Felix node sends, as wire bytes.
import type { PolicyHit } from '@verdict/engine';
import type { Flow } from '@verdict/flows';
import { flowBetween } from '../../packages/flows/src/fixtures.ts';
import { flowToProto, loadGoldmaneGrpc } from '../../packages/server/src/goldmane/index.ts';

// ---------------------------------------------------------------------------------------------
// The flows: each node reports KEYS flow keys of its own pods, each once per 15 s interval, as
// Felix does. Time is compressed: a node's n-th flow is key n % KEYS in the interval
// floor(n / KEYS) buckets back from now, so every flow is new to the server's dedup and lands in
// the store's retained hour; past 200 intervals the keys change (another service port).

export const KEYS = 64;
const INTERVALS = 200;
const BUCKET = 15;
const nowBucket = Math.floor(Date.now() / 1000 / BUCKET) * BUCKET;

const hit = (kind: PolicyHit['kind'], tier: string, name: string, namespace: string, action: PolicyHit['action']) =>
  ({ kind, tier, name, namespace, action, policyIndex: 0, ruleIndex: 0 }) as PolicyHit;

/** One node's flow key `i` (variant `v`), with Felix-like traces and labels, start and end times left unset. */
function flowOf(node: number, i: number, variant: number): Flow {
  const srcNs = `tenant-${node % 300}`;
  const dstNs = `tenant-${(node + i) % 300}`;
  const enforced = [
    hit('CalicoNetworkPolicy', 'platform', 'platform.allow-dns', 'kube-system', 'Pass'),
    hit('NetworkPolicy', 'default', `knp.default.${dstNs}-ingress`, dstNs, 'Allow'),
  ];
  return flowBetween(`${srcNs}/web-${node}-${i % 7}`, `${dstNs}/api-${i % 11}`, {
    destPort: 8000 + (i % 50),
    destServiceName: `api-${i % 11}`,
    destServiceNamespace: dstNs,
    destServicePortName: 'http',
    destServicePort: 80 + variant,
    reporter: i % 2 === 0 ? 'Src' : 'Dst',
    enforced,
    pending: enforced,
    startTime: 0,
    endTime: 0,
    sourceLabels: [`app=web-${node}`, 'tier=frontend', `team=t${node % 40}`],
    destLabels: [`app=api-${i % 11}`, 'tier=backend', `team=t${i % 40}`],
    packetsIn: 10 + i,
    packetsOut: 12 + i,
    bytesIn: 4_000 + i,
    bytesOut: 9_000 + i,
  });
}

const { FlowCollector } = loadGoldmaneGrpc();
const encodeFlow = (FlowCollector.service.Connect.requestSerialize as (v: unknown) => Buffer).bind(null);
const untimed = new Map<string, Buffer>();

function varint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** The FlowUpdate bytes of a node's n-th flow: the untimed Flow encoding with start and end time appended. */
export function updateOf(node: number, n: number): Buffer {
  const i = n % KEYS;
  const round = Math.floor(n / KEYS);
  const variant = Math.floor(round / INTERVALS);
  const cacheKey = `${node}/${i}/${variant}`;
  let body = untimed.get(cacheKey);
  if (body === undefined) {
    // FlowUpdate{flow} encoded, then its inner Flow bytes (after tag and length) kept.
    const update = encodeFlow({ flow: flowToProto(flowOf(node, i, variant)) });
    let at = 1;
    while ((update[at] as number) & 0x80) at++;
    body = update.subarray(at + 1);
    untimed.set(cacheKey, body);
  }
  const start = nowBucket - BUCKET * (1 + (round % INTERVALS));
  const times: number[] = [0x10];
  varint(start, times);
  times.push(0x18);
  varint(start + BUCKET, times);
  const length: number[] = [0x0a];
  varint(body.length + times.length, length);
  return Buffer.concat([Buffer.from(length), body, Buffer.from(times)]);
}
