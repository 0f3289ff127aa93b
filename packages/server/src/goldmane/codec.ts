// Pure conversions between Goldmane proto message objects (as @grpc/proto-loader hands them over with
// `longs: Number, enums: String, defaults: true, oneofs: true`, camelCase field names) and Verdict's
// flow model (calico-observability §2). Decoders validate and return errors as values.
import { decode, FILTER_LIST_LIMIT, type FieldName, type WireIssue } from '@verdict/api';
import type { HitAction, HitKind, PolicyHit, PolicyHitRef, Result } from '@verdict/engine';
import { err, HIT_KINDS, ok } from '@verdict/engine';
import type {
  EndpointType,
  Flow,
  FlowAction,
  FlowFilter,
  FlowResult,
  HintsQuery,
  HintsResult,
  HintType,
  ListQuery,
  ListResult,
  MatchType,
  PolicyMatch,
  Reporter,
  SortBy,
  StatisticsGroupBy,
  StatisticsQuery,
  StatisticsResult,
  StatisticType,
  StringMatch,
  TimeRange,
} from '@verdict/flows';
import { normalizeRange } from '@verdict/flows';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Proto object shapes. Enum fields carry names; a number the schema does not know arrives as a
// number, which the decoders reject.

export type PbAction = 'ActionUnspecified' | FlowAction;
export type PbPolicyKind = 'KindUnspecified' | HitKind;
export type PbEndpointType = 'EndpointTypeUnspecified' | EndpointType;
export type PbReporter = 'ReporterUnspecified' | Reporter;
export type PbSortBy = SortBy | 'DestType' | 'SourceType';
export type PbFilterType = 'FilterTypeUnspecified' | `FilterType${HintType}`;
export type PbStatisticType = StatisticType;
export type PbStatisticsGroupBy = StatisticsGroupBy;
export type PbRuleDirection = 'Any' | 'Ingress' | 'Egress';

export interface PbStringMatch {
  value: string;
  type: MatchType;
}

export interface PbPolicyMatch {
  kind: PbPolicyKind;
  tier: PbStringMatch | null;
  namespace: PbStringMatch | null;
  name: PbStringMatch | null;
  action: PbAction;
}

export interface PbFilter {
  sourceNames: PbStringMatch[];
  sourceNamespaces: PbStringMatch[];
  destNames: PbStringMatch[];
  destNamespaces: PbStringMatch[];
  protocols: PbStringMatch[];
  destPorts: { port: number }[];
  actions: PbAction[];
  policies: PbPolicyMatch[];
  reporter: PbReporter;
  pendingActions: PbAction[];
}

export interface PbPolicyHit {
  kind: PbPolicyKind;
  namespace: string;
  name: string;
  tier: string;
  action: PbAction;
  policyIndex: number;
  ruleIndex: number;
  trigger: PbPolicyHit | null;
}

export interface PbFlowKey {
  sourceName: string;
  sourceNamespace: string;
  sourceType: PbEndpointType;
  destName: string;
  destNamespace: string;
  destType: PbEndpointType;
  destPort: number;
  destServiceName: string;
  destServiceNamespace: string;
  destServicePortName: string;
  destServicePort: number;
  proto: string;
  reporter: PbReporter;
  action: PbAction;
  policies: { enforcedPolicies: PbPolicyHit[]; pendingPolicies: PbPolicyHit[] } | null;
}

export interface PbFlow {
  Key: PbFlowKey | null;
  startTime: number;
  endTime: number;
  sourceLabels: string[];
  destLabels: string[];
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  numConnectionsStarted: number;
  numConnectionsCompleted: number;
  numConnectionsLive: number;
}

export interface PbFlowResult {
  id: number;
  flow: PbFlow | null;
}

export interface PbListMetadata {
  totalPages: number;
  totalResults: number;
}

export interface PbFlowListRequest {
  startTimeGte: number;
  startTimeLt: number;
  page: number;
  pageSize: number;
  sortBy: { sortBy: PbSortBy }[];
  filter: PbFilter | null;
  aggregationInterval: number;
}

export interface PbFlowListResult {
  meta: PbListMetadata;
  flows: PbFlowResult[];
}

export interface PbFlowStreamRequest {
  startTimeGte: number;
  filter: PbFilter | null;
  aggregationInterval: number;
}

