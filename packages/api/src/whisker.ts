// whisker-backend's `filters` query parameter (calico-observability §4.1): snake_case JSON with enum
// names, read as leniently as whisker-backend reads it (null and "Unspecified" mean "not set").
import { z } from 'zod';
import { expecting } from './decode.ts';
import { FILTER_LIST_LIMIT, HIT_ACTIONS, MATCH_TYPES, REPORTERS } from './filters.ts';

export const HINT_TYPES = [
  'DestName',
  'SourceName',
  'DestNamespace',
  'SourceNamespace',
  'PolicyTier',
  'PolicyName',
  'PolicyKind',
  'PolicyNamespace',
] as const;
export type HintType = (typeof HINT_TYPES)[number];

/** A list that may be absent or null (both mean empty), of at most FILTER_LIST_LIMIT entries. */
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .max(FILTER_LIST_LIMIT)
    .nullish()
    .transform((v) => v ?? []);

/** An enum that may be absent, null, "" or its `Unspecified` name (all mean "not set"). */
const unset = <T extends readonly [string, ...string[]]>(values: T, unspecified: string) =>
  z
    .union([z.null(), z.literal(''), z.literal(unspecified), z.enum(values)], {
      error: (iss) => `expected one of ${values.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(iss.input)}`,
    })
    .optional()
    .transform((v) => (v === null || v === '' || v === unspecified ? undefined : (v as T[number] | undefined)));

const whiskerMatch = z.object({
  value: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  type: z
    .enum(MATCH_TYPES)
    .nullish()
    .transform((v) => v ?? 'Exact'),
});

const whiskerPolicyMatch = z.object({
  /** A PolicyKind name, or part of some (the UI sends the search text while one types). */
  kind: z.string().nullish(),
  tier: whiskerMatch.nullish(),
  namespace: whiskerMatch.nullish(),
  name: whiskerMatch.nullish(),
  action: unset(HIT_ACTIONS, 'ActionUnspecified'),
});

export const whiskerFiltersSchema = z.object(
  {
    source_names: list(whiskerMatch),
    source_namespaces: list(whiskerMatch),
    dest_names: list(whiskerMatch),
    dest_namespaces: list(whiskerMatch),
    protocols: list(whiskerMatch),
    dest_ports: list(
      z.object({
        value: z
          .int(expecting('a port number 0-65535'))
          .min(0, expecting('a port number 0-65535'))
          .max(65535, expecting('a port number 0-65535')),
      }),
    ),
    actions: list(z.enum(HIT_ACTIONS)),
    pending_actions: list(z.enum(HIT_ACTIONS)),
    reporter: unset(REPORTERS, 'ReporterUnspecified'),
    policies: list(whiskerPolicyMatch),
  },
  expecting('a JSON object'),
);

/** The snake_case Filters JSON of whisker-backend `/flows` and `/flows-filter-hints`, as a client writes it. */
export type WhiskerFilters = z.input<typeof whiskerFiltersSchema>;
export type DecodedWhiskerFilters = z.output<typeof whiskerFiltersSchema>;

export interface FilterHintsResponse {
  total: { totalPages: number; totalResults: number };
  items: { value: string }[];
}
