// Engine benchmark at the scale of DESIGN.md: 15,000 pods in 3,000 namespaces, 2,000 policies in
// 4 tiers (10% staged), network sets holding 5,000 CIDRs. Prints compile time, heap, evaluation
// throughput with both traces, and the cost of one policy change.
//   npx tsx bench/engine/main.ts [--pods 15000] [--flows 1000000]
import { parseArgs } from 'node:util';
import {
  type ClusterState,
  createEvaluator,
  type FlowQuery,
  type Pod,
  type PolicySpec,
  type RuleSpec,
} from '@verdict/engine';

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
const APPS = ['web', 'api', 'worker', 'db', 'cache'];
const TIERS = ['security', 'platform', 'application', 'default'];

let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function rule(action: RuleSpec['action'], fields: Partial<RuleSpec> = {}): RuleSpec {
  return { action, source: {}, destination: {}, path: 'spec.ingress[0]', ...fields };
}

function buildCluster(): ClusterState {
  const namespaces = Array.from({ length: NAMESPACE_COUNT }, (_, i) => ({
    name: `ns-${i}`,
    labels: { 'kubernetes.io/metadata.name': `ns-${i}`, team: `team-${i % 40}`, env: i % 3 === 0 ? 'prod' : 'dev' },
  }));
  const pods: Pod[] = Array.from({ length: POD_COUNT }, (_, i) => {
    const app = APPS[i % APPS.length] as string;
    return {
      namespace: `ns-${i % NAMESPACE_COUNT}`,
      name: `${app}-${i}`,
      labels: { app, 'pod-template-hash': `h${i}`, version: `v${i % 3}` },
      ips: [ipOf(i + 1)],
      serviceAccount: app,
      ports: [{ name: 'http', protocol: 6, port: 8080 }],
    };
  });
  const networkSets = Array.from({ length: 100 }, (_, i) => ({
    name: `external-${i}`,
    labels: { kind: 'external', provider: `p${i % 10}` },
    nets: Array.from({ length: 50 }, (_, j) => `${100 + (i % 100)}.${j}.${(i * 7) % 256}.0/24`),
  }));
  const policies: PolicySpec[] = [];
  for (let i = 0; i < POLICY_COUNT; i++) {
    // One policy in twenty is a cluster-wide GlobalNetworkPolicy in the security or platform tier;
    // the rest are namespaced, in the application or default tier, as in real clusters.
    const global = i % 20 === 0;
    const tier = TIERS[(global ? 0 : 2) + (Math.floor(i / 20) % 2)] as string;
    const staged = i % 10 === 3 || i % 200 === 0;
    const namespace = `ns-${Math.floor(random() * NAMESPACE_COUNT)}`;
    const app = pick(APPS);
    const ingress = [
      rule('Allow', {
        protocol: 6,
        source: { selector: `app == '${pick(APPS)}'` },
        destination: { ports: [{ min: 8080, max: 8080 }] },
      }),
      rule('Allow', {
        protocol: 6,
        source: { namespaceSelector: `team == 'team-${i % 40}'` },
        destination: { ports: [{ name: 'http' }] },
      }),
      rule(tier === 'security' ? 'Pass' : 'Deny', { source: { nets: ['192.168.0.0/16'] } }),
    ];
    const egress = [
      rule('Allow', { protocol: 17, destination: { ports: [{ min: 53, max: 53 }] } }),
      rule('Allow', { destination: { selector: `provider == 'p${i % 10}'` } }),
      rule(tier === 'security' ? 'Pass' : 'Allow', { destination: { selector: `app in {'db', 'cache'}` } }),
    ];
    const spec: PolicySpec = {
      kind: global
        ? staged
          ? 'StagedGlobalNetworkPolicy'
          : 'GlobalNetworkPolicy'
        : staged
          ? 'StagedNetworkPolicy'
          : 'NetworkPolicy',
      name: `policy-${i}`,
      tier,
      order: (i % 50) * 10,
      staged,
      selector: global ? `app == '${app}' && version == 'v${i % 3}'` : `app == '${app}'`,
      ...(global && i % 4 === 0 ? { namespaceSelector: `env == 'prod'` } : {}),
      types: ['Ingress', 'Egress'],
      ingress,
      egress,
      skipForWorkloads: false,
      original: {},
      ...(global ? {} : { namespace }),
      ...(staged ? { stagedAction: 'Set' as const } : {}),
    };
    policies.push(spec);
  }
  return {
    namespaces,
    pods,
    serviceAccounts: [],
    services: [],
    endpointSlices: [],
    tiers: [
      { name: 'security', order: 100, defaultAction: 'Pass' },
      { name: 'platform', order: 200, defaultAction: 'Pass' },
      { name: 'application', order: 300, defaultAction: 'Deny' },
      { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
    ],
    networkSets,
    hostEndpoints: [],
    policies,
  };
}

function buildFlows(state: ClusterState): FlowQuery[] {
  return Array.from({ length: Math.min(FLOW_COUNT, 200_000) }, () => {
    const source = pick(state.pods);
    const external = random() < 0.2;
    const destination = external
      ? { ip: `${100 + Math.floor(random() * 100)}.${Math.floor(random() * 50)}.${Math.floor(random() * 256)}.9` }
      : (() => {
          const target = pick(state.pods);
          return { namespace: target.namespace, name: target.name };
        })();
    return {
      source: { namespace: source.namespace, name: source.name },
      destination,
      protocol: random() < 0.9 ? 'TCP' : 'UDP',
      destPort: pick([8080, 5432, 53, 443]),
    };
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;

const state = buildCluster();
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

let allowed = 0;
let differing = 0;
const evaluateAll = (count: number) => {
  const started = performance.now();
  for (let done = 0; done < count; done++) {
    const result = evaluator.evaluate(flows[done % flows.length] as FlowQuery);
    if (result.ok) {
      if (result.value.enforced.action === 'Allow') allowed++;
      if (result.value.enforced.action !== result.value.pending.action) differing++;
    }
  }
  return count / ((performance.now() - started) / 1000);
};
// First every flow once (nothing cached), then the same flows again and again, as aggregated
// traffic repeats: the verdict cache answers those.
const coldRate = evaluateAll(flows.length);
const warmRate = evaluateAll(FLOW_COUNT);
const evaluated = flows.length + FLOW_COUNT;

const changed = { ...(state.policies[1] as PolicySpec), selector: "app == 'api'" };
started = performance.now();
evaluator.upsertPolicy(changed);
const changeMs = performance.now() - started;
started = performance.now();
for (let i = 0; i < 10_000; i++) evaluator.evaluate(flows[i % flows.length] as FlowQuery);
const afterChangeMs = performance.now() - started;

const rows: [string, string][] = [
  ['cluster', `${POD_COUNT} pods, ${NAMESPACE_COUNT} namespaces, ${POLICY_COUNT} policies (10% staged), 5,000 CIDRs`],
  ['compile (createEvaluator)', `${compileMs.toFixed(0)} ms`],
  ['first evaluation of every pod (lazy per-endpoint policy lists)', `${warmMs.toFixed(0)} ms`],
  [
    'heap used by the compiled cluster',
    `${mb(heapAfter - heapBefore)}${gc ? '' : ' (run with --expose-gc for a steadier figure)'}`,
  ],
  [
    `evaluation of ${flows.length.toLocaleString('en-US')} distinct flows, both traces, 1 thread`,
    `${Math.round(coldRate).toLocaleString('en-US')} flows/s`,
  ],
  [
    `evaluation of ${FLOW_COUNT.toLocaleString('en-US')} repeated flows (verdict cache)`,
    `${Math.round(warmRate).toLocaleString('en-US')} flows/s`,
  ],
  [
    '  allowed / pending differs',
    `${((allowed / evaluated) * 100).toFixed(1)}% / ${((differing / evaluated) * 100).toFixed(1)}%`,
  ],
  ['apply one policy change (upsertPolicy)', `${changeMs.toFixed(1)} ms`],
  ['next 10,000 evaluations after the change', `${afterChangeMs.toFixed(0)} ms`],
];
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
