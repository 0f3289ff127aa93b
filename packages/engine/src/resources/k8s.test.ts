import { describe, expect, it } from 'vitest';
import { errorCodes, k8sPolicy, loadYaml, onlyPolicy, shopWebPolicy, stagedK8sPolicy } from './fixtures.ts';

const ORCH = "projectcalico.org/orchestrator == 'k8s'";
const lbPods = { selector: `${ORCH} && app == 'lb'` };
const tcp8080 = { ports: [{ min: 8080, max: 8080 }] };
const udp53 = { ports: [{ min: 53, max: 53 }] };

describe('§7 Kubernetes NetworkPolicy conversion', () => {
  it('converts the worked example: rule indices 0..3 are protocols (sorted) × peers', () => {
    const p = onlyPolicy(loadYaml(shopWebPolicy));
    expect(p).toMatchObject({
      kind: 'KubernetesNetworkPolicy',
      name: 'web',
      namespace: 'shop',
      tier: 'default',
      order: 1000,
      staged: false,
      selector: `${ORCH} && app == 'web'`,
      types: ['Ingress'],
      egress: [],
      skipForWorkloads: false,
    });
    expect(p.ingress).toEqual([
      { action: 'Allow', protocol: 6, source: lbPods, destination: tcp8080, path: 'spec.ingress[0]' },
      {
        action: 'Allow',
        protocol: 6,
        source: { nets: ['10.9.0.0/16'] },
        destination: tcp8080,
        path: 'spec.ingress[0]',
      },
      { action: 'Allow', protocol: 17, source: lbPods, destination: udp53, path: 'spec.ingress[0]' },
      { action: 'Allow', protocol: 17, source: { nets: ['10.9.0.0/16'] }, destination: udp53, path: 'spec.ingress[0]' },
    ]);
  });

  it('sorts protocol groups as strings: SCTP < TCP < UDP', () => {
    const p = onlyPolicy(
      loadYaml(
        k8sPolicy('p', 'x', {
          podSelector: {},
          ingress: [{ ports: [{ protocol: 'UDP', port: 1 }, { port: 2 }, { protocol: 'SCTP', port: 3 }, { port: 4 }] }],
        }),
      ),
    );
    expect(p.ingress.map((r) => [r.protocol, r.destination.ports])).toEqual([
      [132, [{ min: 3, max: 3 }]],
      [
        6,
        [
          { min: 2, max: 2 },
          { min: 4, max: 4 },
        ],
      ],
      [17, [{ min: 1, max: 1 }]],
    ]);
  });

  it('puts egress peers and ports in destination', () => {
    const p = onlyPolicy(
      loadYaml(
        k8sPolicy('p', 'x', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] }],
        }),
      ),
    );
    expect(p.egress).toEqual([
      {
        action: 'Allow',
        protocol: 17,
        source: {},
        destination: { selector: ORCH, namespaceSelector: 'all()', ...udp53 },
        path: 'spec.egress[0]',
      },
    ]);
  });

  it('converts label selectors: matchLabels sorted, then matchExpressions in order', () => {
    const p = onlyPolicy(
      loadYaml(
        k8sPolicy('p', 'x', {
          podSelector: {
            matchLabels: { b: '2', a: '1' },
            matchExpressions: [
              { key: 'tier', operator: 'In', values: ['fe', 'be'] },
              { key: 'env', operator: 'NotIn', values: ['dev'] },
              { key: 'x', operator: 'Exists' },
              { key: 'y', operator: 'DoesNotExist' },
            ],
          },
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { team: 'a' } },
                  podSelector: { matchLabels: { role: 'db' } },
                },
              ],
            },
          ],
        }),
      ),
    );
    expect(p.selector).toBe(
      `${ORCH} && a == '1' && b == '2' && tier in { 'fe', 'be' } && env not in { 'dev' } && has(x) && ! has(y)`,
    );
    expect(p.ingress[0]?.source).toEqual({ selector: `${ORCH} && role == 'db'`, namespaceSelector: "team == 'a'" });
    expect(p.ingress[0]?.protocol).toBeUndefined();
  });

  it('treats podSelector: null as {}', () => {
    const p = onlyPolicy(loadYaml(k8sPolicy('p', 'x', { podSelector: null })));
    expect(p.selector).toBe(ORCH);
  });

  it('yields a single allow-everything rule for `- {}` and isolation for an empty list', () => {
    const p = onlyPolicy(
      loadYaml(k8sPolicy('p', 'x', { podSelector: {}, ingress: [{}], egress: [], policyTypes: ['Ingress', 'Egress'] })),
    );
    expect(p.ingress).toEqual([{ action: 'Allow', source: {}, destination: {}, path: 'spec.ingress[0]' }]);
    expect(p.egress).toEqual([]);
    expect(p.types).toEqual(['Ingress', 'Egress']);
  });

  it('normalises ipBlock CIDRs to the network address', () => {
    const p = onlyPolicy(
      loadYaml(
        k8sPolicy('p', 'x', {
          podSelector: {},
          ingress: [
            { from: [{ ipBlock: { cidr: '192.168.242.213/24', except: ['192.168.242.7/32', '192.168.242.128/25'] } }] },
          ],
        }),
      ),
    );
    expect(p.ingress[0]?.source).toEqual({
      nets: ['192.168.242.0/24'],
      notNets: ['192.168.242.7/32', '192.168.242.128/25'],
    });
  });

  it('converts endPort to a range and keeps named ports', () => {
    const p = onlyPolicy(
      loadYaml(
        k8sPolicy('p', 'x', {
          podSelector: {},
          ingress: [{ ports: [{ port: 32000, endPort: 32768 }, { port: 'web' }] }],
        }),
      ),
    );
    expect(p.ingress[0]?.destination.ports).toEqual([{ min: 32000, max: 32768 }, { name: 'web' }]);
  });

  it('rejects bad peers, ports and CIDRs with paths', () => {
    const res = loadYaml(
      k8sPolicy('p', 'x', {
        podSelector: {},
        ingress: [
          {
            from: [{}, { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.1' } }],
            ports: [
              { port: 0 },
              { protocol: 'ICMP' },
              { port: '80' },
              { port: 80, endPort: 79 },
              { port: 'http', endPort: 90 },
            ],
          },
          { from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] },
          { from: [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }] },
        ],
      }),
    );
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-port', path: 'spec.ingress[0].ports[0].port' },
      { code: 'invalid-protocol', path: 'spec.ingress[0].ports[1].protocol' },
      { code: 'invalid-port', path: 'spec.ingress[0].ports[2].port' },
      { code: 'invalid-port', path: 'spec.ingress[0].ports[3].endPort' },
      { code: 'invalid-port', path: 'spec.ingress[0].ports[4].endPort' },
      { code: 'invalid-rule', path: 'spec.ingress[0].from[0]' },
      { code: 'invalid-rule', path: 'spec.ingress[0].from[1]' },
      { code: 'invalid-cidr', path: 'spec.ingress[0].from[2].ipBlock.cidr' },
      { code: 'invalid-cidr', path: 'spec.ingress[1].from[0].ipBlock.except[0]' },
      { code: 'missing-field', path: 'spec.ingress[2].from[0].podSelector.matchExpressions[0].values' },
    ]);
    expect(res.state.policies).toEqual([]);
  });
});

