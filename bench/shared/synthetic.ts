// A synthetic cluster at the scale of DESIGN.md, shared by the benchmarks: pods spread over
// namespaces, policies in four tiers (one in twenty a GlobalNetworkPolicy, 10% staged), and 100
// global network sets holding 5,000 CIDRs. Deterministic for a seed.
import type { ClusterState, Pod, PolicySpec, RuleSpec } from '@verdict/engine';

export interface SyntheticSize {
  pods: number;
  namespaces: number;
  policies: number;
}

export const SCALE: SyntheticSize = { pods: 15_000, namespaces: 3_000, policies: 2_000 };

export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seededRandom(42);
export const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
export const chance = (p: number) => random() < p;
export const randomInt = (below: number) => Math.floor(random() * below);
export const APPS = ['web', 'api', 'worker', 'db', 'cache'];
const TIERS = ['security', 'platform', 'application', 'default'];

export const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function rule(action: RuleSpec['action'], fields: Partial<RuleSpec> = {}): RuleSpec {
  return { action, source: {}, destination: {}, path: 'spec.ingress[0]', ...fields };
}

/** One allow-list NetworkPolicy for a namespace: ingress to app=db from the apps of `allowed` (`'api', 'web'`), optionally behind a deny of TCP 9999. */
export function dbIngressPolicy(ns: string, allowed: string, extraDeny = false): PolicySpec {
  return {
    kind: 'NetworkPolicy',
    name: 'db-ingress',
    namespace: ns,
    tier: 'default',
    order: 100,
    staged: false,
    selector: "app == 'db'",
    types: ['Ingress'],
    ingress: [
      ...(extraDeny ? [rule('Deny', { protocol: 6, destination: { ports: [{ min: 9999, max: 9999 }] } })] : []),
      rule('Allow', { protocol: 6, source: { selector: `app in {${allowed}}` } }),
    ],
    egress: [],
    skipForWorkloads: false,
    original: {},
  };
}

/** A cluster of `pods` in `namespaces`, one default-deny tier, and the db-ingress policy of each namespace (from api and web). */
export function dbIngressCluster(namespaces: ClusterState['namespaces'], pods: Pod[]): ClusterState {
  return {
    namespaces,
    pods,
    serviceAccounts: [],
    services: [],
    endpointSlices: [],
    tiers: [{ name: 'default', order: 1_000_000, defaultAction: 'Deny' }],
    networkSets: [],
    hostEndpoints: [],
    policies: namespaces.map((ns) => dbIngressPolicy(ns.name, "'api', 'web'")),
  };
}

export function buildCluster({
  pods: POD_COUNT,
  namespaces: NAMESPACE_COUNT,
  policies: POLICY_COUNT,
}: SyntheticSize = SCALE): ClusterState {
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
