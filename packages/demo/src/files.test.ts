import { POLICY_MANIFEST_KINDS } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { demoClusterFiles } from './files.ts';
import { demoDocuments, demoInventory } from './inventory.ts';

const files = demoClusterFiles();
const docs = demoDocuments().map((d) => d.doc);
const ofKind = (...kinds: string[]) => docs.filter((d) => kinds.includes(d.kind));
const cluster = demoInventory();

const POLICY_KINDS = [...POLICY_MANIFEST_KINDS];
const SELECTOR_KEYS = new Set(['selector', 'notSelector', 'namespaceSelector', 'serviceAccountSelector']);

/** Every Calico selector string in a resource, with its path. k8s label selectors are objects and are skipped. */
function selectorsOf(value: unknown, path = ''): { path: string; selector: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => selectorsOf(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    SELECTOR_KEYS.has(k) && typeof v === 'string'
      ? [{ path: `${path}.${k}`, selector: v }]
      : selectorsOf(v, `${path}.${k}`),
  );
}

/**
 * A shallow check of the selector syntax (reference §10): no line breaks, quoted values, `==`
 * not `=`, balanced brackets. The engine's parser is the real judge.
 */
function selectorProblems(selector: string): string[] {
  const problems: string[] = [];
  if (/[\r\n]/.test(selector)) problems.push('line break');
  const unquoted = selector.replace(/'[^']*'|"[^"]*"/g, '""');
  if (/['"]/.test(unquoted.replace(/""/g, ''))) problems.push('unterminated string');
  if (/(^|[^=!])=($|[^=])/.test(unquoted)) problems.push('single =');
  if (/(==|!=)\s*[^\s'"]/.test(unquoted)) problems.push('unquoted value');
  for (const [open, close] of ['()', '{}']) {
    let depth = 0;
    for (const c of unquoted) {
      if (c === open) depth++;
      if (c === close && --depth < 0) break;
    }
    if (depth !== 0) problems.push(`unbalanced ${open}${close}`);
  }
  return problems;
}

describe('demo cluster manifests', () => {
  it('lists the YAML files in apply order with repository paths', () => {
    expect(files.map((f) => f.file)).toEqual([
      'packages/demo/cluster/namespaces.yaml',
      'packages/demo/cluster/tiers.yaml',
      'packages/demo/cluster/nodes.yaml',
      'packages/demo/cluster/networksets.yaml',
      'packages/demo/cluster/workloads.yaml',
      'packages/demo/cluster/services.yaml',
      'packages/demo/cluster/policies-security.yaml',
      'packages/demo/cluster/policies-platform.yaml',
      'packages/demo/cluster/policies-application.yaml',
      'packages/demo/cluster/policies-kubernetes.yaml',
      'packages/demo/cluster/staged.yaml',
    ]);
  });

  it.each(files.map((f) => [f.file, f.text] as const))('%s parses, every document a named resource', (_, text) => {
    const parsed = parseAllDocuments(text);
    expect(parsed.length).toBeGreaterThan(0);
    for (const doc of parsed) {
      expect(doc.errors).toEqual([]);
      expect(doc.warnings).toEqual([]);
      const resource = doc.toJS();
      expect(resource).toMatchObject({
        apiVersion: expect.any(String),
        kind: expect.any(String),
        metadata: { name: expect.any(String) },
      });
    }
  });

  it('names every resource once', () => {
    const keys = docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('puts namespaced resources in declared namespaces', () => {
    const namespaces = new Set(ofKind('Namespace').map((d) => d.metadata.name));
    const missing = docs.filter((d) => d.metadata.namespace !== undefined && !namespaces.has(d.metadata.namespace));
    expect(missing.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([]);
  });

  it('models a shop of at least ten services in at least four namespaces', () => {
    const services = ofKind('Service').filter((s) => s.spec.selector !== undefined);
    expect(services.length).toBeGreaterThanOrEqual(10);
    expect(new Set(services.map((s) => s.metadata.namespace)).size).toBeGreaterThanOrEqual(4);
  });

  it('gives every pod an owner, workload labels, a pod IP, named ports, its service account and a known node', () => {
    const nodes = new Set(cluster.hostEndpoints.map((h) => h.node));
    const serviceAccounts = new Set(ofKind('ServiceAccount').map((d) => `${d.metadata.namespace}/${d.metadata.name}`));
    for (const pod of ofKind('Pod')) {
      const labels = pod.metadata.labels;
      expect(pod.metadata.ownerReferences?.[0]?.controller).toBe(true);
      expect(labels.app).toBe(labels['app.kubernetes.io/name']);
      expect(labels['pod-template-hash'] ?? labels['controller-revision-hash']).toBeDefined();
      expect(pod.status.podIP).toMatch(pod.spec.hostNetwork ? /^10\.0\.0\.1[1-3]$/ : /^10\.244\.[1-3]\.\d+$/);
      expect(pod.status.hostIP).toMatch(/^10\.0\.0\.1[1-3]$/);
      expect(
        pod.spec.containers
          .flatMap((c: { ports: { name?: string }[] }) => c.ports)
          .every((p: { name?: string }) => p.name),
      ).toBe(true);
      expect(serviceAccounts.has(`${pod.metadata.namespace}/${pod.spec.serviceAccountName}`)).toBe(true);
      expect(nodes.has(pod.spec.nodeName)).toBe(true);
    }
    const ips = cluster.pods.filter((p) => !p.hostNetwork).flatMap((p) => p.ips);
    expect(new Set(ips).size).toBe(ips.length);
  });

  it('gives every service a ClusterIP and backends with its named target ports', () => {
    for (const service of cluster.services) {
      expect(service.clusterIPs[0]).toMatch(/^10\.96\.\d+\.\d+$/);
      const selector = service.selector;
      if (selector === undefined) continue;
      const backends = cluster.pods.filter(
        (p) => p.namespace === service.namespace && Object.entries(selector).every(([k, v]) => p.labels[k] === v),
      );
      expect(backends.length, `${service.namespace}/${service.name}`).toBeGreaterThan(0);
      for (const port of service.ports) {
        if (typeof port.targetPort !== 'string') continue;
        for (const pod of backends) expect(pod.ports.map((p) => p.name)).toContain(port.targetPort);
      }
    }
  });

  it('writes every Calico selector in valid syntax', () => {
    const problems = ofKind(...POLICY_KINDS, 'GlobalNetworkSet', 'NetworkSet').flatMap((d) =>
      selectorsOf(d.spec, `${d.kind}/${d.metadata.name}.spec`).flatMap(({ path, selector }) =>
        selectorProblems(selector).map((problem) => `${path}: ${problem} in ${JSON.stringify(selector)}`),
      ),
    );
    expect(problems).toEqual([]);
    expect(selectorProblems("app == 'x' && b = 'y'")).toEqual(['single =']);
    expect(selectorProblems('app == x')).toEqual(['unquoted value']);
    expect(selectorProblems("app in {'a'")).toEqual(['unbalanced {}']);
  });

  it('places Calico policies in declared tiers, named <tier>.<name> as Calico 3.30 requires', () => {
    const tiers = new Set(['default', ...ofKind('Tier').map((d) => d.metadata.name)]);
    for (const policy of ofKind(
      'GlobalNetworkPolicy',
      'NetworkPolicy',
      'StagedNetworkPolicy',
      'StagedGlobalNetworkPolicy',
    )) {
      if (policy.apiVersion !== 'projectcalico.org/v3') continue;
      const tier = policy.spec.tier ?? 'default';
      expect(tiers.has(tier)).toBe(true);
      if (tier !== 'default') expect(policy.metadata.name.startsWith(`${tier}.`)).toBe(true);
    }
  });

  it('stages Set policies and one Delete with an empty spec', () => {
    const staged = ofKind('StagedNetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedKubernetesNetworkPolicy');
    expect(new Set(staged.map((d) => d.kind)).size).toBe(3);
    const deletes = staged.filter((d) => d.spec.stagedAction === 'Delete');
    expect(deletes.map((d) => Object.keys(d.spec))).toEqual([['stagedAction']]);
    const target = deletes[0]!;
    const enforced = ofKind('NetworkPolicy').find(
      (d) => d.apiVersion === 'networking.k8s.io/v1' && d.metadata.name === target.metadata.name,
    );
    expect(enforced?.metadata.namespace).toBe(target.metadata.namespace);
  });

  it('gives network sets labelled, valid CIDRs', () => {
    for (const set of ofKind('GlobalNetworkSet', 'NetworkSet')) {
      expect(Object.keys(set.metadata.labels ?? {}).length).toBeGreaterThan(0);
      for (const net of set.spec.nets) expect(net).toMatch(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/);
    }
  });
});
