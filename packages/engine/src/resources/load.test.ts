import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../model.ts';
import {
  CALICO,
  calicoPolicy,
  EVERY_KIND_YAML,
  errorCodes,
  errors,
  k8sPolicy,
  loadYaml,
  onlyPolicy,
  shopWebPolicy,
  tier,
  warnings,
  yamlStream,
} from './fixtures.ts';
import { BUILTIN_TIERS, emptyClusterState, loadObjects, loadResources, mergeStates } from './index.ts';

const everyKind = () => loadResources([{ file: 'cluster.yaml', text: EVERY_KIND_YAML }], { calicoVersion: '3.31' });

describe('every kind loads', () => {
  it('loads the every-kind fixture without issues', () => {
    const res = everyKind();
    expect(res.issues).toEqual([]);
    const { state } = res;
    expect(state.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(state.pods).toHaveLength(1);
    expect(state.serviceAccounts).toHaveLength(1);
    expect(state.services).toHaveLength(1);
    expect(state.endpointSlices).toHaveLength(1);
    expect(state.networkSets).toHaveLength(2);
    expect(state.hostEndpoints).toHaveLength(1);
    expect(state.policies.map((p) => p.kind)).toEqual([
      'KubernetesNetworkPolicy',
      'NetworkPolicy',
      'GlobalNetworkPolicy',
      'StagedNetworkPolicy',
      'StagedGlobalNetworkPolicy',
      'StagedKubernetesNetworkPolicy',
      'AdminNetworkPolicy',
      'BaselineAdminNetworkPolicy',
    ]);
    expect(state.tiers.map((t) => t.name)).toEqual([...BUILTIN_TIERS.map((t) => t.name), 'security']);
  });

  it('adds the automatic kubernetes.io/metadata.name label to namespaces', () => {
    const ns = everyKind().state.namespaces[0];
    expect(ns?.labels).toEqual({ team: 'retail', 'kubernetes.io/metadata.name': 'shop' });
    expect(ns?.source).toEqual({ file: 'cluster.yaml', line: 1 });
  });

  it('reads pods: IPs, named ports, service account, node and owner', () => {
    const pod = everyKind().state.pods[0];
    expect(pod).toMatchObject({
      namespace: 'shop',
      name: 'web-7d9f-abcde',
      labels: { app: 'web' },
      ips: ['10.0.0.5', 'fd00::5'],
      serviceAccount: 'web-sa',
      ports: [
        { name: 'http', protocol: 6, port: 8080 },
        { name: 'metrics', protocol: 17, port: 9090 },
      ],
      nodeName: 'node-1',
      owner: 'web-7d9f',
      source: { file: 'cluster.yaml', line: 7 },
    });
  });

  it('defaults the pod service account and takes the owner from generateName', () => {
    const res = loadObjects([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0x', namespace: 'x', generateName: 'db-' } },
    ]);
    expect(res.state.pods[0]).toMatchObject({ serviceAccount: 'default', owner: 'db', ips: [], ports: [] });
  });

  it('reads services, endpoint slices (ready endpoints only), sets and host endpoints', () => {
    const { state } = everyKind();
    expect(state.services[0]).toMatchObject({
      clusterIPs: ['10.96.0.10'],
      selector: { app: 'web' },
      ports: [
        { name: 'http', protocol: 6, port: 80, targetPort: 'http' },
        { name: 'admin', protocol: 6, port: 8443, targetPort: 8443 },
      ],
    });
    expect(state.endpointSlices[0]).toMatchObject({
      serviceName: 'web',
      addresses: ['10.0.0.5'],
      ports: [{ name: 'http', protocol: 6, port: 8080 }],
    });
    expect(state.networkSets[0]).toMatchObject({ namespace: 'shop', nets: ['198.51.100.7/32', '203.0.113.0/24'] });
    expect(state.networkSets[1]).toMatchObject({ name: 'internet', allowedEgressDomains: ['*.example.com'] });
    expect(state.networkSets[1]).not.toHaveProperty('namespace');
    expect(state.hostEndpoints[0]).toMatchObject({
      node: 'node-1',
      interfaceName: 'eth0',
      expectedIPs: ['192.168.1.10'],
      profiles: ['projectcalico-default-allow'],
      ports: [{ name: 'ssh', protocol: 6, port: 22 }],
    });
  });

  it('keeps the parsed object and the source line on every policy', () => {
    const gnp = everyKind().state.policies.find((p) => p.kind === 'GlobalNetworkPolicy');
    const apiVersionLine = EVERY_KIND_YAML.split('\n').indexOf('kind: GlobalNetworkPolicy'); // 1-based line before it
    expect(gnp?.source).toEqual({ file: 'cluster.yaml', line: apiVersionLine });
    expect(gnp?.original).toMatchObject({ kind: 'GlobalNetworkPolicy', metadata: { name: 'security.quarantine' } });
  });
});

describe('wrappers and streams', () => {
  const items = [shopWebPolicy, calicoPolicy('c', 'shop', {})];

  it('unwraps kind: List', () => {
    const res = loadYaml({ apiVersion: 'v1', kind: 'List', items });
    expect(res.issues).toEqual([]);
    expect(res.state.policies.map((p) => p.name)).toEqual(['web', 'c']);
  });

  it('unwraps a bare kubectl {items: [...]} object', () => {
    const res = loadResources([{ file: 'get.json', text: JSON.stringify({ items }, null, 2) }]);
    expect(res.issues).toEqual([]);
    expect(res.state.policies).toHaveLength(2);
  });

  it('infers item kind and apiVersion from a typed list such as PodList', () => {
    const res = loadObjects([
      { apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'a', namespace: 'x' } }] },
    ]);
    expect(res.issues).toEqual([]);
    expect(res.state.pods.map((p) => p.name)).toEqual(['a']);
  });

  it('reports the line of an error inside a List item', () => {
    const bad = k8sPolicy('bad', 'shop', { podSelector: {}, policyTypes: ['Sideways'] });
    const text = yamlStream({ apiVersion: 'v1', kind: 'List', items: [shopWebPolicy, bad] });
    const res = loadResources([{ file: 'list.yaml', text }]);
    const lines = text.split('\n');
    expect(errorCodes(res)).toEqual([{ code: 'invalid-value', path: 'spec.policyTypes[0]' }]);
    const issue = errors(res)[0]!;
    expect(lines[issue.line - 1]).toContain('Sideways');
    expect(res.state.policies.map((p) => p.name)).toEqual(['web']);
  });

  it('reports an error in the 2nd document of a stream at its line, and loads the 1st', () => {
    const text = [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: shop}',
      '---',
      'apiVersion: projectcalico.org/v3',
      'kind: NetworkPolicy',
      'metadata: {name: p, namespace: shop}',
      'spec:',
      '  ingress:',
      '  - action: Allow',
      '    destination:',
      '      ports: [0]',
      '      protocol: TCP',
    ].join('\n');
    const res = loadResources([{ file: 'multi.yaml', text }]);
    expect(res.state.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(res.state.policies).toEqual([]);
    const portIssue = res.issues.find((i) => i.code === 'invalid-port');
    expect(portIssue).toMatchObject({
      file: 'multi.yaml',
      line: 12,
      column: 15,
      path: 'spec.ingress[0].destination.ports[0]',
    });
    expect(portIssue?.message).toContain('NetworkPolicy shop/p');
    // the misplaced `protocol` is an unknown entity field
    expect(res.issues.find((i) => i.code === 'unknown-field')?.path).toBe('spec.ingress[0].destination.protocol');
  });

  it('gives yaml-syntax with line and column for malformed YAML, and keeps the other documents', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: [x\n';
    const res = loadResources([{ file: 'bad.yaml', text }]);
    const syntax = res.issues.filter((i) => i.code === 'yaml-syntax');
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax[0]).toMatchObject({ severity: 'error', file: 'bad.yaml' });
    expect(syntax[0]!.line).toBeGreaterThanOrEqual(6);
    expect(syntax[0]!.column).toBeGreaterThan(0);
    expect(res.state.namespaces.map((n) => n.name)).toEqual(['a']);
  });

  it('reports duplicate map keys as yaml-syntax', () => {
    const res = loadResources([{ file: 'dup.yaml', text: 'kind: Namespace\nkind: Pod\n' }]);
    expect(res.issues[0]).toMatchObject({ code: 'yaml-syntax', line: 2 });
  });

  it('skips empty documents and comments', () => {
    const res = loadResources([{ file: 'e.yaml', text: '---\n# nothing\n---\n' }]);
    expect(res.issues).toEqual([]);
  });

  it('reports non-objects and missing kind', () => {
    const res = loadObjects(['hello', { metadata: { name: 'x' } }]);
    expect(errorCodes(res)).toEqual([
      { code: 'not-an-object', path: '' },
      { code: 'missing-field', path: 'kind' },
    ]);
  });

  it('loadObjects gives line and column 0', () => {
    const res = loadObjects([k8sPolicy('p', 'x', { policyTypes: ['Up'] })], 'data.json');
    expect(errors(res)[0]).toMatchObject({ file: 'data.json', line: 0, column: 0, path: 'spec.policyTypes[0]' });
  });
});