export interface PbFilterHintsRequest {
  type: PbFilterType;
  filter: PbFilter | null;
  startTimeGte: number;
  startTimeLt: number;
  page: number;
  pageSize: number;
}

export interface PbFilterHintsResult {
  meta: PbListMetadata;
  hints: { value: string }[];
}

export interface PbFlowUpdate {
  flow: PbFlow | null;
}

export interface PbStatisticsRequest {
  startTimeGte: number;
  startTimeLt: number;
  type: PbStatisticType;
  groupBy: PbStatisticsGroupBy;
  policyMatch: PbPolicyMatch | null;
  timeSeries: boolean;
}

export interface PbStatisticsResult {
  policy: PbPolicyHit | null;
  direction: PbRuleDirection;
  groupBy: PbStatisticsGroupBy;
  type: PbStatisticType;
  allowedIn: number[];
  allowedOut: number[];
  deniedIn: number[];
  deniedOut: number[];
  passedIn: number[];
  passedOut: number[];
  x: number[];
}

/** What was wrong and where, as a proto field path such as `flow.Key.policies.enforced_policies[0].action`. */
/** A decoding problem: @verdict/api's coded issue, its path in proto field names (`flow.Key.source_type`). */
export type CodecIssue = WireIssue;

/** The issue as one line; the message already starts with the path. */
export const describeIssue = (issue: CodecIssue): string => issue.message;

// ---------------------------------------------------------------------------------------------
// Enum tables

const ACTIONS: Readonly<Record<string, FlowAction | undefined>> = { Allow: 'Allow', Deny: 'Deny', Pass: 'Pass' };
const ENDPOINT_TYPES: Readonly<Record<string, EndpointType | undefined>> = {
  WorkloadEndpoint: 'WorkloadEndpoint',
  HostEndpoint: 'HostEndpoint',
  NetworkSet: 'NetworkSet',
  Network: 'Network',
};
const REPORTERS: Readonly<Record<string, Reporter | undefined>> = { Src: 'Src', Dst: 'Dst' };
const MATCH_TYPES: Readonly<Record<string, MatchType | undefined>> = { Exact: 'Exact', Fuzzy: 'Fuzzy' };
const KINDS: Readonly<Record<string, HitKind | undefined>> = Object.fromEntries(HIT_KINDS.map((kind) => [kind, kind]));
const SORTS: Readonly<Record<string, SortBy | undefined>> = {
  Time: 'Time',
  DestName: 'DestName',
  DestNamespace: 'DestNamespace',
  SourceName: 'SourceName',
  SourceNamespace: 'SourceNamespace',
};
const HINT_TYPES: Readonly<Record<string, HintType | undefined>> = {
  FilterTypeDestName: 'DestName',
  FilterTypeSourceName: 'SourceName',
  FilterTypeDestNamespace: 'DestNamespace',
  FilterTypeSourceNamespace: 'SourceNamespace',
  FilterTypePolicyTier: 'PolicyTier',
  FilterTypePolicyName: 'PolicyName',
  FilterTypePolicyKind: 'PolicyKind',
  FilterTypePolicyNamespace: 'PolicyNamespace',
};

// Schemas of the proto messages as proto-loader hands them over. Paths in issues use proto field
// names (`source_type`), as Goldmane's own messages do.

const snake: FieldName = (key) => (key === 'Key' ? key : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

function decodeProto<S extends z.ZodType>(schema: S, value: unknown, path: string): Result<z.output<S>, CodecIssue> {
  const decoded = decode(schema, value, path, snake);
  return decoded.ok ? decoded : err(decoded.error[0] as CodecIssue);
}

/** A message field that must be present. */
const message = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.object(shape, { error: (iss) => (iss.input == null ? 'missing' : undefined) });

const enumOf = <T extends string>(table: Readonly<Record<string, T | undefined>>, what: string) =>
  z.unknown().transform((value, ctx): T => {
    const found = typeof value === 'string' ? table[value] : undefined;
    if (found !== undefined) return found;
    ctx.addIssue({
      code: 'custom',
      params: { code: 'invalid-value' },
      message: `${String(value)} is not a valid ${what} (expected ${Object.keys(table).join(', ')})`,
    });
    return z.NEVER;
  });

/** An int64 as proto-loader gives it (a number, or a decimal string from NDJSON) at least `min`. */
const integer = (min = Number.MIN_SAFE_INTEGER) =>
  z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^-?\d+$/)
          .transform(Number),
      ],
      {
        error: (iss) => `expected an integer, got ${String(iss.input)}`,
      },
    )
    .pipe(
      z
        .int({ error: (iss) => `expected an integer, got ${String(iss.input)}` })
        .min(min, { error: (iss) => `expected an integer >= ${min}, got ${String(iss.input)}` }),
    );

