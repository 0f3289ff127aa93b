import { describe, expect, it } from 'vitest';
import { compileFilter, matchesFilter } from './filter.ts';
import { endOfTier, flowBetween, hit } from './fixtures.ts';
import type { Flow } from './model.ts';
import type { FlowFilter } from './store.ts';

const exact = (value: string) => ({ value, type: 'Exact' as const });
const fuzzy = (value: string) => ({ value, type: 'Fuzzy' as const });
const webToApi = flowBetween('shop/web-7d9f8c-*', 'shop/api-5c8f-*');
const m = (flow: Flow, filter: FlowFilter) => matchesFilter(flow, filter);

describe('Goldmane filter semantics (§3.5)', () => {
  it('StringMatch Exact means equality', () => {
    expect(m(webToApi, { sourceNames: [exact('web-7d9f8c-*')] })).toBe(true);
    expect(m(webToApi, { sourceNames: [exact('web')] })).toBe(false);
  });

  it('StringMatch Fuzzy means case-sensitive substring containment', () => {
    expect(m(webToApi, { destNames: [fuzzy('api-5c')] })).toBe(true);
    expect(m(webToApi, { destNames: [fuzzy('API')] })).toBe(false);
    expect(m(webToApi, { destNamespaces: [fuzzy('ho')] })).toBe(true);
  });

  it('display aliases: a stored pub matches PUBLIC NETWORK and pub, a stored pvt matches PRIVATE NETWORK and pvt', () => {
    const fromPub = flowBetween('pub', 'shop/web');
    const toPvt = flowBetween('shop/web', 'pvt');
    expect(m(fromPub, { sourceNames: [exact('PUBLIC NETWORK')] })).toBe(true);
    expect(m(fromPub, { sourceNames: [exact('pub')] })).toBe(true);
    expect(m(fromPub, { sourceNames: [fuzzy('PUBLIC')] })).toBe(true);
    expect(m(fromPub, { sourceNames: [exact('PRIVATE NETWORK')] })).toBe(false);
    expect(m(toPvt, { destNames: [exact('PRIVATE NETWORK')] })).toBe(true);
    expect(m(toPvt, { destNames: [exact('pvt')] })).toBe(true);
  });

  it('display aliases: a namespace filter Global matches the stored -', () => {
    const fromPub = flowBetween('pub', 'shop/web');
    expect(m(fromPub, { sourceNamespaces: [exact('Global')] })).toBe(true);
    expect(m(fromPub, { sourceNamespaces: [exact('-')] })).toBe(true);
    expect(m(webToApi, { sourceNamespaces: [exact('Global')] })).toBe(false);
  });

  it('protocols are compared against the proto string', () => {
    const udp = flowBetween('a/x', 'b/y', { proto: 'udp' });
    expect(m(udp, { protocols: [exact('udp')] })).toBe(true);
    expect(m(udp, { protocols: [exact('tcp')] })).toBe(false);
    expect(m(flowBetween('a/x', 'b/y', { proto: '47' }), { protocols: [exact('47')] })).toBe(true);
  });

  it('dest_ports is exact equality on dest_port', () => {
    expect(m(webToApi, { destPorts: [8080] })).toBe(true);
    expect(m(webToApi, { destPorts: [80, 443] })).toBe(false);
  });

  it("actions: the key's final action is one of the listed values", () => {
    const denied = flowBetween('a/x', 'b/y', { action: 'Deny' });
    expect(m(denied, { actions: ['Deny'] })).toBe(true);
    expect(m(denied, { actions: ['Allow', 'Pass'] })).toBe(false);
  });

  it('pending_actions: true if any pending hit has an action in the list, so Pass matches a trace that passes anywhere', () => {
    const flow = flowBetween('a/x', 'b/y', {
      pending: [
        hit('CalicoNetworkPolicy', 'security/b/gate', 'Pass', { policyIndex: 0 }),
        hit('NetworkPolicy', 'default/b/allow', 'Allow', { policyIndex: 1 }),
      ],
    });
    expect(m(flow, { pendingActions: ['Pass'] })).toBe(true);
    expect(m(flow, { pendingActions: ['Allow'] })).toBe(true);
    expect(m(flow, { pendingActions: ['Deny'] })).toBe(false);
    expect(m(flowBetween('a/x', 'b/y'), { pendingActions: ['Allow'] })).toBe(false);
  });

  it('reporter: equality when set', () => {
    expect(m(webToApi, { reporter: 'Dst' })).toBe(true);
    expect(m(webToApi, { reporter: 'Src' })).toBe(false);
  });

  it('policies: true if any hit in the enforced or pending trace matches any PolicyMatch', () => {
    const flow = flowBetween('a/x', 'b/y', {
      enforced: [hit('Profile', 'kns.b', 'Allow')],
      pending: [hit('StagedNetworkPolicy', 'default/b/lockdown', 'Deny')],
    });
    expect(m(flow, { policies: [{ name: exact('lockdown') }] })).toBe(true);
    expect(m(flow, { policies: [{ name: exact('other') }, { kind: 'Profile' }] })).toBe(true);
    expect(m(flow, { policies: [{ name: exact('other') }] })).toBe(false);
  });

  it('inside one PolicyMatch every set field must match; an empty value and unset kind or action mean any', () => {
    const flow = flowBetween('a/x', 'b/y', { enforced: [hit('NetworkPolicy', 'default/b/allow-web', 'Allow')] });
    expect(m(flow, { policies: [{ kind: 'NetworkPolicy', name: exact('allow-web'), action: 'Allow' }] })).toBe(true);
    expect(m(flow, { policies: [{ kind: 'NetworkPolicy', name: exact('allow-web'), action: 'Deny' }] })).toBe(false);
    expect(m(flow, { policies: [{ tier: exact(''), namespace: exact(''), name: fuzzy('web') }] })).toBe(true);
    expect(m(flow, { policies: [{ namespace: exact('b'), tier: exact('security') }] })).toBe(false);
  });

  it("EndOfTier hits are compared on their own fields, not on the trigger's", () => {
    const trigger = hit('NetworkPolicy', 'default/b/allow-internal', 'Deny');
    const flow = flowBetween('pub', 'b/web', { action: 'Deny', enforced: [endOfTier(trigger, 'Deny')] });
    expect(m(flow, { policies: [{ kind: 'EndOfTier', tier: exact('default'), action: 'Deny' }] })).toBe(true);
    expect(m(flow, { policies: [{ name: exact('allow-internal') }] })).toBe(false);
    expect(m(flow, { policies: [{ kind: 'NetworkPolicy' }] })).toBe(false);
  });

  it('the UI’s “no policy” filter [{kind: Profile}] matches flows decided by profiles', () => {
    expect(m(webToApi, { policies: [{ kind: 'Profile' }] })).toBe(true);
    const byPolicy = flowBetween('a/x', 'b/y', { enforced: [hit('NetworkPolicy', 'default/b/p', 'Allow')] });
    expect(m(byPolicy, { policies: [{ kind: 'Profile' }] })).toBe(false);
  });

  it('each list is OR within itself, fields are AND-ed, and an empty list means any', () => {
    expect(m(webToApi, { sourceNamespaces: [exact('x'), exact('shop')], destPorts: [8080] })).toBe(true);
    expect(m(webToApi, { sourceNamespaces: [exact('shop')], destPorts: [9] })).toBe(false);
    expect(m(webToApi, { sourceNames: [], actions: [], policies: [] })).toBe(true);
    expect(m(webToApi, {})).toBe(true);
  });
});

