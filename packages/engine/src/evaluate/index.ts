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
} from './evaluator.ts';
export { createEvaluator } from './evaluator.ts';
export { effectiveSelector, policyId, specId } from './policies.ts';
