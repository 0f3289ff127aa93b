// Live-cluster watch events at DESIGN scale (15,000 pods in 3,000 namespaces, 2,000 policies), fed
// through the mirror that keeps the engine current: pod events per second (goal 10,000/s) and the
// time from one policy event to updated verdicts (goal < 50 ms). Floor: JSON.parse of the same
// watch events, the least any watcher must do per event.
import { createClusterMirror, type KubeObject, WATCHED_KINDS, type WatchedKind } from '@verdict/cluster';
import { jsonParseFloor, rateOf } from '../shared/floor.ts';

const PODS = 15_000;
const NAMESPACES = 3_000;
const POLICIES = 2_000;
const kind = (name: string, group: string) =>
  WATCHED_KINDS.find((k) => k.kind === name && (k.sources[0]?.group ?? '') === group) as WatchedKind;
const nsKind = kind('Namespace', '');
const podKind = kind('Pod', '');
const npKind = kind('NetworkPolicy', 'networking.k8s.io');

let rv = 1;
const ns = (i: number) => `ns-${i % NAMESPACES}`;
const pod = (i: number, app: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns(i), name: `pod-${i}`, labels: { app, tier: `t${i % 7}` }, resourceVersion: String(rv++) },
  spec: {
    nodeName: `node-${i % 450}`,
    serviceAccountName: 'default',
    containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }],
  },
  status: {
    podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    podIPs: [{ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
  },
});
const policy = (i: number, port: number) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: ns(i), name: `np-${i}`, resourceVersion: String(rv++) },
  spec: {
    podSelector: { matchLabels: { app: `app-${i % 50}` } },
    policyTypes: ['Ingress'],
    ingress: [
      { from: [{ podSelector: { matchLabels: { app: `app-${(i + 1) % 50}` } } }], ports: [{ protocol: 'TCP', port }] },
    ],
  },
});

const mirror = createClusterMirror();
let started = performance.now();
for (let i = 0; i < NAMESPACES; i++)
  mirror.push(nsKind, 'v1', {
    type: 'ADDED',
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}`, resourceVersion: String(rv++) } },
  });
for (let i = 0; i < PODS; i++) mirror.push(podKind, 'v1', { type: 'ADDED', object: pod(i, `app-${i % 50}`) });
for (let i = 0; i < POLICIES; i++)
  mirror.push(npKind, 'networking.k8s.io/v1', { type: 'ADDED', object: policy(i, 8080) });
mirror.flush();
const initialMs = performance.now() - started;

const query = (i: number) => ({
  source: { namespace: ns(i + 1), name: `pod-${i + 1}` },
  destination: { namespace: ns(i), name: `pod-${i}` },
  protocol: 'TCP',
  destPort: 8080,
});
const verdicts = () => {
  for (let i = 0; i < 100; i++) mirror.evaluator().evaluate(query(i * 37));
};
verdicts();

// Pod events: relabels in batches as the informer delivers them between flushes.
const POD_EVENTS = 20_000;
const BATCH = 500;
const events = Array.from({ length: POD_EVENTS }, (_, i) => pod(i % PODS, `app-${(i + 3) % 50}`));
started = performance.now();
for (let i = 0; i < POD_EVENTS; i += BATCH) {
  for (let j = i; j < i + BATCH; j++) mirror.push(podKind, 'v1', { type: 'MODIFIED', object: events[j] as KubeObject });
  mirror.flush();
}
const podRate = POD_EVENTS / ((performance.now() - started) / 1000);
const floor = jsonParseFloor(events.map((e) => JSON.stringify({ type: 'MODIFIED', object: e })));

// Policy events: one at a time, each followed by 100 verdicts, timed to the verdicts being current.
const POLICY_EVENTS = 20;
const times: number[] = [];
for (let i = 0; i < POLICY_EVENTS; i++) {
  const t = performance.now();
  mirror.push(npKind, 'networking.k8s.io/v1', { type: 'MODIFIED', object: policy(i * 97, 9000 + i) });
  mirror.flush();
  verdicts();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] as number;
const evalOnly = rateOf(20, () => verdicts());

console.log(
  `cluster: ${PODS} pods, ${NAMESPACES} namespaces, ${POLICIES} policies; initial sync ${initialMs.toFixed(0)} ms`,
);
console.log(
  `pod watch events: ${Math.round(podRate).toLocaleString('en')}/s (goal 10,000/s; floor JSON.parse ${Math.round(floor).toLocaleString('en')}/s)`,
);
console.log(
  `policy event to updated verdicts (100 evaluated): median ${median.toFixed(1)} ms, max ${(times.at(-1) as number).toFixed(1)} ms (goal < 50 ms; floor the 100 verdicts alone ${(1000 / evalOnly).toFixed(1)} ms)`,
);
