// Engine benchmark at the scale of DESIGN.md: 15,000 pods in 3,000 namespaces, 2,000 policies in
// 4 tiers (10% staged), network sets holding 5,000 CIDRs. Prints compile time, heap, evaluation
// throughput with both traces, and the cost of one policy change. Evaluation is measured twice:
// by reference (`evaluate`, ends named by namespace/name or IP, as every caller can) and by
// interned id (`endpointId` once per end, then `evaluateIds`), each on its own fresh evaluator.
// Evaluation rates are per CPU second of this process, and each is printed beside the floor (a
// Map.get per flow over the same flows' keys) measured right before and right after it: on a
// shared machine both then see the same conditions; on an idle one CPU time is wall time.
//   node --expose-gc --import tsx bench/engine/main.ts [--pods 15000] [--flows 1000000]
import { parseArgs } from 'node:util';
import { type ClusterState, createEvaluator, type FlowQuery, type PolicySpec } from '@verdict/engine';
import { printRows } from '../shared/floor.ts';
import { buildCluster, chance, pick, randomInt } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '15000' },
    namespaces: { type: 'string', default: '3000' },
    policies: { type: 'string', default: '2000' },
    flows: { type: 'string', default: '1000000' },
  },
});
const POD_COUNT = Number(values.pods);
const NAMESPACE_COUNT = Number(values.namespaces);
const POLICY_COUNT = Number(values.policies);
const FLOW_COUNT = Number(values.flows);
function buildFlows(state: ClusterState): FlowQuery[] {
  return Array.from({ length: Math.min(FLOW_COUNT, 200_000) }, () => {
    const source = pick(state.pods);
    const external = chance(0.2);
    const destination = external
      ? { ip: `${100 + randomInt(100)}.${randomInt(50)}.${randomInt(256)}.9` }
      : (() => {
          const target = pick(state.pods);
          return { namespace: target.namespace, name: target.name };
        })();
    return {
      source: { namespace: source.namespace, name: source.name },
      destination,
      protocol: chance(0.9) ? 'TCP' : 'UDP',
      destPort: pick([8080, 5432, 53, 443]),
    };
  });
}

const gc = (globalThis as { gc?: () => void }).gc;

const state = buildCluster({ pods: POD_COUNT, namespaces: NAMESPACE_COUNT, policies: POLICY_COUNT });
const flows = buildFlows(state);
gc?.();
const heapBefore = process.memoryUsage().heapUsed;

let started = performance.now();
const evaluator = createEvaluator(state);
const compileMs = performance.now() - started;

started = performance.now();
for (const pod of state.pods)
  evaluator.evaluate({
    source: { namespace: pod.namespace, name: pod.name },
    destination: { ip: '8.8.8.8' },
    protocol: 'UDP',
    destPort: 53,
  });
const warmMs = performance.now() - started;
gc?.();
const heapAfter = process.memoryUsage().heapUsed;

/** Calls of `step` per CPU second (user and system) of this process. */
function cpuRate(count: number, step: (i: number) => void): number {
  const used = process.cpuUsage();
  for (let i = 0; i < count; i++) step(i);
  const spent = process.cpuUsage(used);
  return count / ((spent.user + spent.system) / 1e6);
}

// The floor: a Map.get per flow over the same flows' keys, the cheapest possible per-flow answer.
const flowKeys = flows.map(
  (flow) => `${JSON.stringify(flow.source)}>${JSON.stringify(flow.destination)}:${flow.protocol}/${flow.destPort}`,
);
const floorMap = new Map(flowKeys.map((key, i) => [key, i]));
let sink = 0;
const floorRate = (count: number) =>
  cpuRate(count, (i) => {
    sink += floorMap.get(flowKeys[i % flowKeys.length] as string) ?? 0;
  });
floorRate(10_000);

/** A phase's rate, and the floor's for as many flows measured right before and right after it. */
function measured(count: number, step: (i: number) => void): { rate: number; floor: number } {
  const before = floorRate(count);
  const rate = cpuRate(count, step);
  return { rate, floor: (before + floorRate(count)) / 2 };
}

let allowed = 0;
let differing = 0;
const evaluateAll = (count: number) =>
  measured(count, (done) => {
    const result = evaluator.evaluate(flows[done % flows.length] as FlowQuery);
    if (result.ok) {
      if (result.value.enforced.action === 'Allow') allowed++;
      if (result.value.enforced.action !== result.value.pending.action) differing++;
    }
  });
