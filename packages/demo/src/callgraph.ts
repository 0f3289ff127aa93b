// The demo shop's traffic, as a declarative call graph: who talks to whom, on which port, how
// often and how much. Workloads are named `namespace/app` (the pods' `app` label); services
// `namespace/name`. The generator (traffic.ts) resolves these against the cluster's pods.

export type Bytes = readonly [min: number, max: number];

/** Who opens the connections. */
export type CallSource =
  /** Every pod of the workload. */
  | { pods: string }
  /** One pod of the workload (the first by name): a single compromised replica. */
  | { pod: string }
  /** Every pod that is not on the host network, except those of the listed workloads. */
  | { allPods: true; except?: readonly string[] }
  /** The node hosting each destination pod (kubelet probes), from its HostEndpoint IP. */
  | { kubelet: true }
  /** Clients outside the cluster, a random address of this IPv4 CIDR for every connection. */
  | { external: string };

/** Where the connections go. */
export type CallDestination =
  /** A Service port by name; each connection goes to one backend pod at the target port. */
  | { service: string; port: string }
  /** The workload's pod IPs directly, at a named container port or a number. */
  | { pods: string; port: string | number }
  /** Every pod (not on the host network) that declares this named port. */
  | { scrape: string }
  /** Every node's IP (its HostEndpoint's expected IP). */
  | { nodes: number }
  /** Every pod of a namespace, each connection on one of these ports. */
  | { namespace: string; ports: readonly number[] }
  /** An external address, or a random address of a CIDR for every connection. */
  | { ip: string; port: number };

export interface CallEdge {
  /** Stable id, `source->destination`; suspicious edges use the ids of `DEMO_SUSPICIOUS`. */
  id: string;
  from: CallSource;
  to: CallDestination;
  protocol: 'TCP' | 'UDP';
  /**
   * New connections per minute from each source pod (in total for an external source); with
   * `perTarget`, to each destination separately. With `pool`, requests per minute on each pooled
   * connection.
   */
  perMinute: number;
  /** Contact every destination at `perMinute` (scrapes, probes) instead of spreading over them. */
  perTarget?: boolean;
  /** Long-lived connections kept open by each source pod (connection pools, watches, streams). */
  pool?: number;
  /** Bytes the client sends and receives per connection (per request with `pool`), log-uniform. */
  sent: Bytes;
  received: Bytes;
  /** Attempts nobody answers (the demo expects policy to drop them): SYNs only, nothing back. */
  unanswered?: boolean;
}

const PROBES: readonly [workload: string, port: string | number][] = [
  ['storefront/frontend', 'http'],
  ['storefront/api-gateway', 'http'],
  ['shop/catalog', 'http'],
  ['shop/cart', 'http'],
  ['shop/checkout', 'http'],
  ['shop/orders', 'http'],
  ['shop/recommendations', 'grpc'],
  ['payments/payments', 'https'],
  ['payments/fraud-check', 'grpc'],
  ['data/postgres', 'postgres'],
  ['data/redis', 'redis'],
  ['data/kafka', 'kafka'],
  ['monitoring/prometheus', 'web'],
  ['monitoring/grafana', 'http'],
  ['kube-system/coredns', 8181],
];

/** Ports a scanner tries first: remote shells, mail, web, databases, caches, admin consoles. */
export const SCAN_PORTS: readonly number[] = [
  21, 22, 23, 25, 80, 110, 143, 443, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 27017,
];

const http = { sent: [300, 2_000], received: [600, 48_000] } as const;
const small = { sent: [80, 600], received: [80, 1_200] } as const;

