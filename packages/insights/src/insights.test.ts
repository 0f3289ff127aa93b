import { describe, expect, it } from 'vitest';
import { type Call, CLEAN_CALLS, CLEAN_CLUSTER, rehearseFix, type Scenario, scenario, T0 } from './fixtures.ts';
import { fold } from './fold.ts';
import { insights } from './insights.ts';
import type { Finding, FindingType, InsightsInput } from './model.ts';

const run = (s: Scenario, more: Partial<InsightsInput> = {}) =>
  insights({ state: s.state, flows: s.flows, ...more }).findings;
const ofType = (findings: readonly Finding[], type: FindingType) => findings.filter((f) => f.type === type);
const clean = () => scenario(CLEAN_CLUSTER, CLEAN_CALLS);

/** Every finding with a change set: rehearse accepts it and it denies no flow allowed today. */
async function expectSafeFixes(s: Scenario, findings: readonly Finding[]) {
  for (const f of findings) {
    if (f.fix.changeSet === null) continue;
    const report = await rehearseFix(s, f.fix.changeSet);
    expect(report.totals.newlyDenied, `${f.type}: ${f.title}`).toBe(0);
  }
}

describe('control: a clean cluster', () => {
  it('yields no findings', () => {
    expect(run(clean())).toEqual([]);
  });
});

describe('policy-selects-nothing', () => {
  const typo = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-admin, namespace: shop }
spec:
  podSelector: { matchLabels: { app: admn } }
  policyTypes: [Ingress]
  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }] }]
`;
  const staged = `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: { name: lock-legacy }
spec:
  stagedAction: Set
  selector: app == 'legacy'
  types: [Egress]
`;
  it('reports a policy, staged or not, whose selector matches no endpoint, with a deletion as the fix', async () => {
    const s = scenario([...CLEAN_CLUSTER, typo, staged], CLEAN_CALLS);
    const found = ofType(run(s), 'policy-selects-nothing');
    expect(found.map((f) => f.subject)).toEqual([
      { kind: 'StagedGlobalNetworkPolicy', namespace: '', name: 'lock-legacy' },
      { kind: 'KubernetesNetworkPolicy', namespace: 'shop', name: 'allow-admin' },
    ]);
    expect(found[1]?.evidence.explanation).toContain('app == "admn"'.replace(/"/g, "'"));
    expect(found[1]?.fix.changeSet).toContain('kind: PolicyDeletions');
    await expectSafeFixes(s, found);
  });
  it('control: the same policy selecting an existing workload is not reported', () => {
    const s = scenario([...CLEAN_CLUSTER, typo.replace('admn', 'api')], CLEAN_CALLS);
    expect(ofType(run(s), 'policy-selects-nothing')).toEqual([]);
  });
});

describe('unreachable-rule (proved from the policies, no traffic)', () => {
  const shadowed = (second: string) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: web-calico, namespace: shop }
spec:
  selector: app == 'web'
  types: [Egress]
  egress:
    - action: Allow
      protocol: TCP
      destination: { ports: [80, 443, 8000:9000] }
    - action: Allow
      protocol: TCP
      destination: { ports: [${second}] }
`;
  it('reports a rule covered by an earlier rule of the same policy', async () => {
    const s = scenario([...CLEAN_CLUSTER, shadowed('8080')], []);
    const found = ofType(run(s), 'unreachable-rule');
    expect(found).toHaveLength(1);
    expect(found[0]?.subject).toEqual({ kind: 'NetworkPolicy', namespace: 'shop', name: 'web-calico' });
    expect(found[0]?.evidence.policies[0]).toMatchObject({
      direction: 'Egress',
      ruleIndex: 1,
      rulePath: 'spec.egress[1]',
    });
    expect(found[0]?.evidence.explanation).toContain('rule 0 of the same policy');
    await expectSafeFixes(scenario([...CLEAN_CLUSTER, shadowed('8080')], CLEAN_CALLS), found);
  });
  it('control: a rule for a port the earlier rule does not cover is reachable', () => {
    expect(ofType(run(scenario([...CLEAN_CLUSTER, shadowed('9443')], [])), 'unreachable-rule')).toEqual([]);
  });

  const tiered = (extra: string) => `apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: security }
spec: { order: 100, defaultAction: Deny }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: security.web-lockdown }
spec:
  tier: security
  selector: app == 'web'
  types: [Egress]
  egress:
    - action: Allow
      protocol: UDP
      destination: { ports: [53] }
${extra}`;
  it('reports every rule for endpoints whose earlier tier decides all their flows (end of tier, no Pass)', () => {
    const s = scenario([...CLEAN_CLUSTER, tiered('')], []);
    const found = ofType(run(s), 'unreachable-rule');
    expect(found.map((f) => `${f.subject.name} ${f.evidence.policies[0]?.rulePath}`)).toEqual([
      'web-egress spec.egress[0]',
    ]);
    expect(found[0]?.evidence.explanation).toContain('the end of tier security');
  });
  it('control: a Pass rule in the earlier tier lets flows reach the later tier', () => {
    const pass = `    - action: Pass
      protocol: TCP
`;
    expect(ofType(run(scenario([...CLEAN_CLUSTER, tiered(pass)], [])), 'unreachable-rule')).toEqual([]);
  });
});

