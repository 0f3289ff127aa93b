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

// GET /api/v1/egress and `verdict egress -o json`: a namespace's external destinations and its lockdown.
export const egressDestinationSchema = z.strictObject({
  type: z.enum(['Network', 'NetworkSet']),
  network: z
    .string()
    .meta({ description: 'Aggregated CIDRs, the set name, or a description when no addresses were recorded.' }),
  domains: z
    .array(z.string())
    .meta({ description: 'Query names that resolved to these addresses (from a DNS import).' }),
  proto: z.string(),
  port: z.int().min(0).max(65535),
  flows: z.int().min(0),
  connections: z.int().min(0),
  bytes: z.number().min(0),
  allowed: z.int().min(0),
  denied: z.int().min(0),
});

export const egressResponseSchema = z
  .strictObject({
    namespace: z.string(),
    workloads: z.array(
      z.strictObject({
        workload: z.string(),
        labels: z.record(z.string(), z.string()),
        destinations: z.array(egressDestinationSchema),
      }),
    ),
    proposal: z.strictObject({
      yaml: z.string().meta({ description: 'NetworkSets, then the staged lockdown policy, as they would be applied.' }),
      changeSet: z.string().meta({
        description: 'The lockdown with the CIDRs inline: the change set that was rehearsed (POST /rehearsals).',
      }),
      rehearsal: z
        .strictObject({
          flowsConsidered: z.int().min(0),
          newlyDenied: z.int().min(0),
          newlyAllowed: z.int().min(0),
        })
        .nullable(),
    }),
    notes: z.array(z.string()),
  })
  .meta({ id: 'Egress' });

// GET /api/v1/coverage and `verdict coverage -o json`: rollout progress.
const shareFields = {
  workloads: z.int().min(0),
  isolatedIngress: z.int().min(0),
  isolatedEgress: z.int().min(0),
  flows: z.int().min(0),
  decidedByPolicy: z.int().min(0).meta({ description: 'Flow records an explicit policy (not a profile) decided.' }),
};

export const coverageResponseSchema = z
  .strictObject({
    cluster: z.strictObject(shareFields),
    namespaces: z.array(z.strictObject({ namespace: z.string(), ...shareFields })),
    workloads: z.array(
      z.strictObject({
        namespace: z.string(),
        workload: z.string(),
        ingress: z.boolean(),
        egress: z.boolean(),
        ingressSince: z.number().nullable().meta({
          description:
            'Unix seconds since when the policies isolating it have stood unchanged, per the change log; null when not isolated or when that predates the log.',
        }),
        egressSince: z.number().nullable(),
        ingressPolicies: z.array(z.string()),
        egressPolicies: z.array(z.string()),
      }),
    ),
    staged: z.array(
      z.strictObject({
        kind: z.string(),
        namespace: z.string(),
        name: z.string(),
        tier: z.string(),
        wouldDeny: z.int().min(0),
        examples: z.array(z.string()),
      }),
    ),
    trend: z.array(z.strictObject({ time: z.number(), flows: z.int().min(0), decidedByPolicy: z.int().min(0) })),
    bucketSeconds: z.int().min(1),
    changeLog: z.boolean(),
    changeLogSince: z.number().nullable(),
    changes: z.array(
      z.strictObject({
        time: z.number(),
        operation: z.enum(['created', 'updated', 'deleted']),
        kind: z.string(),
        namespace: z.string(),
        name: z.string(),
        isolates: z.int().min(0).meta({ description: 'Workloads the policy isolates today.' }),
      }),
    ),
  })
  .meta({ id: 'Coverage' });

export type EgressResponse = z.infer<typeof egressResponseSchema>;
export type CoverageResponse = z.infer<typeof coverageResponseSchema>;
