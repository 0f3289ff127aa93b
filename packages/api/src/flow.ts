// Flows as /api/v1 sends them.
import { z } from 'zod';
import { actionSchema, hitActionSchema, reporterSchema } from './filters.ts';

export const policyRefSchema = z.object({
  kind: z.string(),
  name: z.string(),
  namespace: z.string(),
  tier: z.string(),
});

export const policyHitSchema = z
  .object({
    kind: z.string(),
    name: z.string(),
    namespace: z.string(),
    tier: z.string(),
    action: hitActionSchema,
    policyIndex: z.int(),
    ruleIndex: z.int(),
    trigger: policyRefSchema.nullable(),
  })
  .meta({ id: 'PolicyHit' });

export const flowSchema = z
  .object({
    id: z.int(),
    /** The Kubernetes cluster that reported the flow (`--cluster-name` of the Verdict that stored it). */
    cluster: z.string(),
    startTime: z.int(),
    endTime: z.int(),
    sourceName: z.string(),
    sourceNamespace: z.string(),
    sourceType: z.string(),
    destName: z.string(),
    destNamespace: z.string(),
    destType: z.string(),
    destPort: z.int(),
    destServiceName: z.string(),
    destServiceNamespace: z.string(),
    destServicePortName: z.string(),
    destServicePort: z.int(),
    proto: z.string(),
    reporter: reporterSchema,
    action: actionSchema,
    pendingAction: actionSchema,
    sourceLabels: z.array(z.string()),
    destLabels: z.array(z.string()),
    packetsIn: z.number(),
    packetsOut: z.number(),
    bytesIn: z.number(),
    bytesOut: z.number(),
    numConnectionsStarted: z.number(),
    numConnectionsCompleted: z.number(),
    numConnectionsLive: z.number(),
    /** Source addresses seen, sorted, at most 100; `[]` when the source of the flow reported none. */
    sourceIps: z.array(z.string()),
    /** Source addresses seen beyond the ones listed. */
    sourceIpsBeyond: z.int(),
    destIps: z.array(z.string()),
    destIpsBeyond: z.int(),
    policies: z.object({ enforced: z.array(policyHitSchema), pending: z.array(policyHitSchema) }),
  })
  .meta({ id: 'Flow' });

export const pageTotalSchema = z.object({ totalPages: z.int(), totalResults: z.int() });

/** Width in seconds of the coarsest roll-up level (15, 60 or 300) a range's answer was read from. */
export const resolutionSchema = z.int().positive();

export const flowListResponseSchema = z
  .object({ total: pageTotalSchema, resolution: resolutionSchema, items: z.array(flowSchema) })
  .meta({ id: 'FlowList' });

export const SORT_FIELDS = ['Time', 'SourceName', 'SourceNamespace', 'DestName', 'DestNamespace'] as const;
/** Sort orders Calico names but Verdict does not serve (code `unsupported-sort`). */
export const UNSUPPORTED_SORT_FIELDS = ['SourceType', 'DestType'] as const;

export type ApiPolicyRef = z.infer<typeof policyRefSchema>;
export type ApiPolicyHit = z.infer<typeof policyHitSchema>;
export type ApiFlow = z.infer<typeof flowSchema>;
export type Page = z.infer<typeof pageTotalSchema>;
export type FlowListResponse = z.infer<typeof flowListResponseSchema>;
export type SortField = (typeof SORT_FIELDS)[number] | (typeof UNSUPPORTED_SORT_FIELDS)[number];