describe("Verdict's filters", () => {
  const labelled = flowBetween('shop/web', 'db/pg', {
    sourceLabels: ['app=web', 'tier=frontend'],
    destLabels: ['app=postgres', 'team=data'],
  });

  it('sourceSelector and destSelector match Calico selectors over the flow labels', () => {
    expect(m(labelled, { sourceSelector: "app == 'web'" })).toBe(true);
    expect(m(labelled, { sourceSelector: "tier in {'backend'}" })).toBe(false);
    expect(m(labelled, { destSelector: 'has(team) && app == "postgres"' })).toBe(true);
    expect(m(labelled, { sourceSelector: "app == 'web'", destSelector: "app == 'redis'" })).toBe(false);
  });

  it('a selector that does not parse is an error value naming the field', () => {
    const r = compileFilter({ destSelector: 'app == ' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.path).toBe('destSelector');
      expect(r.error.message).toContain('invalid selector');
    }
  });

  it('destPortRanges are inclusive and OR-ed', () => {
    expect(m(webToApi, { destPortRanges: [{ min: 8000, max: 8080 }] })).toBe(true);
    expect(
      m(webToApi, {
        destPortRanges: [
          { min: 1, max: 1024 },
          { min: 9000, max: 9999 },
        ],
      }),
    ).toBe(false);
  });

  it('pendingDiffers keeps flows whose pending verdict differs from the enforced action', () => {
    const wouldBreak = flowBetween('a/x', 'b/y', { pending: [hit('NetworkPolicy', 'default/b/p', 'Deny')] });
    const same = flowBetween('a/x', 'b/y', { pending: [hit('NetworkPolicy', 'default/b/p', 'Allow')] });
    const noPending = flowBetween('a/x', 'b/y');
    expect(m(wouldBreak, { pendingDiffers: true })).toBe(true);
    expect(m(same, { pendingDiffers: true })).toBe(false);
    expect(m(noPending, { pendingDiffers: true })).toBe(false);
    expect(m(same, { pendingDiffers: false })).toBe(true);
  });
});
