// @verdict/insights: findings over a cluster and its flows, with evidence and proposed fixes.
export { insights } from './insights.ts';
export type {
  Finding,
  FindingType,
  FlowEvidence,
  InsightsFlow,
  InsightsInput,
  InsightsOptions,
  InsightsReport,
  PolicyChange,
  PolicyEvidence,
  Severity,
  Subject,
} from './model.ts';
export { FINDING_TYPES, SEVERITIES } from './model.ts';
export { ruleCovers } from './reach.ts';
