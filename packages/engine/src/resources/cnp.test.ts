// ClusterNetworkPolicy v1alpha2: one test per rule of reference §15 (validation §15.1, semantics
// §15.2, Calico's conversion §15.3).
import { describe, expect, it } from 'vitest';
import { createEvaluator, type FlowQuery } from '../evaluate/evaluator.ts';
import { hitString, pod } from '../evaluate/fixtures.ts';
import type { ClusterState, NetworkSet, Pod } from '../model.ts';
import { errorCodes, errors, k8sPolicy, loadYaml, onlyPolicy, warnings } from './fixtures.ts';
import type { Json } from './read.ts';

const CNP = 'policy.networking.k8s.io/v1alpha2';
const ORCH = "projectcalico.org/orchestrator == 'k8s'";

const cnp = (name: string, spec: Json): Json => ({
  apiVersion: CNP,
  kind: 'ClusterNetworkPolicy',
  metadata: { name },
  spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ...spec },
});
const ns = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const tcp = (number: number) => ({ tcp: { destinationPort: { number } } });

const web = pod('shop/web', '10.0.1.1', { app: 'web' }, { ports: [{ name: 'http', protocol: 6, port: 8080 }] });
const db = pod('shop/db', '10.0.1.2', { app: 'db' }, { ports: [{ name: 'dns', protocol: 17, port: 5353 }] });
const tool = pod('ops/tool', '10.0.2.1', { app: 'tool' });

function clusterWith(policies: Json[], extra: { pods?: Pod[]; networkSets?: NetworkSet[] } = {}): ClusterState {
  const loaded = loadYaml(...policies);
  expect(errors(loaded)).toEqual([]);
  const pods = extra.pods ?? [web, db, tool];
  return {
    ...loaded.state,
    namespaces: [...new Set(pods.map((p) => p.namespace))].map((name) => ({
      name,
      labels: { 'kubernetes.io/metadata.name': name },
    })),
    pods,
    networkSets: extra.networkSets ?? [],
  };
}

type Query = Partial<FlowQuery> & Pick<FlowQuery, 'source' | 'destination'>;
const toDb: Query = { source: { namespace: 'shop', name: 'web' }, destination: { namespace: 'shop', name: 'db' } };
const toolToDb: Query = { source: { namespace: 'ops', name: 'tool' }, destination: { namespace: 'shop', name: 'db' } };

function verdict(state: ClusterState, query: Query) {
  const result = createEvaluator(state).evaluate({ protocol: 'TCP', destPort: 5432, ...query });
  if (!result.ok) throw new Error(result.error.message);
  return result.value.enforced;
}
const ingressHits = (state: ClusterState, query: Query) => verdict(state, query).ingress?.hits.map(hitString);
const egressHits = (state: ClusterState, query: Query) => verdict(state, query).egress?.hits.map(hitString);

