// POST /api/v1/policies (apply policies, typically staged ones, to Verdict's cluster state) and
// DELETE /api/v1/policies/{kind}/{namespace}/{name}. Flows evaluated afterwards get traces that
// include them; nothing is written to a real cluster.
import {
  type Evaluator,
  type Issue,
  isPolicyKind,
  loadResources,
  POLICY_KINDS,
  type PolicySpec,
} from '@verdict/engine';
import { Hono } from 'hono';
import { ApiError, respondWithError } from '../api/errors.ts';

export interface PolicyRoutesDeps {
  evaluator: () => Evaluator;
  log?: Pick<Console, 'error'>;
}

const ref = (spec: PolicySpec) => ({ kind: spec.kind, namespace: spec.namespace ?? '', name: spec.name });

/**
 * The body is loaded on its own, so the loader warns about every tier it does not define; drop the
 * warnings for tiers the cluster state already has (they are not a problem once applied).
 */
function withoutKnownTierWarnings(issues: readonly Issue[], evaluator: Evaluator): Issue[] {
  const known = evaluator.state.tiers.map((t) => `tier ${JSON.stringify(t.name)} is not defined`);
  return issues.filter(
    (issue) =>
      !(issue.path === 'spec.tier' && issue.severity === 'warning' && known.some((k) => issue.message.includes(k))),
  );
}

/** Routes relative to /api/v1. */
export function createPolicyRoutes(deps: PolicyRoutesDeps): Hono {
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  app.post('/policies', async (c) => {
    const yaml = await c.req.text();
    if (yaml.trim() === '') throw new ApiError('invalid-parameter', 'body: expected policy YAML or JSON', 'body');
    const { state, issues } = loadResources([{ file: 'request', text: yaml }]);
    const errors = issues.filter((issue: Issue) => issue.severity === 'error');
    if (errors.length > 0 || state.policies.length === 0) {
      throw new ApiError(
        'invalid-policies',
        errors[0]?.message ??
          'body: no policy found; expected NetworkPolicy, StagedNetworkPolicy or another policy kind',
        undefined,
        issues,
      );
    }
    const evaluator = deps.evaluator();
    for (const spec of state.policies) evaluator.upsertPolicy(spec);
    return c.json({ applied: state.policies.map(ref), issues: withoutKnownTierWarnings(issues, evaluator) });
  });

  app.delete('/policies/:kind/:namespace/:name', (c) => {
    const kind = c.req.param('kind');
    if (!isPolicyKind(kind))
      throw new ApiError('invalid-parameter', `kind: expected one of ${POLICY_KINDS.join(', ')}`, 'kind');
    const namespace = c.req.param('namespace');
    const removed = deps.evaluator().removePolicy(kind, namespace === '-' ? undefined : namespace, c.req.param('name'));
    if (!removed)
      throw new ApiError('not-found', `no ${kind} ${namespace}/${c.req.param('name')} in the cluster state`);
    return c.json({ removed: { kind, namespace, name: c.req.param('name') } });
  });

  return app;
}