describe('kinds, identities and namespaces', () => {
  it('warns about unknown kinds and skips them', () => {
    const res = loadYaml({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, shopWebPolicy);
    expect(warnings(res)).toMatchObject([{ code: 'unknown-kind', path: 'kind', line: 2 }]);
    expect(errors(res)).toEqual([]);
    expect(res.state.policies).toHaveLength(1);
  });

  it('warns about a known kind in an unsupported apiVersion', () => {
    const res = loadObjects([{ ...tier('t'), apiVersion: 'crd.projectcalico.org/v1' }]);
    expect(warnings(res)).toMatchObject([{ code: 'unknown-kind', path: 'apiVersion' }]);
  });

  it('needs apiVersion to tell a Calico from a Kubernetes NetworkPolicy', () => {
    const res = loadObjects([{ kind: 'NetworkPolicy', metadata: { name: 'p' } }]);
    expect(errorCodes(res)).toEqual([{ code: 'missing-field', path: 'apiVersion' }]);
  });

  it('warns about duplicate identities and keeps the last', () => {
    const first = calicoPolicy('p', 'shop', { order: 1 });
    const second = calicoPolicy('p', 'shop', { order: 2 });
    const res = loadYaml(first, second);
    expect(warnings(res)).toMatchObject([{ code: 'duplicate', path: 'metadata.name' }]);
    expect(onlyPolicy(res).order).toBe(2);
  });

  it('does not treat a Calico and a Kubernetes policy of the same name as duplicates', () => {
    const res = loadYaml(calicoPolicy('web', 'shop', {}), shopWebPolicy);
    expect(res.issues).toEqual([]);
    expect(res.state.policies).toHaveLength(2);
  });

  it('creates namespaces implicitly for namespaced objects, without an issue', () => {
    const res = loadYaml(shopWebPolicy, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
    expect(res.issues).toEqual([]);
    expect(res.state.namespaces).toEqual([
      { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
      { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } },
    ]);
    expect(res.state.pods[0]?.namespace).toBe('default');
  });

  it('skips a resource with an error but loads the rest', () => {
    const res = loadYaml(calicoPolicy('bad', 'shop', { selector: 'a ==' }), shopWebPolicy);
    expect(errorCodes(res)).toEqual([{ code: 'invalid-selector', path: 'spec.selector' }]);
    expect(res.state.policies.map((p) => p.name)).toEqual(['web']);
  });

  it('reports every issue of a resource at once', () => {
    const res = loadYaml(
      calicoPolicy('p', 'shop', {
        selector: 'a ==',
        types: ['Ingress', 'Ingress'],
        ingress: [{ action: 'Accept' }, { action: 'Allow', protocol: 'TCP', destination: { ports: [70000] } }],
      }),
    );
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-selector', path: 'spec.selector' },
      { code: 'invalid-value', path: 'spec.ingress[0].action' },
      { code: 'invalid-port', path: 'spec.ingress[1].destination.ports[0]' },
      { code: 'invalid-value', path: 'spec.types[1]' },
    ]);
  });

  it('warns when a policy names a tier that is not defined', () => {
    const res = loadYaml(calicoPolicy('p', 'shop', { tier: 'nope' }));
    expect(warnings(res)).toMatchObject([{ code: 'invalid-value', path: 'spec.tier' }]);
    expect(res.state.policies).toHaveLength(1);
  });

  it('reports wrong types with what was expected', () => {
    const res = loadYaml(calicoPolicy('p', 'shop', { order: 'first', ingress: {} }));
    expect(errorCodes(res)).toEqual([
      { code: 'wrong-type', path: 'spec.order' },
      { code: 'wrong-type', path: 'spec.ingress' },
    ]);
    expect(errors(res)[0]?.message).toContain('order must be a number, got a string ("first")');
  });

  it('reports invalid names and label values', () => {
    const res = loadObjects([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Shop_1' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x', labels: { app: 3, 'bad key!': 'v' } } },
    ]);
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-name', path: 'metadata.name' },
      { code: 'wrong-type', path: 'metadata.labels.app' },
      { code: 'invalid-value', path: 'metadata.labels["bad key!"]' },
    ]);
  });
});

