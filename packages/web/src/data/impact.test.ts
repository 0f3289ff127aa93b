import { describe, expect, it } from 'vitest';
import { deniedInto, emptyReport, endOfTierAfter, profileAllow } from './fixtures.ts';
import {
  decisionLabel,
  exampleFlowsHref,
  listLabel,
  mergeGroups,
  portsLabel,
  reportHeadline,
  reportSections,
  toPolicyHit,
} from './impact.ts';

describe('mergeGroups', () => {
  it('merges groups that differ only by port, summing counts and widening first/last seen', () => {
    const rows = mergeGroups([
      deniedInto('payments/payments', 8443, { flows: 2, firstSeen: 100, lastSeen: 200 }),
      deniedInto('payments/payments', 443, { flows: 3, firstSeen: 50, lastSeen: 150 }),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ports: [443, 8443], flows: 5, connections: 20, firstSeen: 50, lastSeen: 200 });
  });

  it('keeps groups apart when the endpoint, peers, direction or deciding policy differ', () => {
    const rows = mergeGroups([
      deniedInto('payments/payments', 8443),
      deniedInto('payments/fraud-check', 8443),
      deniedInto('payments/payments', 8443, { peers: ['shop/orders'] }),
      deniedInto('payments/payments', 8443, { direction: 'Egress' }),
      deniedInto('payments/payments', 8443, { decidedBy: endOfTierAfter('payments/other') }),
    ]);
    expect(rows).toHaveLength(5);
  });

  it('sorts by flows, most first, then by endpoint', () => {
    const rows = mergeGroups([
      deniedInto('payments/b', 1, { flows: 1 }),
      deniedInto('payments/a', 1, { flows: 1 }),
      deniedInto('payments/c', 1, { flows: 9 }),
    ]);
    expect(rows.map((r) => r.workload)).toEqual(['c', 'a', 'b']);
  });
});

describe('reportSections', () => {
  it('orders what breaks first and hides accepted breakages when there are none', () => {
    const report = emptyReport({ newlyDenied: [deniedInto('payments/payments', 8443)] });
    report.totals.newlyDenied = 1;
    const sections = reportSections(report);
    expect(sections.map((s) => s.title)).toEqual([
      'Would be denied',
      'Would be allowed',
      'Decided by a different policy',
    ]);
    expect(sections[0]).toMatchObject({ flows: 1, rows: [expect.objectContaining({ workload: 'payments' })] });
    const accepted = reportSections(emptyReport({ acceptedBreakages: [deniedInto('payments/payments', 1)] }));
    expect(accepted.map((s) => s.id)).toContain('acceptedBreakages');
  });
});

describe('labels', () => {
  it('names the deciding policy of each kind of decision', () => {
    expect(decisionLabel(endOfTierAfter('payments/application.default-deny'))).toBe(
      'end of tier application after payments/application.default-deny',
    );
    expect(decisionLabel(profileAllow)).toBe('profile kns.payments');
    expect(
      decisionLabel({
        kind: 'GlobalNetworkPolicy',
        namespace: '',
        name: 'allow-dns',
        tier: 'platform',
        action: 'Allow',
        ruleIndex: 2,
      }),
    ).toBe('allow-dns rule 2');
  });

  it('shortens long port and peer lists', () => {
    expect(portsLabel([443], 'tcp')).toBe('TCP 443');
    expect(portsLabel([1, 2, 3, 4, 5, 6, 7, 8], 'tcp', 3)).toBe('TCP 1, 2, 3 and 5 more');
    expect(listLabel(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
  });

  it('headlines breakage first, else other changes, else nothing', () => {
    const r = emptyReport();
    expect(reportHeadline(r).tone).toBe('clean');
    r.totals.flowsReevaluated = 4;
    r.totals.decidedDifferently = 2;
    expect(reportHeadline(r)).toMatchObject({ tone: 'changes' });
    r.totals.newlyDenied = 1;
    expect(reportHeadline(r)).toEqual({ tone: 'deny', text: '1 flow record would be denied by this change.' });
  });
});

describe('example flows', () => {
  const example = {
    flow: {
      id: 7,
      sourceNamespace: 'shop',
      sourceName: 'checkout-69c8b5d7f4-*',
      destNamespace: 'payments',
      destName: 'payments-6b7c8d9f5-*',
      destPort: 8443,
      proto: 'tcp',
      reporter: 'Dst' as const,
      startTime: 1,
      endTime: 2,
    },
    before: [],
    after: [],
  };

  it('links to the flow logs filtered to source, destination, port and reporter over the rehearsed range', () => {
    const url = new URL(exampleFlowsHref(example, -3600), 'http://x');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('source_namespace')).toBe('shop');
    expect(url.searchParams.get('source_name')).toBe('checkout-69c8b5d7f4-*');
    expect(url.searchParams.get('dest_namespace')).toBe('payments');
    expect(url.searchParams.get('dest_name')).toBe('payments-6b7c8d9f5-*');
    expect(url.searchParams.get('dest_port')).toBe('8443');
    expect(url.searchParams.get('start')).toBe('-3600');
  });

  it('gives trace hits a null trigger for the trace table', () => {
    const hit = {
      kind: 'Profile',
      namespace: '',
      name: 'kns.shop',
      tier: '',
      action: 'Allow' as const,
      policyIndex: 0,
      ruleIndex: -1,
    };
    expect(toPolicyHit(hit).trigger).toBeNull();
  });
});
