// Evaluation in explicit stages: compile (pure) → evaluate / explain over the compiled cluster →
// incremental updates; createEvaluator puts the stages behind one facade.
export type { AnnotatedExplanation, AnnotatedStep, BothScopes } from './annotate.ts';
export { explainBothScopes } from './annotate.ts';
export type { CompiledCluster } from './compile.ts';
export { compileCluster } from './compile.ts';
export { evaluateFlow } from './evaluate.ts';
export { createEvaluator } from './evaluator.ts';
export { explainFlow } from './explain.ts';
export { effectiveSelector, policyId, specId } from './policies.ts';
export { lineRange, policyYaml } from './policy-yaml.ts';
export type {
  EndpointInfo,
  EndpointRef,
  EndpointType,
  EvaluateError,
  Evaluator,
  ExplainStep,
  FlowExplanation,
  FlowQuery,
  FlowVerdict,
  Scope,
  ScopeVerdict,
  SideExplanation,
  SideVerdict,
  StepOutcome,
  TierView,
  Verdict,
} from './types.ts';
export { removePod, removePolicy, upsertPod, upsertPolicies } from './update.ts';
