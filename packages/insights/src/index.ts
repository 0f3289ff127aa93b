// @verdict/insights: findings over a cluster and its flows, with evidence and proposed fixes; the egress
// lockdown of a namespace; rollout coverage and its HTML report.
export type {
  CoverageChange,
  CoverageInput,
  CoverageReport,
  NamespaceCoverage,
  Share,
  StagedWaiting,
  TrendPoint,
  WorkloadCoverage,
} from './coverage.ts';
export { coverageReport } from './coverage.ts';
export type { EgressDestination, EgressDialect, EgressInput, EgressReport, EgressWorkload } from './egress.ts';
export { EGRESS_DIALECTS, egressReport } from './egress.ts';
export type { InsightsRun } from './insights.ts';
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
export { FINDING_TYPES, fromChangeLog, SEVERITIES } from './model.ts';
export { ruleCovers } from './reach.ts';
export { coverageHtml } from './report.ts';
