// Builders and named fixtures for the resource tests (not exported from the package).

import { stringify } from 'yaml';
import type { Issue, PolicySpec } from '../model.ts';
import type { LoadResult } from './load.ts';
import { loadResources } from './load.ts';

type Json = Record<string, unknown>;

export const K8S_NP = 'networking.k8s.io/v1';
export const CALICO = 'projectcalico.org/v3';
export const ADMIN = 'policy.networking.k8s.io/v1alpha1';

export const k8sPolicy = (name: string, namespace: string, spec: Json): Json => ({
  apiVersion: K8S_NP,
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

export const stagedK8sPolicy = (name: string, namespace: string, spec: Json): Json => ({
  apiVersion: CALICO,
  kind: 'StagedKubernetesNetworkPolicy',
  metadata: { name, namespace },
  spec,
});

export const calicoPolicy = (name: string, namespace: string, spec: Json): Json => ({
  apiVersion: CALICO,
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

export const globalPolicy = (name: string, spec: Json, kind = 'GlobalNetworkPolicy'): Json => ({
  apiVersion: CALICO,
  kind,
  metadata: { name },
  spec,
});

export const stagedPolicy = (name: string, namespace: string, spec: Json): Json => ({
  apiVersion: CALICO,
  kind: 'StagedNetworkPolicy',
  metadata: { name, namespace },
  spec,
});

export const adminPolicy = (name: string, spec: Json): Json => ({
  apiVersion: ADMIN,
  kind: 'AdminNetworkPolicy',
  metadata: { name },
  spec,
});

export const baselinePolicy = (spec: Json, name = 'default'): Json => ({
  apiVersion: ADMIN,
  kind: 'BaselineAdminNetworkPolicy',
  metadata: { name },
  spec,
});

export const tier = (name: string, spec: Json = {}): Json => ({
  apiVersion: CALICO,
  kind: 'Tier',
  metadata: { name },
  spec,
});

/** A GNP with one ingress rule, for rule-validation tests. */
export const gnpWithIngress = (rule: Json): Json => globalPolicy('p', { ingress: [rule] });
export const gnpWithEgress = (rule: Json): Json => globalPolicy('p', { egress: [rule] });

/** Serialises objects as one multi-document YAML stream. */
export const yamlStream = (...objects: Json[]): string => objects.map((o) => stringify(o)).join('---\n');

/** Loads objects through the YAML path, so issues carry real lines. */
export const loadYaml = (...objects: Json[]): LoadResult =>
  loadResources([{ file: 'test.yaml', text: yamlStream(...objects) }]);

export const errors = (res: LoadResult): Issue[] => res.issues.filter((i) => i.severity === 'error');
export const warnings = (res: LoadResult): Issue[] => res.issues.filter((i) => i.severity === 'warning');

/** `{code, path}` of every error, for compact assertions. */
export const errorCodes = (res: LoadResult): { code: string; path: string }[] =>
  errors(res).map(({ code, path }) => ({ code, path }));

export const onlyPolicy = (res: LoadResult): PolicySpec => {
  const [p, ...rest] = res.state.policies;
  if (!p || rest.length > 0)
    throw new Error(`expected one policy, got ${res.state.policies.length}: ${JSON.stringify(res.issues)}`);
  return p;
};

/** The §7 worked example: a k8s NetworkPolicy whose one rule expands to four Calico rules. */
export const shopWebPolicy = k8sPolicy('web', 'shop', {
  podSelector: { matchLabels: { app: 'web' } },
  policyTypes: ['Ingress'],
  ingress: [
    {
      from: [{ podSelector: { matchLabels: { app: 'lb' } } }, { ipBlock: { cidr: '10.9.0.0/16' } }],
      ports: [{ port: 8080 }, { protocol: 'UDP', port: 53 }],
    },
  ],
});

/** One resource of every kind the loader reads. */
export const EVERY_KIND_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: retail}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f-abcde
  namespace: shop
  labels: {app: web}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f, controller: true}
spec:
  serviceAccountName: web-sa
  nodeName: node-1
  containers:
  - name: web
    ports:
    - {name: http, containerPort: 8080}
    - {name: metrics, containerPort: 9090, protocol: UDP}
    - {containerPort: 7000}
status:
  podIP: 10.0.0.5
  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web-sa, namespace: shop, labels: {role: frontend}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: admin, port: 8443, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.0.0.5]
  conditions: {ready: true}
- addresses: [10.0.0.6]
  conditions: {ready: false}
ports:
- {name: http, port: 8080, protocol: TCP}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-lb, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: calico-np, namespace: shop}
spec:
  selector: app == 'web'
  ingress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.quarantine}
spec:
  tier: security
  order: 10
  selector: quarantine == 'true'
  ingress: [{action: Deny}]
  egress: [{action: Deny}]
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: staged-np, namespace: shop}
spec:
  selector: all()
  egress: [{action: Deny}]
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: staged-gnp}
spec:
  stagedAction: Learn
  ingress: [{action: Pass}]
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: staged-knp, namespace: shop}
spec:
  podSelector: {}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: partners, namespace: shop, labels: {kind: partner}}
spec:
  nets: [198.51.100.7, 203.0.113.0/24]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: internet, labels: {kind: internet}}
spec:
  nets: [0.0.0.0/0]
  allowedEgressDomains: ["*.example.com"]
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-eth0, labels: {role: node}}
spec:
  node: node-1
  interfaceName: eth0
  expectedIPs: [192.168.1.10]
  profiles: [projectcalico-default-allow]
  ports:
  - {name: ssh, protocol: TCP, port: 22}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: cluster-control}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - {name: allow-all, action: Allow, to: [{networks: [0.0.0.0/0]}]}
`;