// First every flow once (nothing cached), then the same flows again and again, as aggregated
// traffic repeats: the verdict cache answers those.
const coldRate = evaluateAll(flows.length);
const warmRate = evaluateAll(FLOW_COUNT);
const evaluated = flows.length + FLOW_COUNT;

// The same flows by interned id, on a second evaluator warmed the same way.
const byId = createEvaluator(state);
for (const pod of state.pods)
  byId.evaluate({
    source: { namespace: pod.namespace, name: pod.name },
    destination: { ip: '8.8.8.8' },
    protocol: 'UDP',
    destPort: 53,
  });
started = performance.now();
const idFlows = flows.map((flow) => ({
  source: byId.endpointId(flow.source),
  destination: byId.endpointId(flow.destination),
  protocol: flow.protocol === 'TCP' ? 6 : 17,
  destPort: flow.destPort,
}));
const internRate = (flows.length * 2) / ((performance.now() - started) / 1000);
let idAllowed = 0;
const evaluateAllIds = (count: number) =>
  measured(count, (done) => {
    const flow = idFlows[done % idFlows.length] as (typeof idFlows)[number];
    const result = byId.evaluateIds(flow.source, flow.destination, flow.protocol, flow.destPort);
    if (result.ok && result.value.enforced.action === 'Allow') idAllowed++;
  });
const idColdRate = evaluateAllIds(idFlows.length);
const idWarmRate = evaluateAllIds(FLOW_COUNT);
if (idAllowed !== allowed) throw new Error(`by id ${idAllowed} flows allowed, by reference ${allowed}`);

const changed = { ...(state.policies[1] as PolicySpec), selector: "app == 'api'" };
started = performance.now();
evaluator.upsertPolicy(changed);
const changeMs = performance.now() - started;
started = performance.now();
for (let i = 0; i < 10_000; i++) evaluator.evaluate(flows[i % flows.length] as FlowQuery);
const afterChangeMs = performance.now() - started;

if (sink < 0) console.log(sink);

console.log(
  `cluster: ${POD_COUNT} pods, ${NAMESPACE_COUNT} namespaces, ${POLICY_COUNT} policies (10% staged), 5,000 CIDRs`,
);
console.log(
  `allowed / pending differs: ${((allowed / evaluated) * 100).toFixed(1)}% / ${((differing / evaluated) * 100).toFixed(1)}%`,
);
printRows([
  { measure: 'compile (createEvaluator)', figure: compileMs, unit: 'ms', goal: 2000, lowerIsBetter: true },
  { measure: 'first evaluation of every pod (lazy per-endpoint lists)', figure: warmMs, unit: 'ms' },
  {
    measure: `heap used by the compiled cluster${gc ? '' : ' (run with --expose-gc)'}`,
    figure: (heapAfter - heapBefore) / 1024 / 1024,
    unit: 'MiB',
    goal: 236,
    lowerIsBetter: true,
  },
  {
    measure: `by reference: evaluate ${flows.length.toLocaleString('en-US')} distinct flows, both traces, 1 thread`,
    figure: coldRate.rate,
    unit: 'flows/CPU s',
    floor: coldRate.floor,
    floorName: 'Map.get',
    goal: 1_000_000,
  },
  {
    measure: `by reference: evaluate ${FLOW_COUNT.toLocaleString('en-US')} repeated flows (verdict cache)`,
    figure: warmRate.rate,
    unit: 'flows/CPU s',
    floor: warmRate.floor,
    floorName: 'Map.get',
    goal: 5_000_000,
  },
  { measure: 'intern an end (endpointId), once per end', figure: internRate, unit: 'ends/s' },
  {
    measure: `  by id: evaluate the ${flows.length.toLocaleString('en-US')} distinct flows (evaluateIds)`,
    figure: idColdRate.rate,
    unit: 'flows/CPU s',
    floor: idColdRate.floor,
    floorName: 'Map.get',
    goal: 1_000_000,
  },
  {
    measure: `  by id: evaluate ${FLOW_COUNT.toLocaleString('en-US')} repeated flows (evaluateIds)`,
    figure: idWarmRate.rate,
    unit: 'flows/CPU s',
    floor: idWarmRate.floor,
    floorName: 'Map.get',
    goal: 5_000_000,
  },
  { measure: 'apply one policy change (upsertPolicy)', figure: changeMs, unit: 'ms', goal: 10, lowerIsBetter: true },
  { measure: 'next 10,000 evaluations after the change', figure: afterChangeMs, unit: 'ms' },
]);
