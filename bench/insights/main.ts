// Insights benchmark: every finding type over 1,000,000 aggregated flows of the DESIGN-scale cluster
// (15,000 pods, 3,000 namespaces, 2,000 policies). The flows are traces the engine produced for
// 40,000 distinct connections (pod to pod, to DNS-like ports, to public addresses), repeated over
// 15 s buckets; they are a FlowResult array, as a store's list returns them. The floor is one Map.get
// per flow over the same keys, measured in the same run.
//   npx tsx bench/insights/main.ts [--flows 1000000] [--record]
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createEvaluator } from '@verdict/engine';
import { enrichRawFlow, type FlowResult } from '@verdict/flows';
import { insights } from '@verdict/insights';
import { mapGetFloor, printRows } from '../shared/floor.ts';
import { buildCluster, ipOf, SCALE, seededRandom } from '../shared/synthetic.ts';

const { values } = parseArgs({
  options: { flows: { type: 'string', default: '1000000' }, record: { type: 'boolean', default: false } },
});
const FLOW_COUNT = Number(values.flows);
const DISTINCT = 40_000;
const GOAL_MS = 5000;

const setupStarted = performance.now();
const state = buildCluster(SCALE);
const evaluator = createEvaluator(state);
const random = seededRandom(7);
const base: FlowResult['flow'][] = [];
const START = 1_767_225_600;
while (base.length < DISTINCT) {
  const from = Math.floor(random() * SCALE.pods);
  const roll = random();
  const sameNamespace = Math.floor(random() * 5) * SCALE.namespaces + (from % SCALE.namespaces);
  const to = roll < 0.6 ? sameNamespace % SCALE.pods : Math.floor(random() * SCALE.pods);
  const external = roll > 0.95;
  const enriched = enrichRawFlow(evaluator, {
    source: { ip: ipOf(from + 1) },
    destination: external
      ? { ip: `203.0.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 250)}` }
      : { ip: ipOf(to + 1) },
    destPort: external ? 443 : roll < 0.3 ? 53 : roll < 0.4 ? 1000 + Math.floor(random() * 40) : 8080,
    protocol: roll < 0.3 ? 'UDP' : 'TCP',
    startTime: START,
    connectionsStarted: 1,
    bytesOut: 500,
    bytesIn: 2000,
  });
  if (enriched.ok) base.push(...enriched.flows);
}
const flows: FlowResult[] = [];
for (let i = 0; flows.length < FLOW_COUNT; i++) {
  const flow = base[i % base.length] as FlowResult['flow'];
  const shift = Math.floor(i / base.length) * 15;
  flows.push({ id: i + 1, flow: { ...flow, startTime: START + shift, endTime: START + shift + 15 } });
}
const setupSeconds = (performance.now() - setupStarted) / 1000;

const keys = base.map(
  (f) => `${f.key.sourceNamespace}/${f.key.sourceName}>${f.key.destNamespace}/${f.key.destName}:${f.key.destPort}`,
);
const floorRate = mapGetFloor(keys, FLOW_COUNT);
const floorMs = (FLOW_COUNT / floorRate) * 1000;

const timings = new Map<string, number>();
const started = performance.now();
const report = insights({ state, evaluator, flows }, { timings });
const ms = performance.now() - started;
const byType = new Map<string, number>();
for (const f of report.findings) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);

const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const lines = [
  `- cluster: ${SCALE.pods} pods, ${SCALE.namespaces} namespaces, ${state.policies.length} policies; ${flows.length} flows from ${base.length} distinct records (setup ${setupSeconds.toFixed(1)} s)`,
  `- insights: ${Math.round(ms)} ms — ${report.findings.length} findings (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')})`,
  `- steps: ${[...timings].map(([step, t]) => `${step} ${Math.round(t)} ms`).join(', ')}`,
];
console.log(`Machine: ${machine}`);
for (const line of lines) console.log(line);
printRows([
  {
    measure: `insights over ${FLOW_COUNT.toLocaleString('en-US')} flows`,
    figure: ms,
    unit: 'ms',
    floor: floorMs,
    floorName: 'one Map.get per flow',
    goal: GOAL_MS,
    lowerIsBetter: true,
  },
]);
if (values.record)
  appendFileSync('bench/insights/last-run.txt', `${new Date().toISOString()} ${machine}\n${lines.join('\n')}\n`);
