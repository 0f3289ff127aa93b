// GET /api/v1/insights and `verdict insights -o json`: findings with evidence and a proposed fix.
// Every object is strict: the shape is a contract for scripts and CI.
import { z } from 'zod';

export const FINDING_TYPES = [
  'policy-selects-nothing',
  'unreachable-rule',
  'unused-rule',
  'staged-would-deny',
  'dns-blocked',
  'public-egress',
  'lateral-movement',
  'port-scan',
  'unprotected-workload',
  'deny-spike-after-change',
] as const;
export const SEVERITIES = ['high', 'medium', 'low'] as const;

const verdictAction = z.enum(['Allow', 'Deny', 'Pass']);

export const findingFlowSchema = z.strictObject({
  id: z.int(),
  source: z.string(),
  destination: z.string(),
  destPort: z.int().min(0).max(65535),
  proto: z.string(),
  reporter: z.enum(['Src', 'Dst']),
  action: verdictAction,
  pendingAction: verdictAction,
  startTime: z.number(),
  endTime: z.number(),
  connections: z.int().min(0),
});

export const findingPolicySchema = z.strictObject({
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  tier: z.string(),
  ruleIndex: z.int().min(0).optional(),
  direction: z.enum(['Ingress', 'Egress']).optional(),
  rulePath: z.string().optional(),
});

export const findingSchema = z
  .strictObject({
    type: z.enum(FINDING_TYPES),
    severity: z.enum(SEVERITIES),
    title: z.string().min(1),
    subject: z.strictObject({
      kind: z.string().meta({ description: 'A policy kind, or `Workload`.' }),
      namespace: z.string().meta({ description: '"" for cluster-wide subjects.' }),
      name: z.string(),
    }),
    evidence: z.strictObject({
      flows: z.array(findingFlowSchema),
      policies: z.array(findingPolicySchema),
      explanation: z.string().min(1),
    }),
    fix: z.strictObject({
      summary: z.string().min(1),
      changeSet: z
        .string()
        .nullable()
        .meta({ description: 'YAML that POST /rehearsals and `verdict rehearse` accept, or null.' }),
    }),
  })
  .meta({ id: 'Finding' });

export const insightsResponseSchema = z.strictObject({ findings: z.array(findingSchema) }).meta({ id: 'Insights' });

export type Finding = z.infer<typeof findingSchema>;
export type InsightsResponse = z.infer<typeof insightsResponseSchema>;
