// Tiers, policy statistics, the cluster summary, and applying or removing policies.
import { z } from 'zod';
import { directionSchema } from './explain.ts';
import { resolutionSchema } from './flow.ts';

export const policySchema = z.object({
  kind: z.string(),
  name: z.string(),
  namespace: z.string(),
  tier: z.string(),
  order: z.number().nullable(),
  staged: z.boolean(),
  stagedAction: z.string().nullable(),
  yaml: z.string(),
  ingressRules: z.int(),
  egressRules: z.int(),
});

export const tierSchema = z
  .object({
    name: z.string(),
    order: z.number().nullable(),
    defaultAction: z.enum(['Deny', 'Pass']),
    policies: z.array(policySchema),
  })
  .meta({ id: 'Tier' });

export const tiersResponseSchema = z.object({ items: z.array(tierSchema) }).meta({ id: 'TierList' });

const countShape = { allowed: z.int(), denied: z.int(), passed: z.int() };
export const verdictCountsSchema = z.object(countShape);

export const ruleStatsSchema = z.object({
  direction: directionSchema,
  /** -1 = end of tier. */
  ruleIndex: z.int(),
  ...countShape,
});

/** `groupBy` of GET /policy-stats: absent = across clusters. */
export const POLICY_STATS_GROUPINGS = ['cluster'] as const;
export type PolicyStatsGrouping = (typeof POLICY_STATS_GROUPINGS)[number];

export const policyStatsSchema = z
  .object({
    /** Only with `groupBy=cluster`: the cluster these counts come from. */
    cluster: z.string().optional(),
    kind: z.string(),
    name: z.string(),
    namespace: z.string(),
    tier: z.string(),
    ...countShape,
    rules: z.array(ruleStatsSchema),
    /** Addition: the same counts from the pending traces. */
    pending: z.object({ ...countShape, rules: z.array(ruleStatsSchema) }),
  })
  .meta({ id: 'PolicyStats' });

export const policyStatsResponseSchema = z
  .object({ resolution: resolutionSchema, items: z.array(policyStatsSchema) })
  .meta({ id: 'PolicyStatsList' });

export const clusterSummarySchema = z
  .object({
    namespaces: z.array(z.string()),
    workloads: z.int(),
    policies: z.int(),
    staged: z.int(),
    store: z.string(),
  })
  .meta({ id: 'ClusterSummary' });

/** A problem in submitted YAML, positioned for an editor (the engine's `Issue`). */
export const issueSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  file: z.string(),
  /** 1-based; 0 when unknown. */
  line: z.int(),
  /** 1-based; 0 when unknown. */
  column: z.int(),
  path: z.string(),
});

/** A policy in Verdict's cluster state, as POST/DELETE /api/v1/policies name it ("" namespace for global kinds). */
export const policyKeySchema = z.object({ kind: z.string(), namespace: z.string(), name: z.string() });

export const appliedPoliciesSchema = z
  .object({ applied: z.array(policyKeySchema), issues: z.array(issueSchema) })
  .meta({ id: 'AppliedPolicies' });
export const removedPolicySchema = z.object({ removed: policyKeySchema }).meta({ id: 'RemovedPolicy' });

export type ApiPolicy = z.infer<typeof policySchema>;
export type ApiTier = z.infer<typeof tierSchema>;
export type TiersResponse = z.infer<typeof tiersResponseSchema>;
export type VerdictCounts = z.infer<typeof verdictCountsSchema>;
export type RuleStats = z.infer<typeof ruleStatsSchema>;
export type PolicyStats = z.infer<typeof policyStatsSchema>;
export type PolicyStatsResponse = z.infer<typeof policyStatsResponseSchema>;
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;
export type ApiIssue = z.infer<typeof issueSchema>;
export type PolicyKey = z.infer<typeof policyKeySchema>;
export type AppliedPolicies = z.infer<typeof appliedPoliciesSchema>;
