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

/** YAML documents loaded between turns of the event loop. */
const LOAD_PIECE = 200;
/** Policies applied to the evaluator between turns of the event loop. */
const APPLY_PIECE = 1000;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Loads a multi-document body a few hundred documents at a time (split at column-0 `---` lines,
 * where YAML itself splits), giving the event loop back in between so health checks and ingest keep
 * being answered during a bulk post. Lines in issues and specs stay those of the whole body.
 */
async function loadInPieces(text: string): Promise<{ state: { policies: PolicySpec[] }; issues: Issue[] }> {
  const lines = text.split('\n');
  const starts: number[] = [0];
  for (let i = 1; i < lines.length; i++) if (/^---(\s|$)/.test(lines[i] as string)) starts.push(i);
  if (starts.length <= LOAD_PIECE) {
    const { state, issues } = loadResources([{ file: 'request', text }]);
    return { state: { policies: [...state.policies] }, issues };
  }
  const policies: PolicySpec[] = [];
  const issues: Issue[] = [];
  for (let d = 0; d < starts.length; d += LOAD_PIECE) {
    const from = starts[d] as number;
    const to = starts[d + LOAD_PIECE] ?? lines.length;
    // Blank lines in front keep line numbers those of the whole body.
    const piece = '\n'.repeat(from) + lines.slice(from, to).join('\n');
    const loaded = loadResources([{ file: 'request', text: piece }]);
    policies.push(...loaded.state.policies);
    issues.push(...loaded.issues);
    await yieldToLoop();
  }
  return { state: { policies }, issues };
}

/** Routes relative to /api/v1. */
export function createPolicyRoutes(deps: PolicyRoutesDeps): Hono {
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  app.post('/policies', async (c) => {
    const yaml = await c.req.text();
    if (yaml.trim() === '') throw new ApiError('invalid-parameter', 'body: expected policy YAML or JSON', 'body');
    const { state, issues } = await loadInPieces(yaml);
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
    for (let i = 0; i < state.policies.length; i += APPLY_PIECE) {
      evaluator.upsertPolicies(state.policies.slice(i, i + APPLY_PIECE));
      await yieldToLoop();
    }
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
