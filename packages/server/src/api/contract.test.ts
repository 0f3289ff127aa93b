// The server's wire types against the UI's copy (packages/web/src/api/types.ts). Checked by tsc:
// every response shape the UI reads must be identical on both sides.
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

  it('explanations are identical, `pass` steps included', () => {
    expectTypeOf<Server.StepOutcome>().toEqualTypeOf<Web.StepOutcome>();
    expectTypeOf<Server.ApiStep>().toEqualTypeOf<Web.ApiStep>();
    expectTypeOf<Server.ExplainResponse>().toEqualTypeOf<Web.ExplainResponse>();
  });

  it('policy stats are identical, pending counts included', () => {
    expectTypeOf<Server.PolicyStats>().toEqualTypeOf<Web.PolicyStats>();
    expectTypeOf<Server.PolicyStatsResponse>().toEqualTypeOf<Web.PolicyStatsResponse>();
  });
});