describe('ClusterNetworkPolicy validation (reference §15.1)', () => {
  it('spec.tier is required and is Admin or Baseline', () => {
    expect(errorCodes(loadYaml(cnp('a', { tier: undefined })))).toEqual([{ code: 'missing-field', path: 'spec.tier' }]);
    expect(errorCodes(loadYaml(cnp('a', { tier: 'admin' })))).toEqual([{ code: 'invalid-value', path: 'spec.tier' }]);
  });

  it('spec.priority is required and between 0 and 1000', () => {
    expect(errorCodes(loadYaml(cnp('a', { priority: undefined })))).toEqual([
      { code: 'missing-field', path: 'spec.priority' },
    ]);
    expect(errorCodes(loadYaml(cnp('a', { priority: 1001 })))).toEqual([
      { code: 'invalid-value', path: 'spec.priority' },
    ]);
    expect(errorCodes(loadYaml(cnp('a', { priority: 0 })))).toEqual([]);
  });

  it('spec.subject is required and sets exactly one of namespaces or pods', () => {
    expect(errorCodes(loadYaml(cnp('a', { subject: undefined })))).toEqual([
      { code: 'missing-field', path: 'spec.subject' },
    ]);
    expect(errorCodes(loadYaml(cnp('a', { subject: {} })))).toEqual([{ code: 'invalid-value', path: 'spec.subject' }]);
    const both = { namespaces: {}, pods: { podSelector: {} } };
    expect(errorCodes(loadYaml(cnp('a', { subject: both })))).toEqual([
      { code: 'invalid-value', path: 'spec.subject' },
    ]);
  });

  it('pods.podSelector is required and pods.namespaceSelector is optional (missing selects every namespace)', () => {
    expect(errorCodes(loadYaml(cnp('a', { subject: { pods: { namespaceSelector: {} } } })))).toEqual([
      { code: 'missing-field', path: 'spec.subject.pods.podSelector' },
    ]);
    const p = onlyPolicy(loadYaml(cnp('a', { subject: { pods: { podSelector: { matchLabels: { app: 'db' } } } } })));
    expect(p).toMatchObject({ selector: `${ORCH} && app == 'db'`, namespaceSelector: 'all()' });
  });

  it('ingress and egress hold at most 25 rules each', () => {
    const rules = Array.from({ length: 26 }, () => ({ action: 'Deny', from: [{ namespaces: {} }] }));
    expect(errorCodes(loadYaml(cnp('a', { ingress: rules })))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress' },
    ]);
    expect(errors(loadYaml(cnp('a', { ingress: rules.slice(1) })))).toEqual([]);
  });

  it('a rule name has at most 100 characters', () => {
    const rule = { name: 'x'.repeat(101), action: 'Deny', from: [{ namespaces: {} }] };
    expect(errorCodes(loadYaml(cnp('a', { ingress: [rule] })))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress[0].name' },
    ]);
  });

  it('a rule action is required and one of Accept, Deny or Pass', () => {
    expect(errorCodes(loadYaml(cnp('a', { ingress: [{ from: [{ namespaces: {} }] }] })))).toEqual([
      { code: 'missing-field', path: 'spec.ingress[0].action' },
    ]);
    expect(errorCodes(loadYaml(cnp('a', { ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] })))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress[0].action' },
    ]);
  });

  it('ingress from holds 1 to 25 peers, each exactly one of namespaces or pods', () => {
    expect(errorCodes(loadYaml(cnp('a', { ingress: [{ action: 'Deny', from: [] }] })))).toEqual([
      { code: 'missing-field', path: 'spec.ingress[0].from' },
    ]);
    const many = Array.from({ length: 26 }, () => ({ namespaces: {} }));
    expect(errorCodes(loadYaml(cnp('a', { ingress: [{ action: 'Deny', from: many }] })))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress[0].from' },
    ]);
    const networks = loadYaml(cnp('a', { ingress: [{ action: 'Deny', from: [{ networks: ['10.0.0.0/8'] }] }] }));
    expect(errorCodes(networks)).toEqual([{ code: 'invalid-value', path: 'spec.ingress[0].from[0]' }]);
  });

  it('egress to peers set exactly one of namespaces, pods, networks, nodes or domainNames', () => {
    const two = { namespaces: {}, networks: ['10.0.0.0/8'] };
    expect(errorCodes(loadYaml(cnp('a', { egress: [{ action: 'Deny', to: [two] }] })))).toEqual([
      { code: 'invalid-value', path: 'spec.egress[0].to[0]' },
    ]);
    expect(errorCodes(loadYaml(cnp('a', { egress: [{ action: 'Deny', to: [{}] }] })))).toEqual([
      { code: 'invalid-value', path: 'spec.egress[0].to[0]' },
    ]);
  });

  it('networks hold 1 to 25 CIDRs, a set, at most 43 characters each; a bare IP is not a CIDR', () => {
    const net = (networks: unknown[]) => loadYaml(cnp('a', { egress: [{ action: 'Deny', to: [{ networks }] }] }));
    expect(errorCodes(net([]))).toEqual([{ code: 'missing-field', path: 'spec.egress[0].to[0].networks' }]);
    expect(errorCodes(net(['10.0.0.1']))).toEqual([{ code: 'invalid-cidr', path: 'spec.egress[0].to[0].networks[0]' }]);
    expect(errorCodes(net(['10.0.0.0/8', '10.0.0.0/8']))).toEqual([
      { code: 'duplicate', path: 'spec.egress[0].to[0].networks[1]' },
    ]);
    const many = Array.from({ length: 26 }, (_, i) => `10.${i}.0.0/16`);
    expect(errorCodes(net(many))).toEqual([{ code: 'invalid-value', path: 'spec.egress[0].to[0].networks' }]);
    expect(errorCodes(net([`${'0:'.repeat(20)}0/64`])).map((e) => e.code)).toContain('invalid-cidr');
    expect(onlyPolicy(net(['10.1.2.3/16'])).egress[0]?.destination.nets).toEqual(['10.1.0.0/16']);
  });

  it('domainNames are names such as example.io or *.example.io, with * only as the first label', () => {
    const dns = (domainNames: unknown[]) =>
      loadYaml(cnp('a', { egress: [{ action: 'Accept', to: [{ domainNames }] }] }));
    expect(errors(dns(['example.io', '*.example.io']))).toEqual([]);
    expect(errorCodes(dns(['a.*.example.io']))).toEqual([
      { code: 'invalid-value', path: 'spec.egress[0].to[0].domainNames[0]' },
    ]);
    expect(errorCodes(dns([]))).toEqual([{ code: 'missing-field', path: 'spec.egress[0].to[0].domainNames' }]);
  });

  it('protocols hold 1 to 25 entries, each exactly one of tcp, udp, sctp or destinationNamedPort', () => {
    const rule = (protocols: unknown) =>
      loadYaml(cnp('a', { ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols }] }));
    expect(errorCodes(rule([]))).toEqual([{ code: 'missing-field', path: 'spec.ingress[0].protocols' }]);
    expect(errorCodes(rule([{ ...tcp(80), udp: { destinationPort: { number: 53 } } }]))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress[0].protocols[0]' },
    ]);
    expect(errorCodes(rule(Array.from({ length: 26 }, (_, i) => tcp(i + 1))))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress[0].protocols' },
    ]);
  });

  it('tcp, udp and sctp need a destinationPort with exactly one of number or range', () => {
    const rule = (protocols: unknown) =>
      loadYaml(cnp('a', { ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols }] }));
    expect(errorCodes(rule([{ tcp: {} }]))).toEqual([
      { code: 'missing-field', path: 'spec.ingress[0].protocols[0].tcp.destinationPort' },
    ]);
    expect(errorCodes(rule([{ udp: { destinationPort: { number: 1, range: { start: 1, end: 2 } } } }]))).toEqual([
      { code: 'invalid-value', path: 'spec.ingress[0].protocols[0].udp.destinationPort' },
    ]);
  });

  it('a port number is 1 to 65535 and a range needs start below end', () => {
    const rule = (protocols: unknown) =>
      loadYaml(cnp('a', { ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols }] }));
    expect(errorCodes(rule([tcp(0)]))).toEqual([
      { code: 'invalid-port', path: 'spec.ingress[0].protocols[0].tcp.destinationPort.number' },
    ]);
    expect(errorCodes(rule([{ sctp: { destinationPort: { range: { start: 90, end: 90 } } } }]))).toEqual([
      { code: 'invalid-port', path: 'spec.ingress[0].protocols[0].sctp.destinationPort.range.end' },
    ]);
  });

  it('an egress rule with a networks, nodes or domainNames peer cannot have a destinationNamedPort', () => {
    const rule = { action: 'Deny', to: [{ networks: ['10.0.0.0/8'] }], protocols: [{ destinationNamedPort: 'web' }] };
    expect(errorCodes(loadYaml(cnp('a', { egress: [rule] })))).toEqual([
      { code: 'invalid-rule', path: 'spec.egress[0].protocols' },
    ]);
  });
});