/** A TCP/UDP port: 0-65535 (0 when the protocol has none). */
const port = () =>
  integer(0).pipe(z.number().max(65535, { error: (iss) => `expected a port 0-65535, got ${String(iss.input)}` }));

const text = z.string({ error: (iss) => `expected a string, got ${typeof iss.input}` });

/** A label as `key=value`; stores keep label sets comma-separated, so a comma would split it in two. */
const label = text.refine((l) => !l.includes(','), {
  error: (iss) =>
    `expected a label key=value without ',' (Kubernetes labels have none), got ${JSON.stringify(iss.input)}`,
});

/** A repeated field: absent or null is empty. */
const repeated = <T extends z.ZodType>(item: T) =>
  z
    .array(item, { error: 'expected a list' })
    .nullish()
    .transform((v) => v ?? []);

const hitRefShape = {
  kind: enumOf(KINDS, 'policy kind'),
  namespace: text,
  name: text,
  tier: text,
};

const policyHitSchema = message({
  ...hitRefShape,
  action: enumOf(ACTIONS, 'action'),
  policyIndex: integer(0),
  ruleIndex: integer(-1),
  trigger: message(hitRefShape).nullish(),
}).transform((pb): PolicyHit => {
  const hit: PolicyHit = {
    kind: pb.kind,
    namespace: pb.namespace,
    name: pb.name,
    tier: pb.tier,
    action: pb.action as HitAction,
    policyIndex: pb.policyIndex,
    ruleIndex: pb.ruleIndex,
  };
  if (pb.trigger) hit.trigger = pb.trigger;
  return hit;
});

const flowKeySchema = message({
  sourceName: text,
  sourceNamespace: text,
  sourceType: enumOf(ENDPOINT_TYPES, 'endpoint type'),
  destName: text,
  destNamespace: text,
  destType: enumOf(ENDPOINT_TYPES, 'endpoint type'),
  destPort: port(),
  destServiceName: text,
  destServiceNamespace: text,
  destServicePortName: text,
  destServicePort: port(),
  proto: text,
  reporter: enumOf(REPORTERS, 'reporter'),
  action: enumOf(ACTIONS, 'action'),
  policies: z
    .object({ enforcedPolicies: repeated(policyHitSchema), pendingPolicies: repeated(policyHitSchema) })
    .nullish()
    .transform((p) => ({ enforced: p?.enforcedPolicies ?? [], pending: p?.pendingPolicies ?? [] })),
});

const flowSchema = message({
  Key: flowKeySchema,
  startTime: integer(0),
  endTime: integer(0),
  sourceLabels: repeated(label),
  destLabels: repeated(label),
  packetsIn: integer(0),
  packetsOut: integer(0),
  bytesIn: integer(0),
  bytesOut: integer(0),
  numConnectionsStarted: integer(0),
  numConnectionsCompleted: integer(0),
  numConnectionsLive: integer(0),
}).transform(({ Key, ...rest }): Flow => ({ key: Key, ...rest }));

const stringMatchSchema = message({
  value: text,
  type: enumOf(MATCH_TYPES, 'match type')
    .optional()
    .transform((t) => t ?? 'Exact'),
});

/** Unspecified enums and empty StringMatch values mean "any" and are dropped. */
const policyMatchSchema = message({
  kind: z.unknown(),
  tier: stringMatchSchema.nullish(),
  namespace: stringMatchSchema.nullish(),
  name: stringMatchSchema.nullish(),
  action: z.unknown(),
}).transform((pb, ctx): PolicyMatch => {
  const match: PolicyMatch = {};
  if (pb.kind !== undefined && pb.kind !== 'KindUnspecified') {
    const kind = enumOf(KINDS, 'policy kind').safeParse(pb.kind);
    if (!kind.success) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: kind.error.issues[0]?.message ?? 'invalid kind' });
      return z.NEVER;
    }
    match.kind = kind.data;
  }
  for (const field of ['tier', 'namespace', 'name'] as const) {
    const m = pb[field];
    if (m && m.value !== '') match[field] = m;
  }
  if (pb.action !== undefined && pb.action !== 'ActionUnspecified') {
    const action = enumOf(ACTIONS, 'action').safeParse(pb.action);
    if (!action.success) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: action.error.issues[0]?.message ?? 'invalid action' });
      return z.NEVER;
    }
    match.action = action.data;
  }
  return match;
});

