import { describe, expect, it } from 'vitest';
import { flowBetween, T0 } from '../../test/fixtures.ts';
import {
  filterFromProto,
  filterToProto,
  flowFromProto,
  flowToProto,
  listQueryFromProto,
  type PbFlowListRequest,
  streamQueryFromProto,
} from './codec.ts';

const listRequest = (over: Partial<PbFlowListRequest> = {}): PbFlowListRequest => ({
  startTimeGte: 0,
  startTimeLt: 0,
  page: 0,
  pageSize: 0,
  sortBy: [],
  filter: null,
  aggregationInterval: 0,
  ...over,
});

describe('Goldmane codec', () => {
  it('round-trips a flow with enforced and pending traces, including the trigger', () => {
    const flow = flowBetween('-/pub', 'shop/web-7c9d-*', { reporter: 'Src', action: 'Deny' });
    const pb = flowToProto(flow);
    expect(pb.Key?.policies?.pendingPolicies[0]?.trigger).toEqual({
      kind: 'StagedNetworkPolicy',
      namespace: 'shop',
      name: 'lockdown',
      tier: 'security',
      action: 'ActionUnspecified',
      policyIndex: 0,
      ruleIndex: 0,
      trigger: null,
    });
    expect(flowFromProto(pb)).toEqual({ ok: true, value: flow });
  });

  it('names the field of an invalid flow', () => {
    const pb = flowToProto(flowBetween('shop/a-*', 'shop/b-*'));
    const hit = pb.Key?.policies?.enforcedPolicies[0];
    if (hit) hit.action = 'ActionUnspecified';
    expect(flowFromProto(pb)).toEqual({
      ok: false,
      error: {
        code: 'invalid-value',
        path: 'flow.Key.policies.enforced_policies[0].action',
        message:
          'flow.Key.policies.enforced_policies[0].action: ActionUnspecified is not a valid action (expected Allow, Deny, Pass)',
      },
    });
    const unknownEnum = flowToProto(flowBetween('shop/a-*', 'shop/b-*'));
    (unknownEnum.Key as unknown as { reporter: number }).reporter = 7;
    expect(flowFromProto(unknownEnum)).toMatchObject({ ok: false, error: { path: 'flow.Key.reporter' } });
    expect(flowFromProto(null)).toEqual({
      ok: false,
      error: { code: 'missing-field', path: 'flow', message: 'flow: missing' },
    });
    const stringy = flowToProto(flowBetween('shop/a-*', 'shop/b-*'));
    (stringy as unknown as { packetsIn: string }).packetsIn = '12';
    expect(flowFromProto(stringy)).toMatchObject({ ok: true, value: { packetsIn: 12 } });
    (stringy as unknown as { bytesIn: number }).bytesIn = -1;
    expect(flowFromProto(stringy)).toMatchObject({
      ok: false,
      error: { path: 'flow.bytes_in', code: 'invalid-value' },
    });
  });

  it('drops "any" values from filters and round-trips the rest', () => {
    const decoded = filterFromProto({
      ...filterToProto(undefined),
      sourceNamespaces: [{ value: 'shop', type: 'Exact' }],
      destPorts: [{ port: 8080 }],
      pendingActions: ['Deny'],
      reporter: 'Dst',
      policies: [
        {
          kind: 'KindUnspecified',
          tier: { value: '', type: 'Exact' },
          namespace: null,
          name: { value: 'lock', type: 'Fuzzy' },
          action: 'ActionUnspecified',
        },
      ],
    });
    expect(decoded).toEqual({
      ok: true,
      value: {
        sourceNamespaces: [{ value: 'shop', type: 'Exact' }],
        destPorts: [8080],
        pendingActions: ['Deny'],
        reporter: 'Dst',
        policies: [{ name: { value: 'lock', type: 'Fuzzy' } }],
      },
    });
    if (decoded.ok) expect(filterFromProto(filterToProto(decoded.value))).toEqual(decoded);
  });

  it('normalises times and validates List requests', () => {
    const now = T0 + 100;
    expect(listQueryFromProto(listRequest({ startTimeGte: -60 }), now)).toEqual({
      ok: true,
      value: { range: { gte: T0 + 40, lt: now }, page: 0, pageSize: 0 },
    });
    expect(listQueryFromProto(listRequest({ sortBy: [{ sortBy: 'SourceType' }] }), now)).toEqual({
      ok: false,
      error: 'unsupported sort order',
    });
    expect(listQueryFromProto(listRequest({ startTimeGte: -10, startTimeLt: -20 }), now)).toEqual({
      ok: false,
      error: `startTimeGte (${T0 + 90}) must be less than startTimeLt (${T0 + 80})`,
    });
  });

  it('reads Stream start 0 as now without backfill', () => {
    expect(streamQueryFromProto({ startTimeGte: 0, filter: null, aggregationInterval: 15 }, T0)).toEqual({
      ok: true,
      value: { fromTime: 0 },
    });
    expect(streamQueryFromProto({ startTimeGte: -300, filter: null, aggregationInterval: 0 }, T0)).toEqual({
      ok: true,
      value: { fromTime: T0 - 300 },
    });
  });
});