describe('unused-rule', () => {
  const extraPort = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-debug, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: { matchLabels: { app: web } } }]
      ports: [{ protocol: TCP, port: 9999 }]
`;
  it('reports an allow rule no flow matched while its endpoints had traffic, with the rule removed as the fix', async () => {
    const s = scenario([...CLEAN_CLUSTER, extraPort], CLEAN_CALLS);
    const found = ofType(run(s), 'unused-rule');
    expect(found.map((f) => [f.subject.name, f.evidence.policies[0]?.rulePath])).toEqual([
      ['api-debug', 'spec.ingress[0]'],
    ]);
    expect(found[0]?.fix.changeSet).toContain('name: api-debug');
    expect(found[0]?.fix.changeSet).not.toContain('9999');
    await expectSafeFixes(s, found);
  });
  it('control: the same rule is not reported once a flow uses it', () => {
    const webOut = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-debug, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Egress]
  egress: [{ ports: [{ protocol: TCP, port: 9999 }] }]
`;
    const s = scenario([...CLEAN_CLUSTER, extraPort, webOut], [...CLEAN_CALLS, ['shop/web', 'shop/api', 9999]]);
    expect(ofType(run(s), 'unused-rule')).toEqual([]);
  });
  it('control: nothing is unused in a window without flows', () => {
    expect(ofType(run(scenario([...CLEAN_CLUSTER, extraPort], [])), 'unused-rule')).toEqual([]);
  });
});

describe('staged-would-deny', () => {
  const staged = (allowApi: boolean) => `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: { name: web-lockdown, namespace: shop }
spec:
  stagedAction: Set
  order: 10
  selector: app == 'web'
  types: [Egress]
  egress:
    - action: Allow
      protocol: UDP
      destination: { ports: [53] }
${allowApi ? "    - action: Allow\n      protocol: TCP\n      destination: { selector: app == 'api', ports: [8080] }\n" : ''}    - action: Deny
`;
  it('reports traffic allowed today that the staged policy would deny, and a fix that keeps it', async () => {
    const s = scenario([...CLEAN_CLUSTER, staged(false)], CLEAN_CALLS);
    const found = ofType(run(s), 'staged-would-deny');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      severity: 'high',
      subject: { kind: 'StagedNetworkPolicy', name: 'web-lockdown' },
    });
    expect(found[0]?.evidence.flows.map((f) => [f.source, f.destination, f.action, f.pendingAction])).toEqual([
      ['shop/web', 'shop/api', 'Allow', 'Deny'],
    ]);
    const fix = found[0]?.fix.changeSet ?? '';
    expect(fix).toContain("app == 'api'");
    // With the fix staged, nothing the staged policy touches is denied any more.
    const after = scenario([...CLEAN_CLUSTER, fix], CLEAN_CALLS);
    expect(ofType(run(after), 'staged-would-deny')).toEqual([]);
    await expectSafeFixes(s, found);
  });
  it('control: a staged policy that keeps today’s traffic is not reported', () => {
    expect(ofType(run(scenario([...CLEAN_CLUSTER, staged(true)], CLEAN_CALLS)), 'staged-would-deny')).toEqual([]);
  });
});

