import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources, type PolicyKind } from '@verdict/engine';
import { enrichRawFlow, type Flow } from '@verdict/flows';
import { parseChangeSet } from '@verdict/rehearse';
import { describe, expect, it } from 'vitest';
import { coverageReport } from './coverage.ts';
import { egressReport } from './egress.ts';
import { CLEAN_CALLS, CLEAN_CLUSTER, scenario } from './fixtures.ts';
import type { PolicyChange } from './model.ts';
import { coverageHtml } from './report.ts';

const START = 1_767_225_600;

function demo() {
  const { state } = loadResources(demoClusterFiles());
  const evaluator = createEvaluator(state);
  const flows: Flow[] = [];
  for (const raw of createTrafficGenerator({ cluster: state, seed: 9, now: START }).next(START + 600)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) flows.push(...enriched.flows);
  }
  return { state, flows };
}

describe('egress lockdown', () => {
  it('lists external destinations per workload and proposes a lockdown that keeps every allowed flow', async () => {
    const { state, flows } = demo();
    const report = await egressReport({
      state,
      flows,
      namespace: 'shop',
      dns: new Map([['exfil.example.net', ['203.0.113.66']]]),
      dialect: 'calico-enterprise',
    });
    const recommendations = report.workloads.find((w) => w.workload.startsWith('recommendations'));
    const exfil = recommendations?.destinations.find((d) => d.port === 4444);
    expect(exfil).toMatchObject({
      type: 'Network',
      network: '203.0.113.66/32',
      domains: ['exfil.example.net'],
      proto: 'tcp',
    });
    expect(exfil?.bytes).toBeGreaterThan(0);
    const orders = report.workloads.find((w) => w.workload.startsWith('orders'));
    expect(orders?.destinations.some((d) => d.type === 'NetworkSet')).toBe(true);
    expect(report.proposal.yaml).toContain('kind: NetworkSet');
    expect(report.proposal.yaml).toMatch(/allowedEgressDomains:\s+- exfil\.example\.net/);
    expect(report.proposal.yaml).toMatch(/- action: Deny\s*$/);
    expect(parseChangeSet([{ file: 'x.yaml', text: report.proposal.changeSet }]).ok).toBe(true);
    expect(report.proposal.rehearsal).toMatchObject({ newlyDenied: 0 });
    expect(report.proposal.rehearsal?.flowsConsidered).toBeGreaterThan(0);
  });

  it('names the domains as comments for open-source Calico, whose NetworkSets hold addresses only', async () => {
    const { state, flows } = demo();
    const dns = new Map([['exfil.example.net', ['203.0.113.66']]]);
    const report = await egressReport({ state, flows, namespace: 'shop', dns });
    expect(report.proposal.yaml).not.toContain('allowedEgressDomains');
    expect(report.proposal.yaml).toContain('the addresses of exfil.example.net');
    const destination = report.workloads.flatMap((w) => w.destinations).find((d) => d.port === 4444);
    expect(destination?.domains).toEqual(['exfil.example.net']);
    // Every document still loads: comments do not change what is applied.
    const { issues } = loadResources([{ file: 'lockdown.yaml', text: report.proposal.yaml }]);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('without addresses a destination is named by its network and left out of the allow-lists, with a note', async () => {
    const { state, flows } = demo();
    const bare = flows.map(({ sourceIps: _s, destIps: _d, ...f }) => f);
    const report = await egressReport({ state, flows: bare, namespace: 'shop' });
    const recommendations = report.workloads.find((w) => w.workload.startsWith('recommendations'));
    expect(recommendations?.destinations.find((d) => d.port === 4444)?.network).toBe(
      'public internet (no addresses recorded)',
    );
    expect(report.notes.some((n) => n.includes('carry no addresses'))).toBe(true);
  });

  it('a namespace without external traffic gets the guardrails and a default deny only', async () => {
    const s = scenario(CLEAN_CLUSTER, CLEAN_CALLS);
    const report = await egressReport({ state: s.state, flows: s.flows, namespace: 'bank' });
    expect(report.workloads).toEqual([]);
    expect(report.proposal.yaml).not.toContain('kind: NetworkSet');
    expect(report.proposal.rehearsal?.newlyDenied).toBe(0);
  });
});

describe('rollout coverage', () => {
  it('counts isolated workloads and policy-decided flows per namespace, staged denies and the trend', () => {
    const { state, flows } = demo();
    const report = coverageReport({ state, flows, bucketSeconds: 300 });
    const payments = report.namespaces.find((n) => n.namespace === 'payments');
    expect(payments?.workloads).toBeGreaterThan(0);
    expect(payments?.isolatedIngress).toBe(payments?.workloads);
    expect(report.cluster.workloads).toBe(report.workloads.length);
    expect(report.cluster.decidedByPolicy).toBeLessThanOrEqual(report.cluster.flows);
    const shopDeny = report.staged.find((s) => s.name === 'application.default-deny');
    expect(shopDeny?.wouldDeny).toBeGreaterThan(0);
    expect(report.trend.map((p) => p.time)).toEqual([START, START + 300]);
    expect(report.trend.reduce((n, p) => n + p.flows, 0)).toBe(flows.length);
    // Without a bucket size, the shortest that gives at most 48 points: ten minutes of flows by the minute.
    const byDefault = coverageReport({ state, flows });
    expect(byDefault.bucketSeconds).toBe(60);
    expect(byDefault.trend.length).toBeGreaterThanOrEqual(10);
    expect(byDefault.trend.length).toBeLessThanOrEqual(11);
  });

  it('a clean cluster is isolated everywhere and every flow is decided by policy', () => {
    const s = scenario(CLEAN_CLUSTER, CLEAN_CALLS);
    const report = coverageReport({ state: s.state, flows: s.flows });
    const shop = report.namespaces.find((n) => n.namespace === 'shop');
    expect(shop).toMatchObject({ workloads: 2, isolatedIngress: 2, isolatedEgress: 2 });
    const apps = report.namespaces.filter((n) => n.namespace !== 'kube-system');
    expect(apps.every((n) => n.decidedByPolicy === n.flows)).toBe(true);
  });

  it('states since when each workload is isolated and which policies changed, from the change log', () => {
    const { state, flows } = demo();
    const without = coverageReport({ state, flows });
    expect(without.changeLog).toBe(false);
    expect(without.changes).toEqual([]);
    const isolated = without.workloads.find((w) => w.namespace === 'payments' && w.ingress);
    expect(isolated?.ingressSince).toBeNull();
    const [first = '', ...others] = isolated?.ingressPolicies ?? [];
    expect(first).toMatch(/^\w+ /);
    const named = (text: string) => {
      const [kind = '', ref = ''] = text.split(' ');
      const [namespace, name] = ref.includes('/') ? ref.split('/') : [undefined, ref];
      return { kind: kind as PolicyKind, name: name ?? '', ...(namespace ? { namespace } : {}) };
    };
    const changes: PolicyChange[] = [
      { time: START - 900, operation: 'created', ...named(first) },
      { time: START - 300, operation: 'updated', ...named(first) },
      ...others.map((o) => ({ time: START - 600, operation: 'created' as const, ...named(o) })),
      { time: START - 100, operation: 'deleted', kind: 'NetworkPolicy', namespace: 'shop', name: 'gone' },
    ];
    const report = coverageReport({ state, flows, changes });
    const workload = report.workloads.find(
      (w) => w.namespace === isolated?.namespace && w.workload === isolated.workload,
    );
    // The policy that has stood unchanged longest decides: `first` was edited at START - 300.
    expect(workload?.ingressSince).toBe(others.length > 0 ? START - 600 : START - 300);
    expect(report.changeLogSince).toBe(START - 900);
    expect(report.changes.map((c) => c.time)).toEqual([...changes.map((c) => c.time)].sort((a, b) => b - a));
    expect(report.changes[0]).toMatchObject({ operation: 'deleted', name: 'gone', isolates: 0 });
    expect(report.changes.find((c) => c.time === START - 300)?.isolates).toBeGreaterThan(0);
    // A workload isolated by a policy the log never saw was isolated before the log began.
    const older = report.workloads.find(
      (w) => w.ingress && !w.ingressPolicies.some((p) => p === first || others.includes(p)),
    );
    if (older) expect(older.ingressSince).toBeNull();
    const html = coverageHtml(report, { generatedAt: START });
    expect(html).toContain(`since ${new Date((workload?.ingressSince ?? 0) * 1000).toISOString().slice(0, 19)}Z`);
    expect(html).toContain('NetworkPolicy shop/gone');
    expect(html).not.toContain('made without one');
  });

  it('renders a self-contained print-ready HTML report', () => {
    const { state, flows } = demo();
    const html = coverageHtml(coverageReport({ state, flows }), { generatedAt: START + 600 });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('@media print');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('application.default-deny');
  });
});