/** A repeated filter field: at most FILTER_LIST_LIMIT entries, like the HTTP filters. */
const filterList = <T extends z.ZodType>(item: T) =>
  z
    .array(item, { error: (iss) => (iss.code === 'invalid_type' ? 'expected a list' : undefined) })
    .max(FILTER_LIST_LIMIT)
    .nullish()
    .transform((v) => v ?? []);

const filterSchema = z
  .object({
    sourceNames: filterList(stringMatchSchema),
    sourceNamespaces: filterList(stringMatchSchema),
    destNames: filterList(stringMatchSchema),
    destNamespaces: filterList(stringMatchSchema),
    protocols: filterList(stringMatchSchema),
    destPorts: filterList(message({ port: port() }).transform((p) => p.port)),
    actions: filterList(enumOf(ACTIONS, 'action')),
    pendingActions: filterList(enumOf(ACTIONS, 'action')),
    policies: filterList(policyMatchSchema),
    reporter: z.unknown(),
  })
  .nullish()
  .transform((pb, ctx): FlowFilter => {
    const filter: FlowFilter = {};
    if (!pb) return filter;
    const { reporter, ...lists } = pb;
    for (const [key, value] of Object.entries(lists)) {
      if (value.length > 0) (filter as Record<string, unknown>)[key] = value;
    }
    if (reporter !== undefined && reporter !== 'ReporterUnspecified') {
      const decoded = enumOf(REPORTERS, 'reporter').safeParse(reporter);
      if (!decoded.success) {
        ctx.addIssue({ code: 'custom', path: ['reporter'], message: decoded.error.issues[0]?.message ?? '' });
        return z.NEVER;
      }
      filter.reporter = decoded.data;
    }
    return filter;
  });

// ---------------------------------------------------------------------------------------------
// Time ranges (§2: 0 = beginning of history / now, < 0 = relative to now)

/** Normalises a Goldmane `[start_time_gte, start_time_lt)` pair to absolute Unix seconds, failing with Goldmane's message. */
export function rangeFromProto(gte: number, lt: number, now: number): Result<TimeRange, string> {
  const range = normalizeRange({ gte, lt }, now);
  return range.ok ? range : err(range.error.message);
}

/** Stream's `start_time_gte`: 0 = now without backfill (returned as 0), < 0 relative, > 0 absolute. */
export function streamStart(gte: number, now: number): number {
  if (gte === 0) return 0;
  return gte < 0 ? Math.max(1, now + gte) : gte;
}

// ---------------------------------------------------------------------------------------------
// Flows

/** Decodes the flow of a FlowUpdate; every enum must be set (Felix always sets them). */
export function flowFromProto(pb: PbFlow | null | undefined, path = 'flow'): Result<Flow, CodecIssue> {
  return decodeProto(flowSchema, pb, path);
}

/** Decodes one PolicyHit, including the trigger of an EndOfTier hit. */
export function policyHitFromProto(pb: PbPolicyHit, path = 'policy_hit'): Result<PolicyHit, CodecIssue> {
  return decodeProto(policyHitSchema, pb, path);
}

export function policyHitToProto(hit: PolicyHit): PbPolicyHit {
  return {
    kind: hit.kind,
    namespace: hit.namespace,
    name: hit.name,
    tier: hit.tier,
    action: hit.action,
    policyIndex: hit.policyIndex,
    ruleIndex: hit.ruleIndex,
    trigger: hit.trigger === undefined ? null : triggerToProto(hit.trigger),
  };
}

/** A trigger carries kind, name, namespace and tier only; its action and indexes are unset. */
function triggerToProto(ref: PolicyHitRef): PbPolicyHit {
  return {
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    tier: ref.tier,
    action: 'ActionUnspecified',
    policyIndex: 0,
    ruleIndex: 0,
    trigger: null,
  };
}

