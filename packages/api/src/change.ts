// Rehearsals, promotion and recommendations.
import { z } from 'zod';
import { expecting } from './decode.ts';
import { directionSchema } from './explain.ts';
import { hitActionSchema, reporterSchema } from './filters.ts';
import { policyRefSchema } from './flow.ts';

const unixSeconds = z
  .int(expecting('Unix seconds (negative = seconds before now)'))
  .default(0)
  .meta({ description: 'Unix seconds; 0 = beginning of history (start) or now (end); negative = seconds before now.' });

const changeSetText = z
  .string(expecting('the change set as a YAML string'))
  .meta({ description: 'YAML: policies (any kind, staged included) and PolicyDeletions.' });

export const rehearsalRequestSchema = z
  .object(
    {
      changeSet: changeSetText,
      start: unixSeconds,
      end: unixSeconds,
      allowBreaking: z
        .array(z.string(), expecting('a list of Calico selectors'))
        .optional()
        .meta({ description: 'Calico selectors over source or destination labels.' }),
    },
    expecting('a JSON object'),
  )
  .meta({ id: 'RehearsalRequest' });

export const promoteRequestSchema = z
  .object({ changeSet: changeSetText }, expecting('a JSON object'))
  .meta({ id: 'PromoteRequest' });

const hitShape = {
  kind: z.string(),
  name: z.string(),
  namespace: z.string(),
  tier: z.string(),
  action: hitActionSchema,
  ruleIndex: z.int(),
};

/** A policy hit as the engine reports it (`trigger` is absent rather than null). */
export const traceHitSchema = z.object({ ...hitShape, policyIndex: z.int(), trigger: policyRefSchema.optional() });

/** What decided one side of a flow: a rule, the end of a tier (with its trigger) or a profile. */
export const decisionSchema = z.object({ ...hitShape, trigger: policyRefSchema.optional() });

export const exampleFlowSchema = z.object({
  flow: z.object({
    id: z.int(),
    sourceNamespace: z.string(),
    sourceName: z.string(),
    destNamespace: z.string(),
    destName: z.string(),
    destPort: z.int(),
    proto: z.string(),
    reporter: reporterSchema,
    startTime: z.int(),
    endTime: z.int(),
  }),
  before: z.array(traceHitSchema),
  after: z.array(traceHitSchema),
});

export const impactGroupSchema = z.object({
  /** The reporting endpoint, whose verdict changed. */
  namespace: z.string(),
  workload: z.string(),
  /** The other end, `namespace/name`, at most 20. */
  peers: z.array(z.string()),
  port: z.int(),
  proto: z.string(),
  direction: directionSchema,
  decidedBy: decisionSchema,
  previouslyDecidedBy: decisionSchema,
  flows: z.int(),
  connections: z.number(),
  firstSeen: z.int(),
  lastSeen: z.int(),
  examples: z.array(exampleFlowSchema),
});

export const unexercisedRuleSchema = z.object({
  policy: z.string(),
  direction: directionSchema,
  ruleIndex: z.int(),
  path: z.string(),
});

export const impactTotalsSchema = z.object({
  flowsConsidered: z.int(),
  flowsReevaluated: z.int(),
  flowsUnresolved: z.int(),
  newlyDenied: z.int(),
  newlyAllowed: z.int(),
  decidedDifferently: z.int(),
  acceptedBreakages: z.int(),
});

export const impactReportSchema = z.object({
  semantics: z.string(),
  range: z.object({ gte: z.int(), lt: z.int() }).nullable(),
  changeSet: z.object({ policies: z.array(z.string()), deletions: z.array(z.string()) }),
  totals: impactTotalsSchema,
  newlyDenied: z.array(impactGroupSchema),
  newlyAllowed: z.array(impactGroupSchema),
  decidedDifferently: z.array(impactGroupSchema),
  acceptedBreakages: z.array(impactGroupSchema),
  unexercisedRules: z.array(unexercisedRuleSchema),
  warnings: z.array(z.string()),
});

export const rehearsalSchema = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    progress: z.object({ done: z.int(), total: z.int().nullable() }),
    report: impactReportSchema.optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'Rehearsal' });

export const promotionSchema = z
  .object({
    /** Multi-document YAML of the enforced policies; "" when the change only deletes. */
    yaml: z.string(),
    deletions: z.array(
      z.object({
        apiVersion: z.string(),
        kind: z.string(),
        namespace: z.string().optional(),
        name: z.string(),
        command: z.string(),
      }),
    ),
  })
  .meta({ id: 'Promotion' });

/** Policy dialects a recommendation is drafted in; `cnp`: ClusterNetworkPolicy v1alpha2 guardrails in the Baseline tier. */
export const DIALECTS = ['calico', 'k8s', 'cnp'] as const;
export const dialectSchema = z.enum(DIALECTS);

export const recommendedRuleSchema = z.object({
  direction: directionSchema,
  index: z.int(),
  peer: z.string(),
  ports: z.string(),
  rationale: z.object({
    flows: z.int(),
    connections: z.number(),
    /** Unix seconds; 0 for a guardrail nobody used in the window. */
    firstSeen: z.int(),
    lastSeen: z.int(),
    examples: z.array(z.string()),
    guardrail: z.string().optional(),
  }),
});

export const recommendedPolicySchema = z.object({
  workload: z.string(),
  yaml: z.string(),
  object: z.unknown(),
  rules: z.array(recommendedRuleSchema),
});

export const recommendationSchema = z
  .object({
    scope: z.object({ namespace: z.string(), workload: z.string().optional() }),
    dialect: dialectSchema,
    window: z.object({ firstSeen: z.int(), lastSeen: z.int() }),
    policies: z.array(recommendedPolicySchema),
    coverage: z.object({
      observedAllowed: z.int(),
      allowedByRecommendation: z.int(),
      unresolved: z.int(),
      closedPaths: z.array(z.object({ from: z.string(), to: z.string(), port: z.string() })),
      closedPathsTotal: z.int(),
    }),
    notes: z.array(z.string()),
  })
  .meta({ id: 'Recommendation' });

export type RehearsalRequest = z.input<typeof rehearsalRequestSchema>;
export type ApiTraceHit = z.infer<typeof traceHitSchema>;
export type ApiDecision = z.infer<typeof decisionSchema>;
export type ApiExampleFlow = z.infer<typeof exampleFlowSchema>;
export type ApiImpactGroup = z.infer<typeof impactGroupSchema>;
export type ApiUnexercisedRule = z.infer<typeof unexercisedRuleSchema>;
export type ApiImpactTotals = z.infer<typeof impactTotalsSchema>;
export type ImpactReport = z.infer<typeof impactReportSchema>;
export type Rehearsal = z.infer<typeof rehearsalSchema>;
export type Promotion = z.infer<typeof promotionSchema>;
export type Dialect = z.infer<typeof dialectSchema>;
export type RecommendedRule = z.infer<typeof recommendedRuleSchema>;
export type RecommendedPolicy = z.infer<typeof recommendedPolicySchema>;
export type Recommendation = z.infer<typeof recommendationSchema>;
