import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VIEW,
  type FlowView,
  filterFieldOfPath,
  flowLogsHref,
  formatFlowView,
  isCidr,
  parseFlowView,
  parsePortRange,
  toWhiskerFilters,
  withFilter,
} from './flowView.ts';

const everyFilter: FlowView = {
  filters: {
    sourceNames: [{ value: 'web', type: 'Exact' }],
    sourceNamespaces: [
      { value: 'shop', type: 'Exact' },
      { value: 'bill', type: 'Fuzzy' },
    ],
    destNames: [{ value: 'PUBLIC NETWORK', type: 'Exact' }],
    destNamespaces: [{ value: 'kube-system', type: 'Exact' }],
    protocols: [{ value: 'udp', type: 'Exact' }],
    destPorts: [53, 8080],
    actions: ['Deny'],
    pendingActions: ['Allow', 'Deny'],
    reporter: 'Dst',
    policies: [
      {
        kind: 'CalicoNetworkPolicy',
        tier: { value: 'security', type: 'Exact' },
        name: { value: 'deny', type: 'Fuzzy' },
      },
      { kind: 'Profile' },
    ],
    sourceSelector: "app == 'web' && has(team)",
    destSelector: 'tier in {"db", "cache"}',
    destPortRanges: [
      { min: 8000, max: 8100 },
      { min: 443, max: 443 },
    ],
    pendingDiffers: true,
    sourceCidrs: ['10.0.0.0/8'],
    destCidrs: ['fd00::/8'],
  },
  start: 1_700_000_000,
  end: 1_700_003_600,
  q: 'ledger & co',
  sort: { column: 'destName', dir: 'asc' },
  flow: '42:1700000000',
};

describe('flowView > URL codec', () => {
  it('round-trips every filter', () => {
    expect(parseFlowView(formatFlowView(everyFilter))).toEqual(everyFilter);
  });

  it('round-trips the default view to an empty query', () => {
    expect(formatFlowView(DEFAULT_VIEW)).toBe('');
    expect(parseFlowView('')).toEqual(DEFAULT_VIEW);
  });

  it('is stable: format ∘ parse ∘ format = format', () => {
    const once = formatFlowView(everyFilter);
    expect(formatFlowView(parseFlowView(once))).toBe(once);
  });

  it('reads Whisker links (start_time in minutes, policy with plain strings)', () => {
    const v = parseFlowView(
      '?start_time=15&source_namespace=shop&protocol=tcp&dest_port=443&action=Deny&staged_action=Allow&reporter=Src' +
        `&policy=${encodeURIComponent('[{"kind":"NetworkPolicy","namespace":"shop","name":"np"}]')}`,
    );
    expect(v.start).toBe(-900);
    expect(v.filters).toEqual({
      sourceNamespaces: [{ value: 'shop', type: 'Exact' }],
      protocols: [{ value: 'tcp', type: 'Exact' }],
      destPorts: [443],
      actions: ['Deny'],
      pendingActions: ['Allow'],
      reporter: 'Src',
      policies: [
        { kind: 'NetworkPolicy', namespace: { value: 'shop', type: 'Exact' }, name: { value: 'np', type: 'Exact' } },
      ],
    });
  });

  it('ignores malformed values instead of failing', () => {
    const v = parseFlowView('?dest_port=abc&dest_port=70000&action=Maybe&reporter=X&policy=%7Bnot-json&sort=nope:asc');
    expect(v.filters).toEqual({});
    expect(v.sort).toEqual(DEFAULT_VIEW.sort);
  });

  it('builds links to filtered flow logs', () => {
    expect(flowLogsHref({ destNames: [{ value: 'api', type: 'Exact' }] })).toBe('/?dest_name=api');
    expect(flowLogsHref({})).toBe('/');
  });
});

describe('flowView > helpers', () => {
  it('parses port ranges', () => {
    expect(parsePortRange('80')).toEqual({ min: 80, max: 80 });
    expect(parsePortRange(' 8000 - 8080 ')).toEqual({ min: 8000, max: 8080 });
    expect(parsePortRange('90-80')).toBeNull();
    expect(parsePortRange('70000')).toBeNull();
  });

  it('validates CIDRs', () => {
    expect(isCidr('10.0.0.0/8')).toBe(true);
    expect(isCidr('10.1.2.3')).toBe(true);
    expect(isCidr('fd00::/8')).toBe(true);
    expect(isCidr('10.0.0/8')).toBe(false);
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('300.0.0.0/8')).toBe(false);
  });

  it('maps server error paths to filter fields', () => {
    expect(filterFieldOfPath('filters.destSelector')).toBe('destSelector');
    expect(filterFieldOfPath('/destPorts/0')).toBe('destPorts');
    expect(filterFieldOfPath('destPortRanges[1].min')).toBe('destPortRanges');
    expect(filterFieldOfPath('start')).toBeNull();
    expect(filterFieldOfPath(undefined)).toBeNull();
  });

  it('converts to whisker-backend filters (snake_case, supported keys only)', () => {
    expect(toWhiskerFilters(everyFilter.filters)).toEqual({
      source_names: everyFilter.filters.sourceNames,
      source_namespaces: everyFilter.filters.sourceNamespaces,
      dest_names: everyFilter.filters.destNames,
      dest_namespaces: everyFilter.filters.destNamespaces,
      protocols: everyFilter.filters.protocols,
      dest_ports: [
        { value: 53, type: 'Exact' },
        { value: 8080, type: 'Exact' },
      ],
      actions: ['Deny'],
      pending_actions: ['Allow', 'Deny'],
      reporter: 'Dst',
      policies: everyFilter.filters.policies,
    });
  });

  it('withFilter removes empty values', () => {
    const f = withFilter({ destPorts: [1] }, 'destPorts', []);
    expect(f).toEqual({});
    expect(withFilter({}, 'pendingDiffers', true)).toEqual({ pendingDiffers: true });
    expect(withFilter({ pendingDiffers: true }, 'pendingDiffers', false)).toEqual({});
  });
});
