// The server's wire types against the UI's copy (packages/web/src/api/types.ts). Checked by tsc;
// the known differences are spelled out and reported to the UI side.
import { describe, expectTypeOf, it } from 'vitest';
import type * as Web from '../../../web/src/api/types.ts';
import type * as Server from './types.ts';

describe('wire types agree with the UI', () => {
  it('flows, tiers, graph and summary are identical', () => {
    expectTypeOf<Server.ApiFlow>().toEqualTypeOf<Web.ApiFlow>();
    expectTypeOf<Server.FlowListResponse>().toEqualTypeOf<Web.FlowListResponse>();
    expectTypeOf<Server.ApiErrorBody>().toEqualTypeOf<Web.ApiErrorBody>();
    expectTypeOf<Server.TiersResponse>().toEqualTypeOf<Web.TiersResponse>();
    expectTypeOf<Server.GraphResponse>().toEqualTypeOf<Web.GraphResponse>();
    expectTypeOf<Server.ClusterSummary>().toEqualTypeOf<Web.ClusterSummary>();
  });

  it('explanations differ only in the step outcome (`pass` here, `not-selected` in the UI)', () => {
    expectTypeOf<Omit<Server.ApiStep, 'outcome'>>().toEqualTypeOf<Omit<Web.ApiStep, 'outcome'>>();
    expectTypeOf<Exclude<Server.StepOutcome, Web.StepOutcome>>().toEqualTypeOf<'pass'>();
    expectTypeOf<Exclude<Web.StepOutcome, Server.StepOutcome>>().toEqualTypeOf<'not-selected'>();
  });

  it('policy stats add `pending` to what the UI reads', () => {
    expectTypeOf<Omit<Server.PolicyStats, 'pending'>>().toEqualTypeOf<Web.PolicyStats>();
    expectTypeOf<Server.PolicyStatsResponse>().toExtend<{ items: Web.PolicyStats[] }>();
  });
});
