// What the demo traffic holds beyond normal business: suspicious flows, and the live flows the
// staged policies would deny. For tests, docs and the demo's guided tour; the verdicts are what
// the demo policies (../cluster) are written to produce.
import type { FlowAction } from '@verdict/flows';

export interface DemoSuspiciousFlow {
  /** Also the id of the call-graph edge that produces it. */
  id: string;
  title: string;
  description: string;
  /** `namespace/app`; one pod of the workload plays the attacker. */
  source: string;
  destination: string;
  protocol: 'TCP' | 'UDP';
  ports: readonly number[];
  /** The verdict with enforced policies, and what decides it. */
  enforced: FlowAction;
  decidedBy: string;
  /** The verdict with staged policies treated as enforced. */
  pending: FlowAction;
}

export const DEMO_SUSPICIOUS: readonly DemoSuspiciousFlow[] = [
  {
    id: 'lateral-movement',
    title: 'Lateral movement to the database',
    description: 'A frontend pod connects to postgres directly, skipping the API tier.',
    source: 'storefront/frontend',
    destination: 'data/postgres (service postgres:5432)',
    protocol: 'TCP',
    ports: [5432],
    enforced: 'Deny',
    decidedBy:
      'egress: end of tier application after storefront/application.frontend; ingress: end of tier application after data/application.postgres',
    pending: 'Deny',
  },
  {
    id: 'metadata-ssrf',
    title: 'Cloud metadata access',
    description: 'A frontend pod requests the cloud instance metadata service, a classic SSRF target.',
    source: 'storefront/frontend',
    destination: '169.254.169.254:80',
    protocol: 'TCP',
    ports: [80],
    enforced: 'Deny',
    decidedBy: 'egress: security.block-cloud-metadata rule 0 (tier security)',
    pending: 'Deny',
  },
  {
    id: 'unexpected-egress',
    title: 'Unexpected egress to an unknown host',
    description:
      'A recommendations pod uploads megabytes to an unknown public address on port 4444. Nothing stops it today; both staged policies would.',
    source: 'shop/recommendations',
    destination: '203.0.113.66:4444',
    protocol: 'TCP',
    ports: [4444],
    enforced: 'Allow',
    decidedBy: 'no policy restricts egress from shop: tiers pass it on and profile kns.shop allows it',
    pending: 'Deny',
  },
  {
    id: 'dns-blocked',
    title: 'DNS blocked by a lock-down',
    description:
      "Grafana's egress lock-down in the security tier forgot DNS: every name lookup Grafana makes is denied.",
    source: 'monitoring/grafana',
    destination: 'kube-system/coredns (service kube-dns:53)',
    protocol: 'UDP',
    ports: [53],
    enforced: 'Deny',
    decidedBy: 'egress: security.grafana-egress rule 1 (tier security)',
    pending: 'Deny',
  },
  {
    id: 'port-scan',
    title: 'Port scan across the payments namespace',
    description: 'One catalog pod probes 20 well-known ports on every payments pod.',
    source: 'shop/catalog',
    destination: 'every pod in payments',
    protocol: 'TCP',
    ports: [21, 22, 23, 25, 80, 110, 143, 443, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 27017],
    enforced: 'Deny',
    decidedBy: 'ingress: end of tier default after the Kubernetes NetworkPolicies of payments (default-deny)',
    pending: 'Deny',
  },
];

export interface DemoStagedImpact {
  /** The staged policy, `[namespace/]name` as in staged.yaml. */
  policy: string;
  kind: 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy' | 'StagedKubernetesNetworkPolicy';
  /** Call-graph edges whose live flows are allowed today and would be denied. */
  denies: readonly string[];
  /** `pending`: Calico's staged-as-enforced verdict; `what-if`: only when a staged Delete removes its policy. */
  scope: 'pending' | 'what-if';
  why: string;
}

export const DEMO_STAGED_IMPACT: readonly DemoStagedImpact[] = [
  {
    policy: 'shop/application.default-deny',
    kind: 'StagedNetworkPolicy',
    denies: ['recommendations->redis', 'unexpected-egress'],
    scope: 'pending',
    why: 'the egress allow list names redis for cart only; recommendations -> redis meets the end of tier application',
  },
  {
    policy: 'security.restrict-internet-egress',
    kind: 'StagedGlobalNetworkPolicy',
    denies: ['unexpected-egress'],
    scope: 'pending',
    why: '203.0.113.66 is neither private nor in a network set labelled external-api',
  },
  {
    policy: 'kube-system/coredns-egress',
    kind: 'StagedKubernetesNetworkPolicy',
    denies: ['coredns->kube-apiserver'],
    scope: 'pending',
    why: 'CoreDNS may only reach its upstream resolvers, but it watches the API server (10.0.0.11:6443)',
  },
  {
    policy: 'payments/allow-orders-legacy',
    kind: 'StagedKubernetesNetworkPolicy',
    denies: ['orders->payments'],
    scope: 'what-if',
    why: 'a staged Delete: without allow-orders-legacy, refunds from shop/orders meet default-deny in payments',
  },
];
