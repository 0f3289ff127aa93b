// Explaining a stored (aggregated) flow: `representativeQuery` (@verdict/flows) picks a concrete
// flow it stands for in the current cluster state; this explains that in both scopes and attaches
// each deciding rule's policy YAML with the rule's lines highlighted.

import type { ApiExplanation, ApiStep, ExplainResponse } from '@verdict/api';
import type { Evaluator, ExplainStep, FlowExplanation, FlowQuery, Result } from '@verdict/engine';
import { err, ok, policyKindOfHit } from '@verdict/engine';
import type { ResolveError } from '@verdict/flows';
import { lineRange, policyYaml } from './yaml.ts';

function apiStep(evaluator: Evaluator, step: ExplainStep, yamlCache: Map<string, string | undefined>): ApiStep {
  const out: ApiStep = {
    tier: step.tier,
    policy: step.policy ? { kind: step.policy.kind, name: step.policy.name, namespace: step.policy.namespace } : null,
    outcome: step.outcome,
    because: [...step.because],
  };
  if (step.action !== undefined) out.action = step.action;
  if (step.ruleIndex !== undefined) out.ruleIndex = step.ruleIndex;
  if (step.rulePath === undefined || !step.policy) return out;
  const { kind, namespace, name } = step.policy;
  const cacheKey = `${kind}\0${namespace}\0${name}`;
  if (!yamlCache.has(cacheKey)) {
    const policyKind = policyKindOfHit(kind);
    const spec = policyKind && evaluator.policy(policyKind, namespace || undefined, name);
    yamlCache.set(cacheKey, spec ? policyYaml(spec.original) : undefined);
  }
  const yaml = yamlCache.get(cacheKey);
  if (yaml === undefined) return out;
  out.yaml = yaml;
  const lines = lineRange(yaml, step.rulePath);
  if (lines) {
    const reason = step.because[0] ?? `${step.rulePath} decided the flow`;
    out.highlight = [];
    for (let line = lines.first; line <= lines.last; line++) out.highlight.push({ line, reason });
  }
  return out;
}

function apiExplanation(evaluator: Evaluator, e: FlowExplanation): ApiExplanation {
  const cache = new Map<string, string | undefined>();
  return {
    action: e.action,
    sides: e.sides.map((side) => ({
      direction: side.direction,
      endpoint: side.endpoint,
      action: side.action,
      steps: side.steps.map((step) => apiStep(evaluator, step, cache)),
    })),
  };
}

/** Both scopes of one concrete flow, shaped for the UI. */
export function explainQuery(evaluator: Evaluator, query: FlowQuery): Result<ExplainResponse, ResolveError> {
  const enforced = evaluator.explain(query, 'enforced');
  if (!enforced.ok) return err({ path: enforced.error.path, message: enforced.error.message });
  const pending = evaluator.explain(query, 'pending');
  if (!pending.ok) return err({ path: pending.error.path, message: pending.error.message });
  return ok({ enforced: apiExplanation(evaluator, enforced.value), pending: apiExplanation(evaluator, pending.value) });
}
