// @verdict/recommend: first drafts of network policy from observed flows, with rationale and coverage.
export { aggregateAddresses, collapseCidrs } from './cidr.ts';
export { enforcedForm, recommendationWorld } from './coverage.ts';
export { isStableLabel, stableSelector } from './labels.ts';
export type {
  ClosedPath,
  Coverage,
  Dialect,
  FlowInput,
  ObservedFlow,
  Rationale,
  Recommendation,
  RecommendError,
  RecommendErrorCode,
  RecommendedPolicy,
  RecommendedRule,
  RecommendInput,
  RecommendScope,
} from './model.ts';
export { recommend, toYaml } from './recommend.ts';
export { RATIONALE_ANNOTATION } from './render.ts';
