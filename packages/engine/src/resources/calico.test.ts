import { describe, expect, it } from 'vitest';
import {
  calicoPolicy,
  errorCodes,
  errors,
  globalPolicy,
  gnpWithEgress,
  gnpWithIngress,
  loadYaml,
  onlyPolicy,
  stagedPolicy,
  tier,
} from './fixtures.ts';
import { loadResources } from './index.ts';

const rejects = (res: ReturnType<typeof loadYaml>, code: string, path: string) => {
  expect(errorCodes(res)).toEqual([{ code, path }]);
  expect(res.state.policies).toEqual([]);
};

describe('Calico policy conversion', () => {
  it('converts a NetworkPolicy with defaults', () => {
    const p = onlyPolicy(loadYaml(calicoPolicy('p', 'shop', {})));
    expect(p).toMatchObject({
      kind: 'NetworkPolicy',
      namespace: 'shop',
      tier: 'default',
      staged: false,
      selector: '',
      types: ['Ingress'],
    });
    expect(p).not.toHaveProperty('order');
    expect(p).not.toHaveProperty('stagedAction');
  });

  it.each([
    [{}, ['Ingress']],
    [{ ingress: [{ action: 'Allow' }] }, ['Ingress']],
    [{ egress: [{ action: 'Allow' }] }, ['Egress']],
    [{ ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] }, ['Ingress', 'Egress']],
    [{ types: ['Egress'], ingress: [{ action: 'Allow' }] }, ['Egress']],
  ])('§1.2.1 types defaulting for %j', (spec, types) => {
    expect(onlyPolicy(loadYaml(globalPolicy('p', spec))).types).toEqual(types);
  });

  it('converts rules: protocols, ports, nets, selectors, icmp, http, services and rule names', () => {
    const p = onlyPolicy(
      loadYaml(
        globalPolicy('security.p', {
          tier: 'security',
          order: -1.5,
          selector: "app == 'x'",
          namespaceSelector: "team == 'a'",
          serviceAccountSelector: "role == 'api'",
          ingress: [
            {
              action: 'Allow',
              protocol: '6',
              metadata: { annotations: { name: 'web-in' } },
              source: {
                nets: ['10.1.2.3/8'],
                notNets: ['10.9.0.0/16'],
                namespaceSelector: 'global()',
                serviceAccounts: { names: ['a'], selector: 'x == "y"' },
              },
              destination: { ports: [80, '8000:8080', 'http'], notPorts: ['9000'] },
              http: { methods: ['GET'], paths: [{ exact: '/a' }, { prefix: '/b' }] },
            },
            { action: 'Deny', protocol: 'ICMP', icmp: { type: 8 }, notICMP: { type: 3, code: 4 } },
            { action: 'Log', notProtocol: 'UDPLite', destination: { ports: ['dns'] } },
          ],
          egress: [{ action: 'Pass', destination: { services: { name: 'kube-dns', namespace: 'kube-system' } } }],
        }),
        tier('security'),
      ),
    );
    expect(p).toMatchObject({
      kind: 'GlobalNetworkPolicy',
      tier: 'security',
      order: -1.5,
      selector: "app == 'x'",
      namespaceSelector: "team == 'a'",
      serviceAccountSelector: "role == 'api'",
      types: ['Ingress', 'Egress'],
    });
    expect(p).not.toHaveProperty('namespace');
    expect(p.ingress).toEqual([
      {
        action: 'Allow',
        protocol: 6,
        name: 'web-in',
        source: {
          nets: ['10.0.0.0/8'],
          notNets: ['10.9.0.0/16'],
          namespaceSelector: 'global()',
          serviceAccounts: { names: ['a'], selector: 'x == "y"' },
        },
        destination: {
          ports: [{ min: 80, max: 80 }, { min: 8000, max: 8080 }, { name: 'http' }],
          notPorts: [{ min: 9000, max: 9000 }],
        },
        http: { methods: ['GET'], paths: [{ exact: '/a' }, { prefix: '/b' }] },
        path: 'spec.ingress[0]',
      },
      {
        action: 'Deny',
        protocol: 1,
        icmp: { type: 8 },
        notICMP: { type: 3, code: 4 },
        source: {},
        destination: {},
        path: 'spec.ingress[1]',
      },
      {
        action: 'Log',
        notProtocol: 136,
        source: {},
        destination: { ports: [{ name: 'dns' }] },
        path: 'spec.ingress[2]',
      },
    ]);
    expect(p.egress[0]?.destination).toEqual({ services: { name: 'kube-dns', namespace: 'kube-system' } });
  });

  it('marks doNotTrack and preDNAT policies as skipped for workloads', () => {
    const res = loadYaml(
      globalPolicy('a', { doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Allow' }] }),
      globalPolicy('b', { preDNAT: true, applyOnForward: true, ingress: [{ action: 'Allow' }] }),
      globalPolicy('c', {}),
    );
    expect(res.state.policies.map((p) => p.skipForWorkloads)).toEqual([true, true, false]);
  });

  it('warns about unknown fields without rejecting (namespaced policies have no namespaceSelector)', () => {
    const res = loadYaml(
      calicoPolicy('p', 'x', { namespaceSelector: 'all()', ingress: [{ action: 'Allow', color: 'red' }] }),
    );
    expect(res.issues.map((i) => [i.severity, i.code, i.path])).toEqual([
      ['warning', 'unknown-field', 'spec.namespaceSelector'],
      ['warning', 'unknown-field', 'spec.ingress[0].color'],
    ]);
    expect(res.state.policies).toHaveLength(1);
  });

  it('rejects names that are not DNS labels (or tier.name)', () => {
    rejects(loadYaml(calicoPolicy('a.b.c', 'x', {})), 'invalid-name', 'metadata.name');
    rejects(loadYaml(globalPolicy('Upper', {})), 'invalid-name', 'metadata.name');
    expect(loadYaml(calicoPolicy('knp.default.some.thing', 'x', {})).issues).toEqual([]);
  });
});

describe('§11 selectors', () => {
  it.each([
    ['spec.selector', calicoPolicy('p', 'x', { selector: 'a = "b"' })],
    ['spec.serviceAccountSelector', calicoPolicy('p', 'x', { serviceAccountSelector: 'has(' })],
    ['spec.namespaceSelector', globalPolicy('p', { namespaceSelector: 'a in {"x" "y"}' })],
    ['spec.ingress[0].source.selector', gnpWithIngress({ action: 'Allow', source: { selector: 'a == b' } })],
    ['spec.ingress[0].source.notSelector', gnpWithIngress({ action: 'Allow', source: { notSelector: 'ALL()' } })],
    [
      'spec.ingress[0].source.namespaceSelector',
      gnpWithIngress({ action: 'Allow', source: { namespaceSelector: '((a)' } }),
    ],
    [
      'spec.ingress[0].source.serviceAccounts.selector',
      gnpWithIngress({ action: 'Allow', source: { serviceAccounts: { selector: '!' } } }),
    ],
  ])('rejects an unparsable %s', (path, policy) => {
    rejects(loadYaml(policy), 'invalid-selector', path);
  });

  it('rejects a selector with a trailing newline (YAML block scalar)', () => {
    const res = loadYaml(calicoPolicy('p', 'x', { selector: "app == 'x'\n" }));
    rejects(res, 'invalid-selector', 'spec.selector');
    expect(errors(res)[0]?.message).toContain('line breaks');
  });

  it('points the column at the offending character of the selector', () => {
    const text = [
      'apiVersion: projectcalico.org/v3',
      'kind: NetworkPolicy',
      'metadata: {name: p, namespace: x}',
      'spec:',
      '  selector: a == "b" c',
      '  egress: [{action: Allow, destination: {selector: "has(a) &&"}}]',
    ].join('\n');
    const res = loadResources([{ file: 'cols.yaml', text }]);
    // The value starts at column 13 and the parser stops at selector column 10 (`c`).
    expect(errors(res)[0]).toMatchObject({ path: 'spec.selector', line: 5, column: 22 });
    // Inside a quoted scalar the opening quote (column 52) is skipped: selector column 10 is file column 62.
    expect(errors(res)[1]).toMatchObject({ path: 'spec.egress[0].destination.selector', line: 6, column: 62 });
  });

  it('rejects selectors longer than 1024 characters', () => {
    rejects(
      loadYaml(calicoPolicy('p', 'x', { selector: `a == '${'x'.repeat(1030)}'` })),
      'invalid-selector',
      'spec.selector',
    );
  });

  it.each([
    ['spec.selector', globalPolicy('p', { selector: 'global()' })],
    ['spec.namespaceSelector', globalPolicy('p', { namespaceSelector: 'global()' })],
    [
      'spec.ingress[0].source.selector',
      gnpWithIngress({ action: 'Allow', source: { selector: 'global() || a == "b"' } }),
    ],
    [
      'spec.ingress[0].source.namespaceSelector',
      gnpWithIngress({ action: 'Allow', source: { namespaceSelector: 'global() && a == "b"' } }),
    ],
    [
      'spec.ingress[0].source.namespaceSelector',
      gnpWithIngress({ action: 'Allow', source: { namespaceSelector: '!global()' } }),
    ],
  ])('rejects global() misuse in %s', (path, policy) => {
    rejects(loadYaml(policy), 'invalid-selector', path);
  });
});

describe('§11 types and rule counts', () => {
  it('rejects duplicate and unknown types', () => {
    rejects(loadYaml(globalPolicy('p', { types: ['Ingress', 'Ingress'] })), 'invalid-value', 'spec.types[1]');
    rejects(loadYaml(globalPolicy('p', { types: ['Forward'] })), 'invalid-value', 'spec.types[0]');
  });

  it('rejects more than 1024 rules per direction', () => {
    const ingress = Array.from({ length: 1025 }, () => ({ action: 'Allow' }));
    rejects(loadYaml(globalPolicy('p', { ingress })), 'invalid-value', 'spec.ingress');
  });

  it('rejects a missing or unknown action', () => {
    rejects(loadYaml(gnpWithIngress({})), 'missing-field', 'spec.ingress[0].action');
    rejects(loadYaml(gnpWithIngress({ action: 'allow' })), 'invalid-value', 'spec.ingress[0].action');
  });

  it('rejects doNotTrack/preDNAT without applyOnForward, together, or preDNAT with egress', () => {
    rejects(loadYaml(globalPolicy('p', { doNotTrack: true })), 'invalid-value', 'spec.doNotTrack');
    expect(errorCodes(loadYaml(globalPolicy('p', { doNotTrack: true, preDNAT: true, applyOnForward: true })))).toEqual([
      { code: 'invalid-value', path: 'spec.preDNAT' },
    ]);
    expect(
      errorCodes(loadYaml(globalPolicy('p', { preDNAT: true, applyOnForward: true, egress: [{ action: 'Allow' }] }))),
    ).toEqual([
      { code: 'invalid-rule', path: 'spec.egress' },
      { code: 'invalid-value', path: 'spec.types' },
    ]);
  });
});

describe('§11 rule constraints (§1.8–§1.12)', () => {
  it.each([
    [
      'protocol name in the wrong case',
      { action: 'Allow', protocol: 'tcp' },
      'invalid-protocol',
      'spec.ingress[0].protocol',
    ],
    ['protocol 0', { action: 'Allow', protocol: 0 }, 'invalid-protocol', 'spec.ingress[0].protocol'],
    ['protocol 256', { action: 'Allow', notProtocol: '256' }, 'invalid-protocol', 'spec.ingress[0].notProtocol'],
    ['ipVersion 5', { action: 'Allow', ipVersion: 5 }, 'invalid-value', 'spec.ingress[0].ipVersion'],
    [
      'ICMP with ipVersion 6',
      { action: 'Allow', protocol: 'ICMP', ipVersion: 6 },
      'invalid-rule',
      'spec.ingress[0].protocol',
    ],
    [
      'ICMPv6 with ipVersion 4',
      { action: 'Allow', notProtocol: 58, ipVersion: 4 },
      'invalid-rule',
      'spec.ingress[0].notProtocol',
    ],
    ['icmp without an ICMP protocol', { action: 'Allow', icmp: { type: 8 } }, 'invalid-rule', 'spec.ingress[0].icmp'],
    [
      'notICMP with TCP',
      { action: 'Allow', protocol: 'TCP', notICMP: { type: 8 } },
      'invalid-rule',
      'spec.ingress[0].notICMP',
    ],
    [
      'ICMP type 255',
      { action: 'Allow', protocol: 'ICMP', icmp: { type: 255 } },
      'invalid-value',
      'spec.ingress[0].icmp.type',
    ],
    [
      'ICMP code 256',
      { action: 'Allow', protocol: 'ICMP', icmp: { type: 3, code: 256 } },
      'invalid-value',
      'spec.ingress[0].icmp.code',
    ],
    [
      'ICMP code without type',
      { action: 'Allow', protocol: 'ICMP', icmp: { code: 1 } },
      'invalid-value',
      'spec.ingress[0].icmp.code',
    ],
    [
      'port 0',
      { action: 'Allow', protocol: 'TCP', destination: { ports: [0] } },
      'invalid-port',
      'spec.ingress[0].destination.ports[0]',
    ],
    [
      'port 65536',
      { action: 'Allow', protocol: 'UDP', source: { ports: ['65536'] } },
      'invalid-port',
      'spec.ingress[0].source.ports[0]',
    ],
    [
      'a reversed range',
      { action: 'Allow', protocol: 'TCP', destination: { notPorts: ['90:80'] } },
      'invalid-port',
      'spec.ingress[0].destination.notPorts[0]',
    ],
    [
      'a bad port name',
      { action: 'Allow', destination: { ports: ['a b'] } },
      'invalid-port',
      'spec.ingress[0].destination.ports[0]',
    ],
    [
      'numeric ports without a protocol',
      { action: 'Allow', destination: { ports: [80] } },
      'invalid-rule',
      'spec.ingress[0].destination.ports',
    ],
    [
      'ports with ICMP',
      { action: 'Allow', protocol: 'ICMP', source: { ports: ['http'] } },
      'invalid-rule',
      'spec.ingress[0].source.ports',
    ],
    [
      'a bad CIDR',
      { action: 'Allow', source: { nets: ['10.0.0.0/33'] } },
      'invalid-cidr',
      'spec.ingress[0].source.nets[0]',
    ],
    [
      'mixed IP families',
      { action: 'Allow', source: { nets: ['10.0.0.0/8'] }, destination: { notNets: ['fd00::/8'] } },
      'invalid-cidr',
      'spec.ingress[0]',
    ],
    [
      'ipVersion against the CIDRs',
      { action: 'Allow', ipVersion: 6, source: { nets: ['10.0.0.0/8'] } },
      'invalid-cidr',
      'spec.ingress[0].ipVersion',
    ],
    [
      'notNets 0.0.0.0/0',
      { action: 'Allow', source: { notNets: ['0.0.0.0/0'] } },
      'invalid-cidr',
      'spec.ingress[0].source.notNets[0]',
    ],
    [
      'notNets ::/0',
      { action: 'Allow', destination: { notNets: ['::/0'] } },
      'invalid-cidr',
      'spec.ingress[0].destination.notNets[0]',
    ],
    ['http on a Deny rule', { action: 'Deny', http: { methods: ['GET'] } }, 'invalid-rule', 'spec.ingress[0].http'],
    [
      'http with UDP',
      { action: 'Allow', protocol: 'UDP', http: { methods: ['GET'] } },
      'invalid-rule',
      'spec.ingress[0].http',
    ],
    [
      'an http path without a slash',
      { action: 'Allow', http: { paths: [{ exact: 'a' }] } },
      'invalid-value',
      'spec.ingress[0].http.paths[0].exact',
    ],
    [
      'an http path with both forms',
      { action: 'Allow', http: { paths: [{ exact: '/a', prefix: '/b' }] } },
      'invalid-value',
      'spec.ingress[0].http.paths[0]',
    ],
    [
      'duplicate http methods',
      { action: 'Allow', http: { methods: ['GET', 'GET'] } },
      'invalid-value',
      'spec.ingress[0].http.methods',
    ],
    [
      'destination.services in ingress',
      { action: 'Allow', destination: { services: { name: 's', namespace: 'n' } } },
      'invalid-rule',
      'spec.ingress[0].destination.services',
    ],
    [
      'services without a namespace in a GNP',
      { action: 'Allow', source: { services: { name: 's' } } },
      'missing-field',
      'spec.ingress[0].source.services.namespace',
    ],
    [
      'services with a selector',
      { action: 'Allow', source: { selector: 'a == "b"', services: { name: 's', namespace: 'n' } } },
      'invalid-rule',
      'spec.ingress[0].source.services',
    ],
    [
      'more than 50 ports',
      { action: 'Allow', protocol: 'TCP', destination: { ports: Array.from({ length: 51 }, (_, i) => i + 1) } },
      'invalid-value',
      'spec.ingress[0].destination.ports',
    ],
  ])('rejects %s', (_what, rule, code, path) => {
    rejects(loadYaml(gnpWithIngress(rule)), code, path);
  });

  it.each([
    ['http in an egress rule', { action: 'Allow', http: { methods: ['GET'] } }, 'invalid-rule', 'spec.egress[0].http'],
    [
      'source.services in egress',
      { action: 'Allow', source: { services: { name: 's', namespace: 'n' } } },
      'invalid-rule',
      'spec.egress[0].source.services',
    ],
    [
      'destination.services with ports',
      { action: 'Allow', protocol: 'TCP', destination: { ports: [80], services: { name: 's', namespace: 'n' } } },
      'invalid-rule',
      'spec.egress[0].destination.services',
    ],
  ])('rejects %s', (_what, rule, code, path) => {
    rejects(loadYaml(gnpWithEgress(rule)), code, path);
  });

  it('accepts named ports without a protocol, numeric strings as protocols, and a bare IP as /32', () => {
    const p = onlyPolicy(
      loadYaml(
        globalPolicy('p', {
          ingress: [
            { action: 'Allow', protocol: '17', source: { nets: ['192.0.2.1'] } },
            { action: 'Allow', source: { nets: ['fd00::1'] } },
          ],
        }),
      ),
    );
    expect(p.ingress[0]).toMatchObject({ protocol: 17, source: { nets: ['192.0.2.1/32'] } });
    expect(p.ingress[1]).toMatchObject({ source: { nets: ['fd00::1/128'] } });
    expect(loadYaml(gnpWithIngress({ action: 'Allow', destination: { ports: ['http'] } })).issues).toEqual([]);
  });

  it('lets a namespaced policy use services without a namespace', () => {
    const res = loadYaml(
      calicoPolicy('p', 'x', { egress: [{ action: 'Allow', destination: { services: { name: 'db' } } }] }),
    );
    expect(onlyPolicy(res).egress[0]?.destination.services).toEqual({ name: 'db' });
  });
});

describe('staged Calico policies', () => {
  it('defaults stagedAction to Set and marks the policy staged', () => {
    const p = onlyPolicy(loadYaml(stagedPolicy('p', 'x', { ingress: [{ action: 'Deny' }] })));
    expect(p).toMatchObject({ kind: 'StagedNetworkPolicy', staged: true, stagedAction: 'Set', types: ['Ingress'] });
  });

  it('accepts a Delete with only a tier', () => {
    const p = onlyPolicy(loadYaml(stagedPolicy('t.p', 'x', { stagedAction: 'Delete', tier: 't' }), tier('t')));
    expect(p).toMatchObject({ stagedAction: 'Delete', tier: 't', ingress: [], egress: [], types: [] });
  });

  it('rejects a Delete with a non-empty spec other than tier', () => {
    const res = loadYaml(
      stagedPolicy('p', 'x', { stagedAction: 'Delete', selector: 'all()', order: 5, ingress: [{ action: 'Allow' }] }),
    );
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-value', path: 'spec.selector' },
      { code: 'invalid-value', path: 'spec.order' },
      { code: 'invalid-value', path: 'spec.ingress' },
    ]);
    expect(errors(res)[0]?.message).toContain('stagedAction Delete must have an empty spec apart from tier');
  });

  it('rejects an unknown stagedAction', () => {
    rejects(
      loadYaml(globalPolicy('p', { stagedAction: 'Apply' }, 'StagedGlobalNetworkPolicy')),
      'invalid-value',
      'spec.stagedAction',
    );
  });
});