describe('built-in tiers and merging', () => {
  it('emptyClusterState has the built-in tiers', () => {
    expect(emptyClusterState().tiers).toEqual([
      { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
      { name: 'adminnetworkpolicy', order: 1000, defaultAction: 'Pass' },
      { name: 'baselineadminnetworkpolicy', order: 10_000_000, defaultAction: 'Pass' },
      { name: 'kube-admin', order: 1000, defaultAction: 'Pass' },
      { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
    ]);
  });

  it("mergeStates replaces a's objects with b's of the same identity", () => {
    const a = loadYaml(
      calicoPolicy('p', 'shop', { order: 1 }),
      calicoPolicy('q', 'shop', {}),
      tier('t', { order: 5 }),
    ).state;
    const b = loadYaml(calicoPolicy('p', 'shop', { order: 2 }), tier('t', { order: 6 })).state;
    const merged: ClusterState = mergeStates(a, b);
    expect(merged.policies.map((p) => [p.name, p.order])).toEqual([
      ['p', 2],
      ['q', undefined],
    ]);
    expect(merged.tiers.find((t) => t.name === 't')?.order).toBe(6);
    expect(merged.tiers).toHaveLength(BUILTIN_TIERS.length + 1);
  });

  it("mergeStates keeps a's written namespace over b's implicit one", () => {
    const a = loadYaml({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { team: 'x' } },
    }).state;
    const b = loadYaml(shopWebPolicy).state;
    expect(mergeStates(a, b).namespaces).toMatchObject([{ name: 'shop', labels: { team: 'x' } }]);
  });

  it('accepts a user-written reserved tier with its fixed values and rejects others', () => {
    const ok = loadYaml(tier('default', { defaultAction: 'Deny' }));
    expect(ok.issues).toEqual([]);
    expect(ok.state.tiers.find((t) => t.name === 'default')).toMatchObject({ order: 1_000_000, defaultAction: 'Deny' });
    const bad = loadYaml(tier('default', { order: 5, defaultAction: 'Pass' }), tier('kube-admin', { order: 1 }));
    expect(errorCodes(bad)).toEqual([
      { code: 'invalid-value', path: 'spec.order' },
      { code: 'invalid-value', path: 'spec.defaultAction' },
      { code: 'invalid-value', path: 'spec.order' },
    ]);
  });
});

describe('§11 tier validation', () => {
  it('rejects tier names with dots and unknown default actions', () => {
    const res = loadYaml(tier('a.b'), tier('c', { defaultAction: 'Allow' }));
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-name', path: 'metadata.name' },
      { code: 'invalid-value', path: 'spec.defaultAction' },
    ]);
  });

  it('defaults defaultAction to Deny and keeps order optional', () => {
    const res = loadYaml({ apiVersion: CALICO, kind: 'Tier', metadata: { name: 'plain' } });
    expect(res.state.tiers.at(-1)).toEqual({
      name: 'plain',
      defaultAction: 'Deny',
      source: { file: 'test.yaml', line: 1 },
    });
  });
});

