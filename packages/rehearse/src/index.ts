// @verdict/rehearse: change sets, their impact on recorded flows, and promotion of staged policies.
export { applyChangeSet } from './apply.ts';
export type { ChangeSet, PolicyDeletion } from './changeset.ts';
export { DELETIONS_API_VERSION, DELETIONS_KIND, parseChangeSet } from './changeset.ts';
export { describeDecision, formatMarkdown, formatText } from './format.ts';
export type { PromotedDeletion, Promotion } from './promote.ts';
export { promote } from './promote.ts';
export type {
  Decision,
  ExampleFlow,
  ImpactGroup,
  ImpactReport,
  ImpactTotals,
  InvalidSelector,
  PolicyRef,
  Progress,
  RehearseOptions,
  Touched,
  UnexercisedRule,
} from './rehearse.ts';
export { rehearse, rehearseStore, SEMANTICS, touchedEndpoints } from './rehearse.ts';
