// GET /flows/{id}/explain.
import { z } from 'zod';
import { actionSchema, hitActionSchema } from './filters.ts';

export const STEP_OUTCOMES = ['matched', 'no-match', 'end-of-tier', 'profile', 'skipped-tier', 'pass'] as const;
export const DIRECTIONS = ['Ingress', 'Egress'] as const;
export const directionSchema = z.enum(DIRECTIONS);

export const stepSchema = z
  .object({
    tier: z.string(),
    policy: z.object({ kind: z.string(), name: z.string(), namespace: z.string() }).nullable(),
    outcome: z.enum(STEP_OUTCOMES),
    action: hitActionSchema.optional(),
    ruleIndex: z.int().optional(),
    because: z.array(z.string()),
    /** The deciding policy as written, rendered as YAML. */
    yaml: z.string().optional().meta({ description: 'The deciding policy as written.' }),
    /** 1-based lines of `yaml` that hold the deciding rule. */
    highlight: z.array(z.object({ line: z.int(), reason: z.string() })).optional(),
  })
  .meta({ id: 'Step' });

export const sideSchema = z.object({
  direction: directionSchema,
  endpoint: z.string(),
  action: actionSchema,
  steps: z.array(stepSchema),
});

export const explanationSchema = z
  .object({ action: actionSchema, sides: z.array(sideSchema) })
  .meta({ id: 'Explanation' });

export const explainResponseSchema = z
  .object({ enforced: explanationSchema, pending: explanationSchema })
  .meta({ id: 'ExplainResponse' });

export type StepOutcome = (typeof STEP_OUTCOMES)[number];
export type ApiStep = z.infer<typeof stepSchema>;
export type ApiSide = z.infer<typeof sideSchema>;
export type ApiExplanation = z.infer<typeof explanationSchema>;
export type ExplainResponse = z.infer<typeof explainResponseSchema>;