describe('endpoint and host endpoint validation', () => {
  it('needs expectedIPs when a host endpoint has no interfaceName, and a node', () => {
    const hep = (spec: Record<string, unknown>) => ({
      apiVersion: CALICO,
      kind: 'HostEndpoint',
      metadata: { name: 'h' },
      spec,
    });
    expect(errorCodes(loadYaml(hep({ node: 'n1', expectedIPs: [] })))).toEqual([
      { code: 'missing-field', path: 'spec.expectedIPs' },
    ]);
    expect(errorCodes(loadYaml(hep({ interfaceName: 'eth0' })))).toEqual([
      { code: 'missing-field', path: 'spec.node' },
    ]);
    expect(
      errorCodes(loadYaml(hep({ node: 'n1', interfaceName: '*', ports: [{ name: 'Bad', protocol: 'TCP', port: 0 }] }))),
    ).toEqual([
      { code: 'invalid-port', path: 'spec.ports[0].name' },
      { code: 'invalid-port', path: 'spec.ports[0].port' },
    ]);
  });

  it('ignores the addresses of FQDN endpoint slices', () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's', namespace: 'x', labels: { 'kubernetes.io/service-name': 'ext' } },
      addressType: 'FQDN',
      endpoints: [{ addresses: ['db.example.com'] }],
    };
    const res = loadYaml(slice);
    expect(res.issues).toEqual([]);
    expect(res.state.endpointSlices[0]).toMatchObject({ serviceName: 'ext', addresses: [] });
  });

  it('rejects the reserved projectcalico.org/namespace label on network sets and bad nets', () => {
    const set = {
      apiVersion: CALICO,
      kind: 'NetworkSet',
      metadata: { name: 's', namespace: 'x', labels: { 'projectcalico.org/namespace': 'y' } },
      spec: { nets: ['10.0.0.0/40'] },
    };
    expect(errorCodes(loadYaml(set))).toEqual([
      { code: 'invalid-value', path: 'metadata.labels["projectcalico.org/namespace"]' },
      { code: 'invalid-cidr', path: 'spec.nets[0]' },
    ]);
  });
});
