import { describe, expect, it } from 'vitest';
import { adminPolicy, baselinePolicy, errorCodes, onlyPolicy, warnings, yamlStream } from './fixtures.ts';
import { loadResources } from './load.ts';
import type { Json } from './read.ts';

/** ANP/BANP are enforced up to Calico 3.31; load them as that release does. */
const loadYaml = (...objects: Json[]) =>
  loadResources([{ file: 'test.yaml', text: yamlStream(...objects) }], { calicoVersion: '3.31' });

const ORCH = "projectcalico.org/orchestrator == 'k8s'";
const house = (name: string) => ({ matchLabels: { 'conformance-house': name } });

/** ANP from the network-policy-api conformance shape: subject pods, three rules. */
const gryffindorPolicy = adminPolicy('gryffindor', {
  priority: 20,
  subject: { pods: { namespaceSelector: house('gryffindor'), podSelector: { matchLabels: { app: 'web' } } } },
  ingress: [
    {
      name: 'deny-slytherin',
      action: 'Deny',
      from: [{ namespaces: house('slytherin') }, { pods: { namespaceSelector: {}, podSelector: house('slytherin') } }],
      ports: [
        { portNumber: { port: 80 } },
        { portRange: { protocol: 'UDP', start: 5000, end: 5999 } },
        { namedPort: 'dns' },
      ],
    },
    { name: 'pass-all', action: 'Pass', from: [{ namespaces: {} }] },
  ],
  egress: [{ name: 'allow-net', action: 'Allow', to: [{ networks: ['10.244.10.10/24', 'fd00::/64'] }] }],
});