describe('dns-blocked', () => {
  const withoutBankDns = CLEAN_CLUSTER.filter((d) => !d.includes('name: allow-dns, namespace: bank'));
  it('reports denied DNS from a workload with a fix that restores it', async () => {
    const s = scenario(withoutBankDns, CLEAN_CALLS);
    const found = ofType(run(s), 'dns-blocked');
    expect(found.map((f) => [f.severity, f.subject])).toEqual([
      ['high', { kind: 'Workload', namespace: 'bank', name: 'ledger' }],
    ]);
    const fix = found[0]?.fix.changeSet ?? '';
    const report = await rehearseFix(s, fix);
    expect(report.totals.newlyAllowed).toBeGreaterThan(0);
    expect(report.totals.newlyDenied).toBe(0);
    expect(ofType(run(scenario([...withoutBankDns, fix], CLEAN_CALLS)), 'dns-blocked')).toEqual([]);
  });
  it('control: denied traffic to another port of the DNS pods is not DNS', () => {
    const s = scenario(CLEAN_CLUSTER, [...CLEAN_CALLS, ['shop/web', 'kube-system/coredns', 9153]]);
    expect(ofType(run(s), 'dns-blocked')).toEqual([]);
  });
});

describe('public-egress', () => {
  const openEgress = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-internet, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Egress]
  egress:
    - to: [{ ipBlock: { cidr: 0.0.0.0/0 } }]
      ports: [{ protocol: TCP, port: 443 }]
`;
  const calls: Call[] = [...CLEAN_CALLS, ['shop/api', '203.0.113.5', 443]];
  it('reports a workload sending to public addresses, grouped by network and port, new ones highlighted', async () => {
    const s = scenario([...CLEAN_CLUSTER, openEgress], calls);
    const alone = ofType(run(s), 'public-egress');
    expect(alone.map((f) => [f.severity, f.subject.name])).toEqual([['medium', 'api']]);
    expect(alone[0]?.evidence.explanation).toContain('TCP 443');
    const baseline = scenario([...CLEAN_CLUSTER, openEgress], CLEAN_CALLS).flows;
    const fresh = ofType(run(s, { baseline }), 'public-egress');
    expect(fresh[0]?.severity).toBe('high');
    expect(fresh[0]?.evidence.explanation).toContain('new since the previous window');
    const known = ofType(run(s, { baseline: s.flows }), 'public-egress');
    expect(known[0]?.evidence.explanation).not.toContain('new since');
    await expectSafeFixes(s, alone);
  });
  it('control: the same attempt denied by policy is not public egress', () => {
    expect(ofType(run(scenario(CLEAN_CLUSTER, calls)), 'public-egress')).toEqual([]);
  });
});

describe('lateral-movement', () => {
  const openLedger = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ledger-out, namespace: bank }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
`;
  const openDb = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-from-bank, namespace: data }
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: bank } } }] }]
`;
  it('reports a source crossing a tenant boundary (allowed: high)', () => {
    const s = scenario([...CLEAN_CLUSTER, openLedger, openDb], [...CLEAN_CALLS, ['bank/ledger', 'data/db', 5432]]);
    const found = ofType(run(s), 'lateral-movement');
    expect(found.map((f) => [f.severity, f.subject.name])).toEqual([['high', 'ledger']]);
    expect(found[0]?.evidence.explanation).toContain('crossed from tenant finance (label tenant) into tenant retail');
  });
  it('reports denied probes into a namespace the source has no allowed traffic to (medium)', () => {
    const s = scenario(CLEAN_CLUSTER, [...CLEAN_CALLS, ['shop/web', 'data/db', 5432]]);
    const found = ofType(run(s, { options: { tenantLabel: 'none' } }), 'lateral-movement');
    expect(found.map((f) => [f.severity, f.subject.name])).toEqual([['medium', 'web']]);
    expect(found[0]?.evidence.explanation).toContain('data/db');
  });
  it('reports many new peers compared with the previous window', () => {
    const s = scenario([...CLEAN_CLUSTER, openLedger, openDb], [...CLEAN_CALLS, ['bank/ledger', 'data/db', 5432]]);
    const options = { tenantLabel: 'none', lateralWorkloads: 1 };
    const baseline = scenario(CLEAN_CLUSTER, CLEAN_CALLS).flows;
    const found = ofType(run(s, { baseline, options }), 'lateral-movement');
    expect(found.map((f) => f.subject.name)).toEqual(['ledger']);
    expect(found[0]?.evidence.explanation).toContain('did not reach in the previous window');
    expect(ofType(run(s, { baseline: s.flows, options }), 'lateral-movement')).toEqual([]);
  });
  it('control: traffic within one tenant to peers it always reaches is not lateral movement', () => {
    expect(ofType(run(clean(), { baseline: clean().flows }), 'lateral-movement')).toEqual([]);
  });
});

describe('port-scan', () => {
  const ports = [21, 22, 23, 25, 80, 110, 143, 443, 445, 1433, 3306, 3389];
  it('reports one source trying many ports on a peer, mostly denied', () => {
    const s = scenario(CLEAN_CLUSTER, [
      ...CLEAN_CALLS,
      ...ports.map((p): Call => ['shop/web', 'bank/ledger', p, 'TCP', T0]),
    ]);
    const found = ofType(run(s), 'port-scan');
    expect(found.map((f) => [f.severity, f.subject.name])).toEqual([['medium', 'web']]);
    expect(found[0]?.title).toContain('tried 12 ports on 1 peer');
    expect(found[0]?.evidence.explanation).not.toContain('Allowed on');
  });
  it('control: many ports that are mostly allowed are not a scan', () => {
    const open = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ledger-open, namespace: bank }
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-open, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Egress]
  egress: [{}]
`;
    const s = scenario(
      [...CLEAN_CLUSTER, open],
      [...CLEAN_CALLS, ...ports.map((p): Call => ['shop/web', 'bank/ledger', p, 'TCP', T0])],
    );
    expect(ofType(run(s), 'port-scan')).toEqual([]);
  });
});