export function flowToProto(flow: Flow): PbFlow {
  const { policies, ...fields } = flow.key;
  return {
    Key: {
      ...fields,
      policies: {
        enforcedPolicies: policies.enforced.map(policyHitToProto),
        pendingPolicies: policies.pending.map(policyHitToProto),
      },
    },
    startTime: flow.startTime,
    endTime: flow.endTime,
    sourceLabels: [...flow.sourceLabels],
    destLabels: [...flow.destLabels],
    packetsIn: flow.packetsIn,
    packetsOut: flow.packetsOut,
    bytesIn: flow.bytesIn,
    bytesOut: flow.bytesOut,
    numConnectionsStarted: flow.numConnectionsStarted,
    numConnectionsCompleted: flow.numConnectionsCompleted,
    numConnectionsLive: flow.numConnectionsLive,
  };
}

export const flowResultToProto = (r: FlowResult): PbFlowResult => ({ id: r.id, flow: flowToProto(r.flow) });

const flowResultSchema = z.object({ id: integer(), flow: flowSchema });

/** Decodes a FlowResult (the client side of List and Stream). */
export function flowResultFromProto(pb: PbFlowResult, path = 'flow_result'): Result<FlowResult, CodecIssue> {
  return decodeProto(flowResultSchema, pb, path);
}

// ---------------------------------------------------------------------------------------------
// Filters

/** Decodes a Filter; Unspecified enums and empty StringMatch values mean "any" and are dropped. */
export function filterFromProto(pb: PbFilter | null | undefined, path = 'filter'): Result<FlowFilter, CodecIssue> {
  return decodeProto(filterSchema, pb, path);
}

/** Encodes the Goldmane part of a filter; Verdict-only fields (selectors, port ranges, pendingDiffers) have no wire form. */
export function filterToProto(filter: FlowFilter | undefined): PbFilter {
  const f = filter ?? {};
  const sm = (ms: readonly StringMatch[] | undefined): PbStringMatch[] =>
    (ms ?? []).map((m) => ({ value: m.value, type: m.type }));
  const match = (m: StringMatch | undefined): PbStringMatch | null => (m ? { value: m.value, type: m.type } : null);
  return {
    sourceNames: sm(f.sourceNames),
    sourceNamespaces: sm(f.sourceNamespaces),
    destNames: sm(f.destNames),
    destNamespaces: sm(f.destNamespaces),
    protocols: sm(f.protocols),
    destPorts: (f.destPorts ?? []).map((port) => ({ port })),
    actions: [...(f.actions ?? [])],
    policies: (f.policies ?? []).map((p) => ({
      kind: p.kind ?? 'KindUnspecified',
      tier: match(p.tier),
      namespace: match(p.namespace),
      name: match(p.name),
      action: p.action ?? 'ActionUnspecified',
    })),
    reporter: f.reporter ?? 'ReporterUnspecified',
    pendingActions: [...(f.pendingActions ?? [])],
  };
}

function withFilter<T extends object>(query: T, filter: FlowFilter): T & { filter?: FlowFilter } {
  return Object.keys(filter).length > 0 ? { ...query, filter } : query;
}

// ---------------------------------------------------------------------------------------------
// Requests and results

/** Failures carry Goldmane's own messages, which clients see as gRPC UNKNOWN. */
export function listQueryFromProto(req: PbFlowListRequest, now: number): Result<ListQuery, string> {
  const range = rangeFromProto(req.startTimeGte, req.startTimeLt, now);
  if (!range.ok) return range;
  const sorts = req.sortBy ?? [];
  if (sorts.length > 1) return err('at most one sort order is supported');
  let sortBy: SortBy | undefined;
  if (sorts.length === 1) {
    sortBy = SORTS[String(sorts[0]?.sortBy)];
    if (sortBy === undefined) return err('unsupported sort order');
  }
  const paging = pagingFromProto(req.page, req.pageSize);
  if (!paging.ok) return paging;
  const filter = filterFromProto(req.filter);
  if (!filter.ok) return err(describeIssue(filter.error));
  const query: ListQuery = { range: range.value, ...paging.value };
  if (sortBy !== undefined) query.sortBy = sortBy;
  return ok(withFilter(query, filter.value));
}