describe('AdminNetworkPolicy conversion', () => {
  it('converts subject, peers, ports and rule expansion (protocol groups sorted × peers)', () => {
    const p = onlyPolicy(loadYaml(gryffindorPolicy));
    expect(p).toMatchObject({
      kind: 'AdminNetworkPolicy',
      name: 'gryffindor',
      tier: 'adminnetworkpolicy',
      order: 20,
      staged: false,
      selector: `${ORCH} && app == 'web'`,
      namespaceSelector: "conformance-house == 'gryffindor'",
      types: ['Ingress', 'Egress'],
    });
    expect(p).not.toHaveProperty('namespace');
    const slytherinNs = { namespaceSelector: "conformance-house == 'slytherin'" };
    const slytherinPods = { selector: `${ORCH} && conformance-house == 'slytherin'`, namespaceSelector: 'all()' };
    const base = { action: 'Deny', name: 'deny-slytherin', path: 'spec.ingress[0]' };
    expect(p.ingress).toEqual([
      // '' (named ports, no protocol) < 'TCP' < 'UDP'
      { ...base, source: slytherinNs, destination: { ports: [{ name: 'dns' }] } },
      { ...base, source: slytherinPods, destination: { ports: [{ name: 'dns' }] } },
      { ...base, protocol: 6, source: slytherinNs, destination: { ports: [{ min: 80, max: 80 }] } },
      { ...base, protocol: 6, source: slytherinPods, destination: { ports: [{ min: 80, max: 80 }] } },
      { ...base, protocol: 17, source: slytherinNs, destination: { ports: [{ min: 5000, max: 5999 }] } },
      { ...base, protocol: 17, source: slytherinPods, destination: { ports: [{ min: 5000, max: 5999 }] } },
      {
        action: 'Pass',
        name: 'pass-all',
        source: { namespaceSelector: 'all()' },
        destination: {},
        path: 'spec.ingress[1]',
      },
    ]);
    expect(p.egress).toEqual([
      {
        action: 'Allow',
        name: 'allow-net',
        source: {},
        destination: { nets: ['10.244.10.0/24', 'fd00::/64'] },
        path: 'spec.egress[0]',
      },
    ]);
  });

  it('converts a namespaces subject to pods in those namespaces', () => {
    const p = onlyPolicy(loadYaml(adminPolicy('a', { priority: 0, subject: { namespaces: {} }, egress: [] })));
    expect(p).toMatchObject({ selector: ORCH, namespaceSelector: 'all()', types: [], order: 0 });
  });

  it('fails closed: an unconvertible Deny/Pass rule becomes an unconditional Deny, an Allow rule is dropped', () => {
    const nodes = [{ nodes: { matchLabels: { role: 'infra' } } }];
    const res = loadYaml(
      adminPolicy('a', {
        priority: 5,
        subject: { namespaces: {} },
        egress: [
          { name: 'pass-nodes', action: 'Pass', to: nodes },
          { name: 'allow-nodes', action: 'Allow', to: nodes },
          { name: 'deny-same', action: 'Deny', to: [{ namespaces: { sameLabels: ['team'] } }] },
        ],
      }),
    );
    expect(warnings(res).map((w) => [w.code, w.path])).toEqual([
      ['invalid-rule', 'spec.egress[0].to[0].nodes'],
      ['invalid-rule', 'spec.egress[1].to[0].nodes'],
      ['invalid-rule', 'spec.egress[2].to[0].namespaces.sameLabels'],
    ]);
    expect(onlyPolicy(res).egress).toEqual([
      { action: 'Deny', name: 'pass-nodes', source: {}, destination: {}, path: 'spec.egress[0]' },
      { action: 'Deny', name: 'deny-same', source: {}, destination: {}, path: 'spec.egress[2]' },
    ]);
  });

  it('rejects a missing priority, bad actions, both subject forms, and bad ports', () => {
    const res = loadYaml(
      adminPolicy('a', {
        subject: { namespaces: {}, pods: { namespaceSelector: {}, podSelector: {} } },
        ingress: [
          {
            action: 'Accept',
            from: [{ namespaces: {} }],
            ports: [
              { portNumber: { port: 0 } },
              { portRange: { start: 9, end: 8 } },
              { namedPort: 'http', portNumber: { port: 1 } },
            ],
          },
          { action: 'Allow', from: [] },
          { action: 'Allow', from: [{ networks: ['10.0.0.0/8'] }] },
        ],
      }),
    );
    expect(errorCodes(res)).toEqual([
      { code: 'missing-field', path: 'spec.priority' },
      { code: 'invalid-value', path: 'spec.subject' },
      { code: 'invalid-value', path: 'spec.ingress[0].action' },
      { code: 'invalid-port', path: 'spec.ingress[0].ports[0].portNumber.port' },
      { code: 'invalid-port', path: 'spec.ingress[0].ports[1].portRange.end' },
      { code: 'invalid-port', path: 'spec.ingress[0].ports[2]' },
      { code: 'missing-field', path: 'spec.ingress[1].from' },
      { code: 'invalid-value', path: 'spec.ingress[2].from[0]' },
    ]);
    // `networks` is an egress-only peer: in ingress it is an unknown field
    expect(warnings(res).map((w) => w.path)).toEqual(['spec.ingress[2].from[0].networks']);
  });

  it('rejects a priority outside 0–1000', () => {
    expect(errorCodes(loadYaml(adminPolicy('a', { priority: 1001, subject: { namespaces: {} } })))).toEqual([
      { code: 'invalid-value', path: 'spec.priority' },
    ]);
  });
});

describe('BaselineAdminNetworkPolicy conversion', () => {
  it('converts into the baseline tier with order 1000', () => {
    const p = onlyPolicy(
      loadYaml(
        baselinePolicy({
          subject: { namespaces: house('hufflepuff') },
          ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: {} }] }],
        }),
      ),
    );
    expect(p).toMatchObject({
      kind: 'BaselineAdminNetworkPolicy',
      name: 'default',
      tier: 'baselineadminnetworkpolicy',
      order: 1000,
      selector: ORCH,
      namespaceSelector: "conformance-house == 'hufflepuff'",
      types: ['Ingress'],
      ingress: [{ action: 'Deny', source: { namespaceSelector: 'all()' }, destination: {}, path: 'spec.ingress[0]' }],
    });
  });

  it('rejects Pass and any name but default', () => {
    const res = loadYaml(
      baselinePolicy(
        { subject: { namespaces: {} }, ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] },
        'other',
      ),
    );
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-name', path: 'metadata.name' },
      { code: 'invalid-value', path: 'spec.ingress[0].action' },
    ]);
  });
});