describe('ClusterNetworkPolicy evaluation as Calico 3.32 enforces it (reference §15.2, §15.3)', () => {
  it('tier Admin is kube-admin (order 1000) and Baseline is kube-baseline (order 10000000), both default Pass', () => {
    const admin = onlyPolicy(loadYaml(cnp('a', {})));
    const baseline = onlyPolicy(loadYaml(cnp('b', { tier: 'Baseline' })));
    expect([admin.tier, admin.order, baseline.tier]).toEqual(['kube-admin', 10, 'kube-baseline']);
    const tiers = loadYaml(cnp('a', {})).state.tiers;
    expect(tiers.find((t) => t.name === 'kube-admin')).toMatchObject({ order: 1000, defaultAction: 'Pass' });
    expect(tiers.find((t) => t.name === 'kube-baseline')).toMatchObject({ order: 10_000_000, defaultAction: 'Pass' });
  });

  it('priority is the policy order: a lower number is checked first', () => {
    const deny = cnp('z-deny', { priority: 1, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    const allow = cnp('a-allow', { priority: 2, ingress: [{ action: 'Accept', from: [{ namespaces: {} }] }] });
    expect(ingressHits(clusterWith([deny, allow]), toDb)).toEqual(['0|kube-admin|kcnp:z-deny|deny|0']);
  });

  it('equal priorities are ordered by name', () => {
    const deny = cnp('b-deny', { priority: 5, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    const allow = cnp('a-allow', { priority: 5, ingress: [{ action: 'Accept', from: [{ namespaces: {} }] }] });
    expect(ingressHits(clusterWith([deny, allow]), toDb)).toEqual(['0|kube-admin|kcnp:a-allow|allow|0']);
  });

  it('Accept allows and Deny denies at once; the hit kind is ClusterNetworkPolicy with no namespace', () => {
    const deny = cnp('deny', { ingress: [{ action: 'Deny', from: [{ namespaces: ns('ops') }] }] });
    const state = clusterWith([deny]);
    expect(verdict(state, toolToDb).action).toBe('Deny');
    expect(verdict(state, toolToDb).ingress?.hits[0]).toMatchObject({
      kind: 'ClusterNetworkPolicy',
      namespace: '',
      name: 'deny',
      tier: 'kube-admin',
    });
    const accept = cnp('accept', { ingress: [{ action: 'Accept', from: [{ namespaces: ns('ops') }] }] });
    const denyAll = k8sPolicy('deny-all', 'shop', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(verdict(clusterWith([accept, denyAll]), toolToDb).action).toBe('Allow');
  });

  it('an Admin Pass goes to the NetworkPolicies, then to Baseline when none isolates the pod', () => {
    const pass = cnp('pass', { ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] });
    const baselineDeny = cnp('base', { tier: 'Baseline', ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    expect(ingressHits(clusterWith([pass, baselineDeny]), toDb)).toEqual([
      '0|kube-admin|kcnp:pass|pass|0',
      '1|kube-baseline|kcnp:base|deny|0',
    ]);
    const allowNp = k8sPolicy('allow', 'shop', { podSelector: {}, ingress: [{}] });
    expect(ingressHits(clusterWith([pass, baselineDeny, allowNp]), toDb)).toEqual([
      '0|kube-admin|kcnp:pass|pass|0',
      '1|default|knp:shop/allow|allow|0',
    ]);
  });

  it('a Baseline Pass goes to the default: allowed', () => {
    const pass = cnp('pass', { tier: 'Baseline', ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] });
    expect(verdict(clusterWith([pass]), toDb).action).toBe('Allow');
  });

  it('when nothing matches in a tier evaluation goes on, with an end-of-tier Pass hit naming the CNP', () => {
    const other = cnp('other', { ingress: [{ action: 'Deny', from: [{ namespaces: ns('nowhere') }] }] });
    expect(ingressHits(clusterWith([other]), toDb)).toEqual([
      '0|kube-admin|kcnp:other|pass|-1',
      '1|__PROFILE__|pro:kns.shop|allow|0',
    ]);
  });

  it('subject.namespaces selects the pods of those namespaces', () => {
    const p = cnp('ops-only', {
      subject: { namespaces: ns('ops') },
      egress: [{ action: 'Deny', to: [{ namespaces: {} }] }],
    });
    const state = clusterWith([p]);
    expect(verdict(state, toolToDb).action).toBe('Deny');
    expect(verdict(state, toDb).action).toBe('Allow');
    expect(onlyPolicy(loadYaml(p))).toMatchObject({ selector: ORCH });
  });

  it('a namespaces peer matches anything in those namespaces, namespaced NetworkSets included', () => {
    const p = cnp('to-shop', {
      subject: { namespaces: ns('ops') },
      egress: [{ action: 'Deny', to: [{ namespaces: ns('shop') }] }],
    });
    const set: NetworkSet = { namespace: 'shop', name: 'partners', labels: {}, nets: ['198.51.100.0/24'] };
    const state = clusterWith([p], { networkSets: [set] });
    const toSet = { source: { namespace: 'ops', name: 'tool' }, destination: { ip: '198.51.100.7' } };
    expect(egressHits(state, toSet)).toEqual(['0|kube-admin|kcnp:to-shop|deny|0']);
  });

  it('a pods peer matches by namespace selector and pod selector', () => {
    const peer = { pods: { namespaceSelector: ns('shop'), podSelector: { matchLabels: { app: 'web' } } } };
    const p = cnp('from-web', { ingress: [{ action: 'Deny', from: [peer] }] });
    const state = clusterWith([p]);
    expect(verdict(state, toDb).action).toBe('Deny');
    expect(verdict(state, toolToDb).action).toBe('Allow');
  });

  it('a networks peer matches its CIDRs, pod IPs included', () => {
    const p = cnp('net', { egress: [{ action: 'Deny', to: [{ networks: ['10.0.1.0/24'] }] }] });
    const state = clusterWith([p]);
    expect(verdict(state, toolToDb).action).toBe('Deny');
    expect(verdict(state, { ...toolToDb, destination: { ip: '10.9.9.9' } }).action).toBe('Allow');
  });

  it('protocols expand in Calico order (named ports, SCTP, TCP, UDP) × peers, and rule indexes count the expansion', () => {
    const rule = {
      action: 'Deny',
      from: [{ namespaces: ns('ops') }, { namespaces: ns('shop') }],
      protocols: [
        tcp(5432),
        { udp: { destinationPort: { range: { start: 5000, end: 5999 } } } },
        { destinationNamedPort: 'dns' },
      ],
    };
    const p = onlyPolicy(loadYaml(cnp('expand', { ingress: [rule] })));
    expect(p.ingress.map((r) => [r.protocol ?? '', r.source.namespaceSelector, r.destination.ports])).toEqual([
      ['', "kubernetes.io/metadata.name == 'ops'", [{ name: 'dns' }]],
      ['', "kubernetes.io/metadata.name == 'shop'", [{ name: 'dns' }]],
      [6, "kubernetes.io/metadata.name == 'ops'", [{ min: 5432, max: 5432 }]],
      [6, "kubernetes.io/metadata.name == 'shop'", [{ min: 5432, max: 5432 }]],
      [17, "kubernetes.io/metadata.name == 'ops'", [{ min: 5000, max: 5999 }]],
      [17, "kubernetes.io/metadata.name == 'shop'", [{ min: 5000, max: 5999 }]],
    ]);
    const state = clusterWith([cnp('expand', { ingress: [rule] })]);
    expect(ingressHits(state, toDb)).toEqual(['0|kube-admin|kcnp:expand|deny|3']);
    expect(ingressHits(state, { ...toDb, protocol: 'UDP', destPort: 5999 })).toEqual([
      '0|kube-admin|kcnp:expand|deny|5',
    ]);
  });

  it('a named port matches a destination container port of that name in any protocol', () => {
    const rule = { action: 'Deny', from: [{ namespaces: {} }], protocols: [{ destinationNamedPort: 'dns' }] };
    const state = clusterWith([cnp('named', { ingress: [rule] })]);
    expect(verdict(state, { ...toDb, protocol: 'UDP', destPort: 5353 }).action).toBe('Deny');
    expect(verdict(state, { ...toDb, protocol: 'TCP', destPort: 5353 }).action).toBe('Allow');
    // The pod declares "dns" as UDP 5353; Calico's named-port set uses ProtocolAny, so a TCP
    // declaration of the same name would match TCP too.
    const tcpDns = pod('shop/db', '10.0.1.2', { app: 'db' }, { ports: [{ name: 'dns', protocol: 6, port: 5353 }] });
    expect(
      verdict(clusterWith([cnp('named', { ingress: [rule] })], { pods: [web, tcpDns] }), { ...toDb, destPort: 5353 })
        .action,
    ).toBe('Deny');
  });

  it('without protocols a rule matches every protocol and port', () => {
    const state = clusterWith([cnp('all', { ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })]);
    expect(verdict(state, { ...toDb, protocol: 'SCTP', destPort: 9 }).action).toBe('Deny');
  });

  it('a nodes peer fails the rule: a Deny or Pass rule denies everything, with a warning and a why naming the rule', () => {
    const rule = { name: 'block-nodes', action: 'Pass', to: [{ nodes: { matchLabels: { role: 'master' } } }] };
    const loaded = loadYaml(cnp('nodes', { egress: [rule] }));
    expect(warnings(loaded).map((w) => [w.code, w.path])).toEqual([['unsupported-peer', 'spec.egress[0].to[0].nodes']]);
    expect(warnings(loaded)[0]?.message).toMatch(/block-nodes.*unconditional Deny/);
    const state = clusterWith([cnp('nodes', { egress: [rule] })]);
    expect(egressHits(state, toDb)).toEqual(['0|kube-admin|kcnp:nodes|deny|0']);
    const explained = createEvaluator(state).explain({ ...toDb, protocol: 'TCP', destPort: 80 }, 'enforced');
    if (!explained.ok) throw new Error(explained.error.message);
    const step = explained.value.sides[0]?.steps.find((s) => s.outcome === 'matched');
    expect(step?.because.join(' ')).toMatch(/could not convert spec\.egress\[0\] \("block-nodes"\).*nodes peers/);
  });

  it('a domainNames peer fails the rule: an Accept rule is dropped and allows nothing, with a warning', () => {
    const rule = { action: 'Accept', to: [{ domainNames: ['example.io'] }] };
    const loaded = loadYaml(cnp('dns', { egress: [rule] }));
    expect(warnings(loaded).map((w) => w.code)).toEqual(['unsupported-peer']);
    expect(warnings(loaded)[0]?.message).toMatch(/drops the whole rule/);
    expect(onlyPolicy(loaded).egress).toEqual([]);
  });

  it('a rule that mixes a pods peer with a nodes peer loses its pods peer too', () => {
    const rule = { action: 'Deny', to: [{ pods: { podSelector: { matchLabels: { app: 'db' } } } }, { nodes: {} }] };
    const p = onlyPolicy(loadYaml(cnp('mixed', { egress: [rule] })));
    expect(p.egress).toHaveLength(1);
    expect(p.egress[0]).toMatchObject({ action: 'Deny', source: {}, destination: {} });
    expect(verdict(clusterWith([cnp('mixed', { egress: [rule] })]), toolToDb).action).toBe('Deny');
  });

  it('a CNP without rules still selects pods in both directions and leaves end-of-tier Pass hits', () => {
    const p = onlyPolicy(loadYaml(cnp('empty', {})));
    expect(p.types).toEqual(['Ingress', 'Egress']);
    const state = clusterWith([cnp('empty', {})]);
    expect(egressHits(state, toDb)?.[0]).toBe('0|kube-admin|kcnp:empty|pass|-1');
    expect(ingressHits(state, toDb)?.[0]).toBe('0|kube-admin|kcnp:empty|pass|-1');
  });

  it('types hold only the directions that produced rules', () => {
    const p = onlyPolicy(loadYaml(cnp('in', { ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })));
    expect(p.types).toEqual(['Ingress']);
  });

  it('Calico policies placed in kube-admin interleave with CNPs by order', () => {
    const gnp = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'kube-admin.first' },
      spec: { tier: 'kube-admin', order: 5, selector: 'all()', ingress: [{ action: 'Deny' }] },
    };
    const accept = cnp('later', { priority: 10, ingress: [{ action: 'Accept', from: [{ namespaces: {} }] }] });
    expect(ingressHits(clusterWith([gnp, accept]), toDb)).toEqual(['0|kube-admin|gnp:kube-admin.first|deny|0']);
  });
});