describe('policyTypes defaulting', () => {
  const egressOnlyRules = {
    podSelector: {},
    egress: [{ to: [{ podSelector: {} }] }],
  };

  it('§12.15 k8s NetworkPolicy without policyTypes: Ingress, plus Egress when egress rules are present', () => {
    expect(onlyPolicy(loadYaml(k8sPolicy('p', 'x', egressOnlyRules))).types).toEqual(['Ingress', 'Egress']);
    expect(onlyPolicy(loadYaml(k8sPolicy('p', 'x', { podSelector: {} }))).types).toEqual(['Ingress']);
    expect(onlyPolicy(loadYaml(k8sPolicy('p', 'x', { podSelector: {}, egress: [] }))).types).toEqual(['Ingress']);
  });

  it('§12.15 StagedKubernetesNetworkPolicy with empty policyTypes is [Ingress] only, even with egress rules', () => {
    const p = onlyPolicy(loadYaml(stagedK8sPolicy('p', 'x', egressOnlyRules)));
    expect(p).toMatchObject({
      kind: 'StagedKubernetesNetworkPolicy',
      staged: true,
      stagedAction: 'Set',
      types: ['Ingress'],
    });
    expect(p.egress).toHaveLength(1);
  });

  it('§12.16 ports: [{}] means every TCP port, not every protocol', () => {
    const p = onlyPolicy(loadYaml(k8sPolicy('p', 'x', { podSelector: {}, ingress: [{ ports: [{}] }] })));
    expect(p.ingress).toEqual([{ action: 'Allow', protocol: 6, source: {}, destination: {}, path: 'spec.ingress[0]' }]);
  });

  it('§12.16 a protocol-only entry widens that protocol to all ports', () => {
    const p = onlyPolicy(
      loadYaml(
        k8sPolicy('p', 'x', {
          podSelector: {},
          ingress: [{ ports: [{ port: 80 }, { protocol: 'TCP' }, { port: 81 }] }],
        }),
      ),
    );
    expect(p.ingress).toEqual([{ action: 'Allow', protocol: 6, source: {}, destination: {}, path: 'spec.ingress[0]' }]);
  });

  it('rejects unknown and duplicate policyTypes', () => {
    const res = loadYaml(k8sPolicy('p', 'x', { podSelector: {}, policyTypes: ['Ingress', 'ingress', 'Ingress'] }));
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-value', path: 'spec.policyTypes[1]' },
      { code: 'invalid-value', path: 'spec.policyTypes[2]' },
    ]);
  });
});

describe('staged Kubernetes policies', () => {
  it('accepts a Delete with an otherwise empty spec', () => {
    const p = onlyPolicy(loadYaml(stagedK8sPolicy('p', 'x', { stagedAction: 'Delete', podSelector: {} })));
    expect(p).toMatchObject({ stagedAction: 'Delete', staged: true, ingress: [], egress: [], types: [] });
  });

  it('rejects a Delete that carries rules', () => {
    const res = loadYaml(
      stagedK8sPolicy('p', 'x', { stagedAction: 'Delete', podSelector: { matchLabels: { a: 'b' } }, ingress: [{}] }),
    );
    expect(errorCodes(res)).toEqual([
      { code: 'invalid-value', path: 'spec.podSelector' },
      { code: 'invalid-value', path: 'spec.ingress' },
    ]);
  });
});
