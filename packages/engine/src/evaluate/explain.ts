// Stage 2, explain: the tier walk of one flow in one scope, step by step, over a compiled cluster.
import { ok, type Result } from '../result.ts';
import type { CompiledCluster } from './compile.ts';
import { ENFORCED, PENDING, type ScopeBit, WHAT_IF } from './policies.ts';
import { resolveFlow } from './resolve.ts';
import { describeEntity } from './rules.ts';
import type { EvaluateError, ExplainStep, FlowExplanation, FlowQuery, Scope, SideExplanation } from './types.ts';
import { walk } from './walk.ts';

const SCOPE_BITS: Readonly<Record<Scope, ScopeBit>> = { enforced: ENFORCED, pending: PENDING, whatIf: WHAT_IF };

export function explainFlow(
  cluster: CompiledCluster,
  query: FlowQuery,
  scope: Scope,
): Result<FlowExplanation, EvaluateError> {
  const resolved = resolveFlow(cluster, query);
  if (!resolved.ok) return resolved;
  const facts = resolved.value;
  const sides: SideExplanation[] = [];
  for (const [entity, direction] of [
    [facts.src.owner, 'Egress'],
    [facts.dst.owner, 'Ingress'],
  ] as const) {
    if (!entity?.isEndpoint) continue;
    const steps: ExplainStep[] = [];
    const result = walk(cluster, entity, direction, facts, SCOPE_BITS[scope], steps);
    sides.push({ direction, endpoint: describeEntity(entity), action: result.action, hits: result.hits, steps });
  }
  const action = sides.every((side) => side.action === 'Allow') ? 'Allow' : 'Deny';
  return ok({ scope, action, sides });
}