describe('unprotected-workload', () => {
  const extra = [
    `apiVersion: v1
kind: Namespace
metadata: { name: tools, labels: { kubernetes.io/metadata.name: tools } }
`,
    `apiVersion: v1
kind: Pod
metadata: { name: runner, namespace: tools, labels: { app: runner } }
spec: { containers: [{ name: main, ports: [{ name: http, containerPort: 8080, protocol: TCP }] }] }
status: { podIP: 10.1.4.1, podIPs: [{ ip: 10.1.4.1 }] }
`,
  ];
  it('reports a workload whose traffic only the profile decided, with a drafted policy that keeps it', async () => {
    const s = scenario(
      [...CLEAN_CLUSTER, ...extra],
      [...CLEAN_CALLS, ['tools/runner', 'kube-system/coredns', 53, 'UDP']],
    );
    const found = ofType(run(s), 'unprotected-workload');
    expect(found.map((f) => [f.subject.namespace, f.subject.name])).toEqual([['tools', 'runner']]);
    expect(found[0]?.title).toContain('egress');
    expect(found[0]?.fix.changeSet).toContain('kind: StagedNetworkPolicy');
    await expectSafeFixes(s, found);
  });
  it('control: a workload without traffic in the window is not reported', () => {
    expect(ofType(run(scenario([...CLEAN_CLUSTER, ...extra], CLEAN_CALLS)), 'unprotected-workload')).toEqual([]);
  });
});

describe('deny-spike-after-change', () => {
  const probes = (from: number, count: number): Call[] =>
    [...Array(count).keys()].map((i) => ['shop/web', 'data/db', 5432, 'TCP', from + i * 10]);
  const change = {
    time: T0 + 300,
    kind: 'KubernetesNetworkPolicy' as const,
    namespace: 'data',
    name: 'db-ingress',
    operation: 'updated' as const,
  };
  it('reports denies of a workload rising sharply after a policy change', () => {
    const s = scenario(CLEAN_CLUSTER, [...CLEAN_CALLS, ...probes(T0 + 310, 12)]);
    const found = ofType(run(s, { changes: [change] }), 'deny-spike-after-change');
    expect(found.map((f) => [f.severity, f.subject.name])).toEqual([['high', 'web']]);
    expect(found[0]?.title).toContain('rose from 0 to 12');
    expect(found[0]?.evidence.policies[0]).toMatchObject({ name: 'db-ingress' });
  });
  it('control: the same denies spread evenly around the change are no spike, and no change log means no finding', () => {
    const even = scenario(CLEAN_CLUSTER, [...CLEAN_CALLS, ...probes(T0 + 180, 24)]);
    expect(ofType(run(even, { changes: [change] }), 'deny-spike-after-change')).toEqual([]);
    const s = scenario(CLEAN_CLUSTER, [...CLEAN_CALLS, ...probes(T0 + 310, 12)]);
    expect(ofType(run(s), 'deny-spike-after-change')).toEqual([]);
  });
  it('control: a workload with no flows at all before the change has no baseline to rise from', () => {
    // The same denies, but the change sits 15 minutes before any traffic of the window.
    const s = scenario(CLEAN_CLUSTER, [...CLEAN_CALLS, ...probes(T0 + 310, 12)]);
    const early = { ...change, time: Math.min(...s.flows.map((f) => f.flow.startTime)) };
    expect(ofType(run(s, { changes: [early] }), 'deny-spike-after-change')).toEqual([]);
  });
});