export const DEMO_CALL_GRAPH: readonly CallEdge[] = [
  // storefront
  {
    id: 'shoppers->frontend',
    from: { external: '198.51.100.0/24' },
    to: { service: 'storefront/frontend', port: 'http' },
    protocol: 'TCP',
    perMinute: 120,
    sent: [400, 2_500],
    received: [4_000, 180_000],
  },
  {
    id: 'frontend->api-gateway',
    from: { pods: 'storefront/frontend' },
    to: { service: 'storefront/api-gateway', port: 'http' },
    protocol: 'TCP',
    perMinute: 60,
    ...http,
  },
  {
    id: 'frontend->cdn',
    from: { pods: 'storefront/frontend' },
    to: { ip: '151.101.0.0/16', port: 443 },
    protocol: 'TCP',
    perMinute: 4,
    sent: [600, 2_000],
    received: [20_000, 900_000],
  },
  {
    id: 'api-gateway->catalog',
    from: { pods: 'storefront/api-gateway' },
    to: { service: 'shop/catalog', port: 'http' },
    protocol: 'TCP',
    perMinute: 40,
    ...http,
  },
  {
    id: 'api-gateway->cart',
    from: { pods: 'storefront/api-gateway' },
    to: { service: 'shop/cart', port: 'http' },
    protocol: 'TCP',
    perMinute: 20,
    ...http,
  },
  {
    id: 'api-gateway->checkout',
    from: { pods: 'storefront/api-gateway' },
    to: { service: 'shop/checkout', port: 'http' },
    protocol: 'TCP',
    perMinute: 6,
    ...http,
  },
  {
    id: 'api-gateway->orders',
    from: { pods: 'storefront/api-gateway' },
    to: { service: 'shop/orders', port: 'http' },
    protocol: 'TCP',
    perMinute: 4,
    ...http,
  },
  {
    id: 'api-gateway->recommendations',
    from: { pods: 'storefront/api-gateway' },
    to: { service: 'shop/recommendations', port: 'grpc' },
    protocol: 'TCP',
    perMinute: 15,
    ...small,
  },

  // shop
  {
    id: 'checkout->cart',
    from: { pods: 'shop/checkout' },
    to: { service: 'shop/cart', port: 'http' },
    protocol: 'TCP',
    perMinute: 6,
    ...http,
  },
  {
    id: 'checkout->catalog',
    from: { pods: 'shop/checkout' },
    to: { service: 'shop/catalog', port: 'http' },
    protocol: 'TCP',
    perMinute: 6,
    ...http,
  },
  {
    id: 'checkout->orders',
    from: { pods: 'shop/checkout' },
    to: { service: 'shop/orders', port: 'http' },
    protocol: 'TCP',
    perMinute: 3,
    ...http,
  },
  {
    id: 'checkout->payments',
    from: { pods: 'shop/checkout' },
    to: { service: 'payments/payments', port: 'https' },
    protocol: 'TCP',
    perMinute: 3,
    sent: [1_500, 4_000],
    received: [2_000, 6_000],
  },
  {
    id: 'checkout->kafka',
    from: { pods: 'shop/checkout' },
    to: { service: 'data/kafka', port: 'kafka' },
    protocol: 'TCP',
    perMinute: 6,
    pool: 1,
    ...small,
  },
  {
    id: 'catalog->postgres',
    from: { pods: 'shop/catalog' },
    to: { service: 'data/postgres', port: 'postgres' },
    protocol: 'TCP',
    perMinute: 20,
    pool: 4,
    sent: [200, 1_200],
    received: [400, 64_000],
  },
  {
    id: 'cart->redis',
    from: { pods: 'shop/cart' },
    to: { service: 'data/redis', port: 'redis' },
    protocol: 'TCP',
    perMinute: 60,
    pool: 2,
    sent: [60, 400],
    received: [40, 2_000],
  },
  {
    id: 'orders->postgres',
    from: { pods: 'shop/orders' },
    to: { service: 'data/postgres', port: 'postgres' },
    protocol: 'TCP',
    perMinute: 10,
    pool: 2,
    sent: [200, 2_000],
    received: [200, 8_000],
  },
  {
    id: 'orders->kafka',
    from: { pods: 'shop/orders' },
    to: { service: 'data/kafka', port: 'kafka' },
    protocol: 'TCP',
    perMinute: 10,
    pool: 1,
    ...small,
  },
  {
    id: 'orders->shipping-partner',
    from: { pods: 'shop/orders' },
    to: { ip: '192.0.2.128/25', port: 443 },
    protocol: 'TCP',
    perMinute: 2,
    sent: [1_000, 3_000],
    received: [500, 2_500],
  },
  {
    id: 'orders->payments',
    from: { pods: 'shop/orders' },
    to: { service: 'payments/payments', port: 'https' },
    protocol: 'TCP',
    perMinute: 1.5,
    sent: [1_000, 3_000],
    received: [1_000, 3_000],
  },
  {
    id: 'recommendations->catalog',
    from: { pods: 'shop/recommendations' },
    to: { service: 'shop/catalog', port: 'http' },
    protocol: 'TCP',
    perMinute: 4,
    ...http,
  },
  {
    id: 'recommendations->redis',
    from: { pods: 'shop/recommendations' },
    to: { service: 'data/redis', port: 'redis' },
    protocol: 'TCP',
    perMinute: 90,
    pool: 2,
    sent: [60, 300],
    received: [200, 6_000],
  },

  // payments
  {
    id: 'payments->fraud-check',
    from: { pods: 'payments/payments' },
    to: { service: 'payments/fraud-check', port: 'grpc' },
    protocol: 'TCP',
    perMinute: 3,
    sent: [500, 2_000],
    received: [100, 400],
  },
  {
    id: 'payments->stripe',
    from: { pods: 'payments/payments' },
    to: { ip: '3.18.12.0/23', port: 443 },
    protocol: 'TCP',
    perMinute: 3,
    sent: [2_000, 6_000],
    received: [3_000, 9_000],
  },
  {
    id: 'payments->postgres',
    from: { pods: 'payments/payments' },
    to: { service: 'data/postgres', port: 'postgres' },
    protocol: 'TCP',
    perMinute: 6,
    pool: 2,
    sent: [200, 1_500],
    received: [200, 4_000],
  },
  {
    id: 'payments->kafka',
    from: { pods: 'payments/payments' },
    to: { service: 'data/kafka', port: 'kafka' },
    protocol: 'TCP',
    perMinute: 4,
    pool: 1,
    ...small,
  },
  {
    id: 'fraud-check->redis',
    from: { pods: 'payments/fraud-check' },
    to: { service: 'data/redis', port: 'redis' },
    protocol: 'TCP',
    perMinute: 20,
    pool: 2,
    sent: [60, 300],
    received: [100, 3_000],
  },
  {
    id: 'fraud-check->kafka',
    from: { pods: 'payments/fraud-check' },
    to: { service: 'data/kafka', port: 'kafka' },
    protocol: 'TCP',
    perMinute: 4,
    pool: 1,
    ...small,
  },

  // data
  {
    id: 'kafka->kafka',
    from: { pods: 'data/kafka' },
    to: { pods: 'data/kafka', port: 'kafka-internal' },
    protocol: 'TCP',
    perMinute: 60,
    pool: 2,
    sent: [500, 16_000],
    received: [60, 200],
  },

  // monitoring
  {
    id: 'prometheus->metrics',
    from: { pods: 'monitoring/prometheus' },
    to: { scrape: 'metrics' },
    protocol: 'TCP',
    perMinute: 2,
    perTarget: true,
    sent: [200, 300],
    received: [2_000, 60_000],
  },
  {
    id: 'prometheus->node-exporter',
    from: { pods: 'monitoring/prometheus' },
    to: { nodes: 9100 },
    protocol: 'TCP',
    perMinute: 2,
    perTarget: true,
    sent: [200, 300],
    received: [20_000, 90_000],
  },
  {
    id: 'prometheus->kubelet',
    from: { pods: 'monitoring/prometheus' },
    to: { nodes: 10250 },
    protocol: 'TCP',
    perMinute: 2,
    perTarget: true,
    sent: [300, 600],
    received: [40_000, 400_000],
  },
  {
    id: 'prometheus->kube-apiserver',
    from: { pods: 'monitoring/prometheus' },
    to: { service: 'default/kubernetes', port: 'https' },
    protocol: 'TCP',
    perMinute: 6,
    pool: 1,
    sent: [300, 900],
    received: [400, 20_000],
  },
  {
    id: 'grafana->prometheus',
    from: { pods: 'monitoring/grafana' },
    to: { service: 'monitoring/prometheus', port: 'web' },
    protocol: 'TCP',
    perMinute: 8,
    sent: [300, 1_200],
    received: [1_000, 120_000],
  },
  {
    id: 'engineers->grafana',
    from: { external: '10.8.0.0/24' },
    to: { service: 'monitoring/grafana', port: 'http' },
    protocol: 'TCP',
    perMinute: 3,
    ...http,
  },

  // kube-system
  {
    id: 'pods->dns',
    from: { allPods: true, except: ['kube-system/coredns', 'monitoring/grafana'] },
    to: { service: 'kube-system/kube-dns', port: 'dns' },
    protocol: 'UDP',
    perMinute: 12,
    sent: [40, 90],
    received: [80, 320],
  },
  {
    id: 'coredns->upstream-dns',
    from: { pods: 'kube-system/coredns' },
    to: { ip: '1.1.1.1', port: 53 },
    protocol: 'UDP',
    perMinute: 10,
    sent: [40, 90],
    received: [80, 480],
  },
  {
    id: 'coredns->kube-apiserver',
    from: { pods: 'kube-system/coredns' },
    to: { service: 'default/kubernetes', port: 'https' },
    protocol: 'TCP',
    perMinute: 2,
    pool: 1,
    sent: [100, 400],
    received: [200, 6_000],
  },

  // kubelet probes, from each pod's node
  ...PROBES.map(
    ([workload, port]): CallEdge => ({
      id: `kubelet->${workload.split('/')[1]}`,
      from: { kubelet: true },
      to: { pods: workload, port },
      protocol: 'TCP',
      perMinute: 6,
      perTarget: true,
      sent: [100, 200],
      received: [60, 400],
    }),
  ),

  // suspicious (see suspicious.ts)
  {
    id: 'lateral-movement',
    from: { pod: 'storefront/frontend' },
    to: { service: 'data/postgres', port: 'postgres' },
    protocol: 'TCP',
    perMinute: 2,
    sent: [0, 0],
    received: [0, 0],
    unanswered: true,
  },
  {
    id: 'metadata-ssrf',
    from: { pod: 'storefront/frontend' },
    to: { ip: '169.254.169.254', port: 80 },
    protocol: 'TCP',
    perMinute: 2,
    sent: [0, 0],
    received: [0, 0],
    unanswered: true,
  },
  {
    id: 'unexpected-egress',
    from: { pod: 'shop/recommendations' },
    to: { ip: '203.0.113.66', port: 4444 },
    protocol: 'TCP',
    perMinute: 2,
    sent: [200_000, 4_000_000],
    received: [100, 600],
  },
  {
    id: 'dns-blocked',
    from: { pods: 'monitoring/grafana' },
    to: { service: 'kube-system/kube-dns', port: 'dns' },
    protocol: 'UDP',
    perMinute: 12,
    sent: [40, 90],
    received: [0, 0],
    unanswered: true,
  },
  {
    id: 'port-scan',
    from: { pod: 'shop/catalog' },
    to: { namespace: 'payments', ports: SCAN_PORTS },
    protocol: 'TCP',
    perMinute: 30,
    sent: [0, 0],
    received: [0, 0],
    unanswered: true,
  },
];