export function hintsQueryFromProto(req: PbFilterHintsRequest, now: number): Result<HintsQuery, string> {
  const type = HINT_TYPES[String(req.type)];
  if (type === undefined) return err('unsupported filter type');
  const range = rangeFromProto(req.startTimeGte, req.startTimeLt, now);
  if (!range.ok) return range;
  const paging = pagingFromProto(req.page, req.pageSize);
  if (!paging.ok) return paging;
  const filter = filterFromProto(req.filter);
  if (!filter.ok) return err(describeIssue(filter.error));
  return ok(withFilter({ type, range: range.value, ...paging.value }, filter.value));
}

export interface StreamQuery {
  /** Absolute Unix seconds, or 0 for "now, no backfill". */
  fromTime: number;
  filter?: FlowFilter;
}

export function streamQueryFromProto(req: PbFlowStreamRequest, now: number): Result<StreamQuery, string> {
  const filter = filterFromProto(req.filter);
  if (!filter.ok) return err(describeIssue(filter.error));
  return ok(withFilter({ fromTime: streamStart(req.startTimeGte, now) }, filter.value));
}

function pagingFromProto(page: number, pageSize: number): Result<{ page: number; pageSize: number }, string> {
  if (!Number.isSafeInteger(page) || page < 0) return err(`page (${page}) must be a non-negative integer`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 0) {
    return err(`page_size (${pageSize}) must be a non-negative integer`);
  }
  return ok({ page, pageSize });
}

export function listResultToProto(r: ListResult): PbFlowListResult {
  return {
    meta: { totalPages: r.totalPages, totalResults: r.totalResults },
    flows: r.flows.map(flowResultToProto),
  };
}

export function hintsResultToProto(r: HintsResult): PbFilterHintsResult {
  return {
    meta: { totalPages: r.totalPages, totalResults: r.totalResults },
    hints: r.values.map((value) => ({ value })),
  };
}

/** Decodes a PolicyMatch on its own (Statistics' `policy_match`). */
export function policyMatchFromProto(
  pb: PbPolicyMatch | null | undefined,
  path = 'policy_match',
): Result<PolicyMatch, CodecIssue> {
  if (pb === null || pb === undefined) return ok({});
  return decodeProto(policyMatchSchema, pb, path);
}

// ---------------------------------------------------------------------------------------------
// Statistics

const STATISTIC_TYPES: Readonly<Record<string, StatisticType | undefined>> = {
  PacketCount: 'PacketCount',
  ByteCount: 'ByteCount',
  LiveConnectionCount: 'LiveConnectionCount',
};
const GROUP_BYS: Readonly<Record<string, StatisticsGroupBy | undefined>> = {
  Policy: 'Policy',
  PolicyRule: 'PolicyRule',
};

export function statisticsQueryFromProto(req: PbStatisticsRequest, now: number): Result<StatisticsQuery, string> {
  const range = rangeFromProto(req.startTimeGte, req.startTimeLt, now);
  if (!range.ok) return range;
  const type = STATISTIC_TYPES[String(req.type)];
  if (type === undefined) return err(`unsupported statistic type ${String(req.type)}`);
  const groupBy = GROUP_BYS[String(req.groupBy)];
  if (groupBy === undefined) return err(`unsupported group by ${String(req.groupBy)}`);
  const match = policyMatchFromProto(req.policyMatch);
  if (!match.ok) return err(describeIssue(match.error));
  const query: StatisticsQuery = { range: range.value, type, groupBy, timeSeries: req.timeSeries === true };
  if (Object.keys(match.value).length > 0) query.policyMatch = match.value;
  return ok(query);
}

/** For Policy grouping the hit's action and indexes are left unset on the wire. */
export function statisticsResultToProto(r: StatisticsResult): PbStatisticsResult {
  const policy = policyHitToProto(r.policy);
  if (r.groupBy === 'Policy') policy.action = 'ActionUnspecified';
  policy.policyIndex = 0;
  return {
    policy,
    direction: r.direction,
    groupBy: r.groupBy,
    type: r.type,
    allowedIn: r.allowedIn,
    allowedOut: r.allowedOut,
    deniedIn: r.deniedIn,
    deniedOut: r.deniedOut,
    passedIn: r.passedIn,
    passedOut: r.passedOut,
    x: r.x,
  };
}