describe('folding records by key', () => {
  const stagedLockdown = `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: { name: web-lockdown, namespace: shop }
spec:
  stagedAction: Set
  order: 10
  selector: app == 'web'
  types: [Egress]
  egress:
    - action: Allow
      protocol: UDP
      destination: { ports: [53] }
    - action: Deny
`;
  const openEgress = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-internet, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Egress]
  egress:
    - to: [{ ipBlock: { cidr: 0.0.0.0/0 } }]
      ports: [{ protocol: TCP, port: 443 }]
`;
  const tools = `apiVersion: v1
kind: Namespace
metadata: { name: tools, labels: { kubernetes.io/metadata.name: tools } }
---
apiVersion: v1
kind: Pod
metadata: { name: runner, namespace: tools, labels: { app: runner } }
spec: { containers: [{ name: main }] }
status: { podIP: 10.1.4.1, podIPs: [{ ip: 10.1.4.1 }] }
`;
  const unusedPort = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-debug, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: { matchLabels: { app: web } } }]
      ports: [{ protocol: TCP, port: 9999 }]
`;
  const documents = [
    ...CLEAN_CLUSTER.filter((d) => !d.includes('name: allow-dns, namespace: bank')),
    stagedLockdown,
    openEgress,
    tools,
    unusedPort,
  ];
  const scanPorts = [21, 22, 23, 25, 80, 110, 143, 443, 445, 1433, 3306, 3389];
  const calls: Call[] = [
    ...CLEAN_CALLS,
    ['shop/api', '203.0.113.5', 443],
    ['shop/api', '203.0.113.77', 443],
    ['tools/runner', 'kube-system/coredns', 53, 'UDP'],
    // The scan comes after the deny-spike window, so it does not count as the spike's baseline.
    ...scanPorts.map((p): Call => ['shop/web', 'bank/ledger', p, 'TCP', T0 + 1300]),
    ...[...Array(12).keys()].map((i): Call => ['shop/web', 'data/db', 5432, 'TCP', T0 + 310 + i * 10]),
  ];
  const change = { time: T0 + 300, kind: 'KubernetesNetworkPolicy' as const, namespace: 'data', name: 'db-ingress' };

  it('gives the same findings as the records one by one, over a scenario with every flow-based type', () => {
    const s = scenario(documents, calls);
    // Records of one key differ in counters, and some in their addresses and labels: those must not fold together.
    const flows = s.flows.map((r, i) => {
      const flow = { ...r.flow, numConnectionsStarted: 1 + (i % 4), bytesOut: 100 * (i % 5) };
      if (i % 9 === 0 && flow.destIps) flow.destIps = { ips: [...flow.destIps.ips, '198.51.100.9'], beyond: 0 };
      if (i % 11 === 0) flow.sourceLabels = [...flow.sourceLabels, 'canary=true'];
      return { id: r.id, flow };
    });
    const baseline = scenario(documents, CLEAN_CALLS).flows;
    const input: InsightsInput = {
      state: s.state,
      flows,
      baseline,
      changes: [{ ...change, operation: 'updated' }],
    };
    const folded = insights(input);
    const unfolded = insights(input, { foldByKey: false });
    expect(new Set(folded.findings.map((f) => f.type))).toEqual(
      new Set([
        'staged-would-deny',
        'dns-blocked',
        'public-egress',
        'lateral-movement',
        'port-scan',
        'unprotected-workload',
        'deny-spike-after-change',
        'unused-rule',
      ]),
    );
    expect(folded).toEqual(unfolded);
    // The scenario's records do fold (ten per call), so the comparison is not of two identical runs.
    const keys = fold(
      flows.map((r) => ({ id: r.id, flow: r.flow })),
      true,
    ).length;
    expect(keys).toBeLessThan(flows.length / 2);
  });
});
