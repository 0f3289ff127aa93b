// Named fixtures and builders for the data-layer tests.
import type {
  ApiDecision,
  ApiFlow,
  ApiImpactGroup,
  ApiIssue,
  ApiPolicyHit,
  ImpactReport,
  RecommendedPolicy,
} from '../api/types.ts';

let nextId = 1;

export function hit(over: Partial<ApiPolicyHit> = {}): ApiPolicyHit {
  return {
    kind: 'CalicoNetworkPolicy',
    name: 'allow-web',
    namespace: 'shop',
    tier: 'default',
    action: 'Allow',
    policyIndex: 0,
    ruleIndex: 0,
    trigger: null,
    ...over,
  };
}

/** A flow from `src` to `dst` ("namespace/name"), allowed both enforced and pending. */
export function flowBetween(src: string, dst: string, over: Partial<ApiFlow> = {}): ApiFlow {
  const [sns = '', sname = ''] = src.split('/');
  const [dns = '', dname = ''] = dst.split('/');
  return {
    id: nextId++,
    cluster: 'default',
    startTime: 1_700_000_000,
    endTime: 1_700_000_015,
    sourceName: sname,
    sourceNamespace: sns,
    sourceType: 'WorkloadEndpoint',
    destName: dname,
    destNamespace: dns,
    destType: 'WorkloadEndpoint',
    destPort: 8080,
    destServiceName: '-',
    destServiceNamespace: '-',
    destServicePortName: '-',
    destServicePort: 0,
    proto: 'tcp',
    reporter: 'Src',
    action: 'Allow',
    pendingAction: 'Allow',
    sourceLabels: ['app=web'],
    destLabels: ['app=api'],
    packetsIn: 10,
    packetsOut: 12,
    bytesIn: 1000,
    bytesOut: 1200,
    numConnectionsStarted: 1,
    numConnectionsCompleted: 1,
    numConnectionsLive: 0,
    sourceIps: [],
    sourceIpsBeyond: 0,
    destIps: [],
    destIpsBeyond: 0,
    policies: { enforced: [hit()], pending: [hit()] },
    ...over,
  };
}

export const webToApi = (over: Partial<ApiFlow> = {}) => flowBetween('shop/web', 'shop/api', over);

export const deniedCrossNamespace = (over: Partial<ApiFlow> = {}) =>
  flowBetween('shop/web', 'billing/ledger', {
    action: 'Deny',
    pendingAction: 'Deny',
    policies: {
      enforced: [
        hit({ kind: 'EndOfTier', name: 'ledger-ingress', namespace: 'billing', action: 'Deny', ruleIndex: -1 }),
      ],
      pending: [],
    },
    ...over,
  });

/** `n` flows of one key each, one second apart, the newest last. */
export function flowsAt(startTimes: readonly number[]): ApiFlow[] {
  return startTimes.map((t) => webToApi({ startTime: t, endTime: t + 15 }));
}

/** An error of the change set at a 1-based line (0 = unpositioned). */
export function issueAt(line: number, message: string, over: Partial<ApiIssue> = {}): ApiIssue {
  return {
    code: 'invalid-selector',
    severity: 'error',
    message,
    file: 'changeSet',
    line,
    column: 0,
    path: '',
    ...over,
  };
}

/** The end of tier `tier` after `policy` ("namespace/name"), which selected the endpoint. */
export function endOfTierAfter(policy: string, tier = 'application'): ApiDecision {
  const [namespace = '', name = ''] = policy.split('/');
  return {
    kind: 'EndOfTier',
    namespace: '',
    name: '',
    tier,
    action: 'Deny',
    ruleIndex: -1,
    trigger: { kind: 'CalicoNetworkPolicy', namespace, name, tier },
  };
}

export const profileAllow: ApiDecision = {
  kind: 'Profile',
  namespace: '',
  name: 'kns.payments',
  tier: '',
  action: 'Allow',
  ruleIndex: -1,
};

/** One impact group of flows into `workload` ("namespace/name") on `port`, newly denied by a default-deny. */
export function deniedInto(workload: string, port: number, over: Partial<ApiImpactGroup> = {}): ApiImpactGroup {
  const [namespace = '', name = ''] = workload.split('/');
  return {
    namespace,
    workload: name,
    peers: ['shop/checkout'],
    port,
    proto: 'tcp',
    direction: 'Ingress',
    decidedBy: endOfTierAfter(`${namespace}/application.default-deny`),
    previouslyDecidedBy: profileAllow,
    flows: 1,
    connections: 10,
    firstSeen: 1_700_000_000,
    lastSeen: 1_700_000_600,
    examples: [],
    ...over,
  };
}

export function emptyReport(over: Partial<ImpactReport> = {}): ImpactReport {
  return {
    semantics: 'Evaluated with what-if scope.',
    range: { gte: 1_700_000_000, lt: 1_700_003_600 },
    changeSet: { policies: [], deletions: [] },
    totals: {
      flowsConsidered: 0,
      flowsReevaluated: 0,
      flowsUnresolved: 0,
      newlyDenied: 0,
      newlyAllowed: 0,
      decidedDifferently: 0,
      acceptedBreakages: 0,
    },
    newlyDenied: [],
    newlyAllowed: [],
    decidedDifferently: [],
    acceptedBreakages: [],
    unexercisedRules: [],
    warnings: [],
    ...over,
  };
}

/** A drafted Calico policy for `workload` in `namespace`. */
export function draftFor(namespace: string, workload: string, kind = 'StagedNetworkPolicy'): RecommendedPolicy {
  return {
    workload,
    yaml: `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata:\n  name: verdict-${workload}\n  namespace: ${namespace}\n`,
    object: { kind, metadata: { name: `verdict-${workload}`, namespace } },
    rules: [],
  };
}
