// Rehearsal benchmark: a 10-policy change over 1,000,000 aggregated flows of a 15,000-pod cluster
// in 3,000 namespaces. The flows are a FlowResult array (filling a memory store with a million
// distinct keys takes longer than the rehearsal itself; the store path narrows by namespace first).
//   npx tsx bench/rehearse/main.ts [--pods 15000] [--namespaces 3000] [--flows 1000000]
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { type ClusterState, createEvaluator, type Pod } from '@verdict/engine';
import type { FlowResult } from '@verdict/flows';
import { type ChangeSet, rehearse } from '@verdict/rehearse';
import { APPS, dbIngressCluster, dbIngressPolicy, ipOf, seededRandom } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '15000' },
    namespaces: { type: 'string', default: '3000' },
    flows: { type: 'string', default: '1000000' },
    record: { type: 'boolean', default: false },
  },
});
const POD_COUNT = Number(values.pods);
const NAMESPACE_COUNT = Number(values.namespaces);
const FLOW_COUNT = Number(values.flows);

const random = seededRandom(42);

function buildCluster(): ClusterState {
  const namespaces = Array.from({ length: NAMESPACE_COUNT }, (_, i) => ({
    name: `ns-${i}`,
    labels: { 'kubernetes.io/metadata.name': `ns-${i}` },
  }));
  const pods: Pod[] = Array.from({ length: POD_COUNT }, (_, i) => {
    const app = APPS[i % APPS.length] as string;
    const namespace = `ns-${Math.floor(i / APPS.length) % NAMESPACE_COUNT}`;
    return {
      namespace,
      name: `${app}-${i}-abcde`,
      owner: `${app}-${i}`,
      labels: { app },
      ips: [ipOf(i + 1)],
      serviceAccount: app,
      ports: [{ name: 'http', protocol: 6, port: 8080 }],
    };
  });
  return dbIngressCluster(namespaces, pods);
}

function buildFlows(state: ClusterState): FlowResult[] {
  const flows: FlowResult[] = [];
  const pods = state.pods;
  for (let i = 0; i < FLOW_COUNT; i++) {
    // Mostly traffic inside a namespace, to its db; some cross-namespace.
    const srcIndex = Math.floor(random() * pods.length);
    const src = pods[srcIndex] as Pod;
    // Pods come in groups of five per namespace; index 3 of a group is its db.
    const dstIndex =
      random() < 0.8 ? Math.floor(srcIndex / APPS.length) * APPS.length + 3 : Math.floor(random() * pods.length);
    const dst = pods[dstIndex] as Pod;
    const reporter = i % 2 === 0 ? 'Src' : 'Dst';
    const start = 1_767_225_600 + Math.floor(i / 1000) * 15;
    flows.push({
      id: i + 1,
      flow: {
        key: {
          sourceName: `${src.owner}-*`,
          sourceNamespace: src.namespace,
          sourceType: 'WorkloadEndpoint',
          destName: `${dst.owner}-*`,
          destNamespace: dst.namespace,
          destType: 'WorkloadEndpoint',
          destPort: 8080,
          destServiceName: '-',
          destServiceNamespace: '-',
          destServicePortName: '-',
          destServicePort: 0,
          proto: 'tcp',
          reporter,
          action: 'Allow',
          policies: { enforced: [], pending: [] },
        },
        startTime: start,
        endTime: start + 15,
        sourceLabels: [`app=${src.labels.app}`],
        destLabels: [`app=${dst.labels.app}`],
        packetsIn: 1,
        packetsOut: 1,
        bytesIn: 100,
        bytesOut: 100,
        numConnectionsStarted: 1,
        numConnectionsCompleted: 1,
        numConnectionsLive: 0,
      },
    });
  }
  return flows;
}

const t0 = performance.now();
const state = buildCluster();
const before = createEvaluator(state);
const flows = buildFlows(state);
const setupMs = performance.now() - t0;

// The change: ten namespaces drop `web` from their db allow list and deny an unused port.
const changeSet: ChangeSet = {
  policies: Array.from({ length: 10 }, (_, i) => dbIngressPolicy(`ns-${i * 7}`, "'api'", true)),
  deletions: [],
  warnings: [],
};

// Warm-up on a slice (JIT), then the measured run.
await rehearse({ flows: flows.slice(0, 10_000), before, changeSet });
const t1 = performance.now();
const result = await rehearse({ flows, total: flows.length, before, changeSet });
const ms = performance.now() - t1;
if (!result.ok) throw new Error(result.error.message);
const { totals } = result.value;
const lines = [
  `cluster: ${POD_COUNT} pods, ${NAMESPACE_COUNT} namespaces, ${state.policies.length} policies; ${FLOW_COUNT} aggregated flows (setup ${(setupMs / 1000).toFixed(1)} s)`,
  `change: ${changeSet.policies.length} policies`,
  `rehearse: ${ms.toFixed(0)} ms — ${totals.flowsConsidered} flows considered, ${totals.flowsReevaluated} re-evaluated, ${totals.newlyDenied} newly denied, ${totals.decidedDifferently} decided differently, ${result.value.unexercisedRules.length} unexercised rules`,
];
console.log(lines.join('\n'));

if (values.record) {
  const docs = new URL('../../docs/', import.meta.url);
  if (!existsSync(docs)) mkdirSync(docs);
  const file = new URL('benchmarks.md', docs);
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const section = [
    existsSync(file) ? '' : '# Benchmarks\n',
    '## Rehearsal',
    '',
    'Command: `npx tsx bench/rehearse/main.ts --record`',
    '',
    `Machine: ${machine}`,
    '',
    ...lines.map((line) => `- ${line}`),
    '',
    'Goal: < 2 s. Only flows whose reporting endpoint a changed policy (old or new version) selects are re-evaluated; verdicts are memoised per (endpoint pair, port, direction). The flows are a FlowResult array, not a store: filling a memory store with a million distinct keys costs more than the rehearsal.',
    '',
  ].join('\n');
  appendFileSync(file, section);
}
