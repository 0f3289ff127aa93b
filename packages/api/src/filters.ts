// The `filters` query parameter of /api/v1 and whisker-backend, as schemas.
import { HIT_KINDS, parseCidr } from '@verdict/engine';
import { z } from 'zod';
import { expecting, quoteAll } from './decode.ts';

export const ACTIONS = ['Allow', 'Deny'] as const;
export const HIT_ACTIONS = ['Allow', 'Deny', 'Pass'] as const;
export const REPORTERS = ['Src', 'Dst'] as const;
export const MATCH_TYPES = ['Exact', 'Fuzzy'] as const;

/**
 * Entries a filter list may hold (names, ports, policies, CIDRs …). Filters travel in a URL or a gRPC
 * request; a longer list is refused with a `too-large` issue naming this limit.
 */
export const FILTER_LIST_LIMIT = 1000;

/** A filter list: at most FILTER_LIST_LIMIT entries. */
export const filterList = <T extends z.ZodType>(item: T) => z.array(item).max(FILTER_LIST_LIMIT);

export const actionSchema = z.enum(ACTIONS);
export const hitActionSchema = z.enum(HIT_ACTIONS);
export const reporterSchema = z.enum(REPORTERS);
const KINDS: readonly string[] = HIT_KINDS;
/** A policy kind as hits name it (a string on the wire, checked against the engine's kinds). */
export const policyKindSchema = z.string().refine((k) => KINDS.includes(k), {
  error: (iss) => `expected one of ${quoteAll(KINDS)}, got ${JSON.stringify(iss.input)}`,
});

/** An object with exactly these keys; an unknown key names the allowed ones. */
export const strictObject = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `expected one of ${quoteAll(Object.keys(shape))}` : undefined),
  });

export const portSchema = z
  .int(expecting('an integer 0-65535'))
  .min(0, expecting('an integer 0-65535'))
  .max(65535, expecting('an integer 0-65535'));

export const stringMatchSchema = strictObject({
  value: z.string(),
  type: z.enum(MATCH_TYPES).default('Exact'),
});

export const policyMatchSchema = strictObject({
  kind: policyKindSchema.optional(),
  tier: stringMatchSchema.optional(),
  namespace: stringMatchSchema.optional(),
  name: stringMatchSchema.optional(),
  action: hitActionSchema.optional(),
});

export const portRangeSchema = strictObject({ min: portSchema, max: portSchema }).refine((r) => r.min <= r.max, {
  error: (iss) => {
    const r = iss.input as { min: number; max: number };
    return `min (${r.min}) must not be greater than max (${r.max})`;
  },
});

export const cidrSchema = z
  .string()
  .refine((s) => parseCidr(s) !== undefined, {
    error: (iss) => `expected a CIDR such as 10.0.0.0/8 or an IP address, got ${JSON.stringify(iss.input)}`,
    params: { code: 'invalid-cidr' },
  })
  .meta({ description: 'Matches endpoints with an address in the CIDR in the current cluster.' });

/** The keys of the `filters` JSON of /api/v1, in display order. */
const filterShape = {
  sourceNames: filterList(stringMatchSchema),
  sourceNamespaces: filterList(stringMatchSchema),
  destNames: filterList(stringMatchSchema),
  destNamespaces: filterList(stringMatchSchema),
  protocols: filterList(stringMatchSchema),
  destPorts: filterList(portSchema),
  actions: filterList(hitActionSchema),
  pendingActions: filterList(hitActionSchema),
  reporter: reporterSchema,
  policies: filterList(policyMatchSchema),
  sourceSelector: z.string().meta({ description: 'Calico selector over source labels.' }),
  destSelector: z.string().meta({ description: 'Calico selector over destination labels.' }),
  destPortRanges: filterList(portRangeSchema),
  pendingDiffers: z.boolean(),
  sourceCidrs: filterList(cidrSchema),
  destCidrs: filterList(cidrSchema),
  clusters: filterList(z.string()).meta({
    description: 'Names of the Kubernetes clusters (`--cluster-name` of the Verdict that stored them), exact.',
  }),
};

/** The `filters` JSON of /api/v1: every key optional, absent means "no constraint". */
export const filtersSchema = strictObject(filterShape).partial().meta({ id: 'Filters' });

export type FilterField = keyof typeof filterShape;
export const FILTER_FIELDS = Object.keys(filterShape) as FilterField[];

export type Action = z.infer<typeof actionSchema>;
export type HitAction = z.infer<typeof hitActionSchema>;
export type Reporter = z.infer<typeof reporterSchema>;
export type MatchType = (typeof MATCH_TYPES)[number];
export type StringMatch = z.infer<typeof stringMatchSchema>;
export type PolicyMatch = z.output<typeof policyMatchSchema>;
export type PortRange = z.infer<typeof portRangeSchema>;
/** The `filters` JSON of /api/v1 as decoded (a client may leave out `type` of a StringMatch: Exact). */
export type VerdictFilters = z.output<typeof filtersSchema>;
