// Explanations for people: one flow explained in both scopes, each deciding step with its policy
// as YAML and the lines of the deciding rule highlighted.
import { policyKindOfHit } from '../kinds.ts';
import type { HitAction, HitKind } from '../model.ts';
import { err, ok, type Result } from '../result.ts';
import type { CompiledCluster } from './compile.ts';
import { explainFlow } from './explain.ts';
import { policyId } from './policies.ts';
import { lineRange, policyYaml } from './policy-yaml.ts';
import type { EvaluateError, ExplainStep, FlowExplanation, FlowQuery, StepOutcome, Verdict } from './types.ts';

export interface AnnotatedStep {
  tier: string;
  policy: { kind: HitKind; name: string; namespace: string } | null;
  outcome: StepOutcome;
  because: string[];
  action?: HitAction;
  ruleIndex?: number;
  /** The deciding policy as YAML, when the step has a deciding rule of a loaded policy. */
  yaml?: string;
  /** 1-based lines of `yaml` that hold the deciding rule, each with the reason it decided. */
  highlight?: { line: number; reason: string }[];
}

export interface AnnotatedExplanation {
  action: Verdict;
  sides: {
    direction: 'Ingress' | 'Egress';
    endpoint: string;
    action: Verdict;
    steps: AnnotatedStep[];
  }[];
}

export interface BothScopes {
  enforced: AnnotatedExplanation;
  pending: AnnotatedExplanation;
}

/** Both scopes of one concrete flow, each deciding rule with its policy's YAML and highlighted lines. */
export function explainBothScopes(cluster: CompiledCluster, query: FlowQuery): Result<BothScopes, EvaluateError> {
  const enforced = explainFlow(cluster, query, 'enforced');
  if (!enforced.ok) return err(enforced.error);
  const pending = explainFlow(cluster, query, 'pending');
  if (!pending.ok) return err(pending.error);
  const yamlCache = new Map<string, string | undefined>();
  return ok({
    enforced: annotate(cluster, enforced.value, yamlCache),
    pending: annotate(cluster, pending.value, yamlCache),
  });
}

function annotate(
  cluster: CompiledCluster,
  e: FlowExplanation,
  yamlCache: Map<string, string | undefined>,
): AnnotatedExplanation {
  return {
    action: e.action,
    sides: e.sides.map((side) => ({
      direction: side.direction,
      endpoint: side.endpoint,
      action: side.action,
      steps: side.steps.map((step) => annotateStep(cluster, step, yamlCache)),
    })),
  };
}

function annotateStep(
  cluster: CompiledCluster,
  step: ExplainStep,
  yamlCache: Map<string, string | undefined>,
): AnnotatedStep {
  const out: AnnotatedStep = {
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
    const spec = policyKind && cluster.policies.get(policyId(policyKind, namespace || undefined, name))?.spec;
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
