// Named scenarios for the insights tests: a small clean cluster whose traffic every policy
// accounts for, and builders that add one problem at a time.
import { type ClusterState, createEvaluator, loadResources } from '@verdict/engine';
import { enrichRawFlow, type Flow, type FlowResult, type RawFlow } from '@verdict/flows';
import { parseChangeSet, rehearse } from '@verdict/rehearse';

/** 2026-01-01T00:00:00Z. */
export const T0 = 1_767_225_600;

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  labels: ${JSON.stringify(labels)}
spec:
  containers:
    - name: main
      ports: [{ name: http, containerPort: 8080, protocol: TCP }]
status:
  podIP: ${ip}
  podIPs: [{ ip: ${ip} }]
`;

const namespace = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${JSON.stringify({ 'kubernetes.io/metadata.name': name, ...labels })}
`;

const dnsEgress = (ns: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-dns, namespace: ${ns} }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }
          podSelector: { matchLabels: { k8s-app: kube-dns } }
      ports: [{ protocol: UDP, port: 53 }]
`;

const defaultDeny = (ns: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: ${ns} }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`;

/** shop (web → api), data (db), bank (ledger) and kube-system (coredns); every namespace default-deny with DNS. */
export const CLEAN_CLUSTER = [
  namespace('shop', { tenant: 'retail' }),
  namespace('data', { tenant: 'retail' }),
  namespace('bank', { tenant: 'finance' }),
  namespace('kube-system'),
  pod('shop', 'web', { app: 'web' }, '10.1.0.1'),
  pod('shop', 'api', { app: 'api' }, '10.1.0.2'),
  pod('data', 'db', { app: 'db' }, '10.1.1.1'),
  pod('bank', 'ledger', { app: 'ledger' }, '10.1.2.1'),
  pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.1.3.1'),
  `apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system }
spec:
  clusterIP: 10.96.0.10
  selector: { k8s-app: kube-dns }
  ports: [{ name: dns, protocol: UDP, port: 53, targetPort: 53 }]
`,
  ...['shop', 'data', 'bank'].flatMap((ns) => [defaultDeny(ns), dnsEgress(ns)]),
  `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: dns-ingress, namespace: kube-system }
spec:
  podSelector: { matchLabels: { k8s-app: kube-dns } }
  policyTypes: [Ingress]
  ingress:
    - ports: [{ protocol: UDP, port: 53 }]
`,
  `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-to-api, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: { matchLabels: { app: web } } }]
      ports: [{ protocol: TCP, port: 8080 }]
`,
  `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-egress, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Egress]
  egress:
    - to: [{ podSelector: { matchLabels: { app: api } } }]
      ports: [{ protocol: TCP, port: 8080 }]
`,
  `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-egress, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: data } }
          podSelector: { matchLabels: { app: db } }
      ports: [{ protocol: TCP, port: 5432 }]
`,
  `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-ingress, namespace: data }
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: shop } }
          podSelector: { matchLabels: { app: api } }
      ports: [{ protocol: TCP, port: 5432 }]
`,
];

export type Call = [from: string, to: string, port: number, protocol?: string, at?: number];

const ref = (end: string) => {
  if (/^\d/.test(end)) return { ip: end };
  const [namespace = '', name = ''] = end.split('/');
  return { namespace, name };
};

/** Each call once a minute for ten minutes from T0 (or once, at `at`). */
export function rawFlows(calls: readonly Call[]): RawFlow[] {
  return calls.flatMap(([from, to, destPort, protocol = 'TCP', at]) =>
    (at === undefined ? [...Array(10).keys()].map((m) => T0 + m * 60) : [at]).map((startTime) => ({
      source: ref(from),
      destination: ref(to),
      destPort,
      protocol,
      startTime,
      connectionsStarted: 1,
      bytesOut: 500,
      bytesIn: 1500,
    })),
  );
}

/** The clean cluster's traffic: every allow rule used, nothing else. */
export const CLEAN_CALLS: readonly Call[] = [
  ['shop/web', 'shop/api', 8080],
  ['shop/api', 'data/db', 5432],
  ['shop/web', 'kube-system/coredns', 53, 'UDP'],
  ['shop/api', 'kube-system/coredns', 53, 'UDP'],
  ['data/db', 'kube-system/coredns', 53, 'UDP'],
  ['bank/ledger', 'kube-system/coredns', 53, 'UDP'],
];

export interface Scenario {
  state: ClusterState;
  flows: FlowResult[];
}

/** The cluster of `documents` (each one YAML document) and its calls, enriched as Calico would report them. */
export function scenario(documents: readonly string[], calls: readonly Call[]): Scenario {
  const { state, issues } = loadResources([{ file: 'cluster.yaml', text: documents.join('---\n') }]);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0)
    throw new Error(`scenario cluster: ${errors.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const evaluator = createEvaluator(state);
  const flows: Flow[] = [];
  for (const raw of rawFlows(calls)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (!enriched.ok) throw new Error(`scenario flow: ${enriched.error.path}: ${enriched.error.message}`);
    flows.push(...enriched.flows);
  }
  return { state, flows: flows.map((flow, i) => ({ id: i + 1, flow })) };
}

/** Parses the change set and rehearses it over the flows; throws with the issues when rehearse would refuse it. */
export async function rehearseFix(s: Scenario, changeSet: string) {
  const parsed = parseChangeSet([{ file: 'fix.yaml', text: changeSet }]);
  if (!parsed.ok)
    throw new Error(`fix rejected: ${parsed.error.map((i) => `${i.path}: ${i.message}`).join('; ')}\n${changeSet}`);
  const result = await rehearse({ flows: s.flows, before: createEvaluator(s.state), changeSet: parsed.value });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
