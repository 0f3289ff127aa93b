// Pure conversions between Goldmane proto message objects (as @grpc/proto-loader hands them over with
// `longs: Number, enums: String, defaults: true, oneofs: true`, camelCase field names) and Verdict's
// flow model (calico-observability §2). Decoders validate and return errors as values.
import type { HitAction, HitKind, PolicyHit, PolicyHitRef, Result } from '@verdict/engine';
import { err, HIT_KINDS, ok } from '@verdict/engine';
import type {
  EndpointType,
  Flow,
  FlowAction,
  FlowFilter,
  FlowKey,
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
export interface CodecIssue {
  path: string;
  message: string;
}

export const describeIssue = (issue: CodecIssue): string => `${issue.path}: ${issue.message}`;

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

// Decoders throw this internally; every exported decoder turns it into an `err` value.
class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function decode<T>(run: () => T): Result<T, CodecIssue> {
  try {
    return ok(run());
  } catch (e) {
    if (e instanceof Invalid) return err({ path: e.path, message: e.detail });
    throw e;
  }
}

function enumValue<T>(table: Readonly<Record<string, T | undefined>>, value: unknown, path: string, what: string): T {
  const found = typeof value === 'string' ? table[value] : undefined;
  if (found === undefined) {
    throw new Invalid(path, `${String(value)} is not a valid ${what} (expected ${Object.keys(table).join(', ')})`);
  }
  return found;
}

function integer(value: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new Invalid(path, `expected an integer, got ${String(value)}`);
  if (n < min) throw new Invalid(path, `expected an integer >= ${min}, got ${n}`);
  return n;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new Invalid(path, `expected a string, got ${typeof value}`);
  return value;
}

function list<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Invalid(path, 'expected a list');
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new Invalid(path, 'missing');
  return value as Record<string, unknown>;
}

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
  return decode(() => decodeFlow(pb, path));
}

function decodeFlow(value: unknown, path: string): Flow {
  const pb = record(value, path);
  const kp = `${path}.Key`;
  const key = record(pb.Key, kp);
  const policies = key.policies === null || key.policies === undefined ? {} : record(key.policies, `${kp}.policies`);
  const flowKey: FlowKey = {
    sourceName: text(key.sourceName, `${kp}.source_name`),
    sourceNamespace: text(key.sourceNamespace, `${kp}.source_namespace`),
    sourceType: enumValue(ENDPOINT_TYPES, key.sourceType, `${kp}.source_type`, 'endpoint type'),
    destName: text(key.destName, `${kp}.dest_name`),
    destNamespace: text(key.destNamespace, `${kp}.dest_namespace`),
    destType: enumValue(ENDPOINT_TYPES, key.destType, `${kp}.dest_type`, 'endpoint type'),
    destPort: integer(key.destPort, `${kp}.dest_port`, 0),
    destServiceName: text(key.destServiceName, `${kp}.dest_service_name`),
    destServiceNamespace: text(key.destServiceNamespace, `${kp}.dest_service_namespace`),
    destServicePortName: text(key.destServicePortName, `${kp}.dest_service_port_name`),
    destServicePort: integer(key.destServicePort, `${kp}.dest_service_port`, 0),
    proto: text(key.proto, `${kp}.proto`),
    reporter: enumValue(REPORTERS, key.reporter, `${kp}.reporter`, 'reporter'),
    action: enumValue(ACTIONS, key.action, `${kp}.action`, 'action'),
    policies: {
      enforced: list(policies.enforcedPolicies, `${kp}.policies.enforced_policies`, decodeHit),
      pending: list(policies.pendingPolicies, `${kp}.policies.pending_policies`, decodeHit),
    },
  };
  return {
    key: flowKey,
    startTime: integer(pb.startTime, `${path}.start_time`, 0),
    endTime: integer(pb.endTime, `${path}.end_time`, 0),
    sourceLabels: list(pb.sourceLabels, `${path}.source_labels`, text),
    destLabels: list(pb.destLabels, `${path}.dest_labels`, text),
    packetsIn: integer(pb.packetsIn, `${path}.packets_in`, 0),
    packetsOut: integer(pb.packetsOut, `${path}.packets_out`, 0),
    bytesIn: integer(pb.bytesIn, `${path}.bytes_in`, 0),
    bytesOut: integer(pb.bytesOut, `${path}.bytes_out`, 0),
    numConnectionsStarted: integer(pb.numConnectionsStarted, `${path}.num_connections_started`, 0),
    numConnectionsCompleted: integer(pb.numConnectionsCompleted, `${path}.num_connections_completed`, 0),
    numConnectionsLive: integer(pb.numConnectionsLive, `${path}.num_connections_live`, 0),
  };
}

/** Decodes one PolicyHit, including the trigger of an EndOfTier hit. */
export function policyHitFromProto(pb: PbPolicyHit, path = 'policy_hit'): Result<PolicyHit, CodecIssue> {
  return decode(() => decodeHit(pb, path));
}

function decodeHit(value: unknown, path: string): PolicyHit {
  const pb = record(value, path);
  const hit: PolicyHit = {
    kind: enumValue(KINDS, pb.kind, `${path}.kind`, 'policy kind'),
    namespace: text(pb.namespace, `${path}.namespace`),
    name: text(pb.name, `${path}.name`),
    tier: text(pb.tier, `${path}.tier`),
    action: enumValue(ACTIONS, pb.action, `${path}.action`, 'action') as HitAction,
    policyIndex: integer(pb.policyIndex, `${path}.policy_index`, 0),
    ruleIndex: integer(pb.ruleIndex, `${path}.rule_index`, -1),
  };
  if (pb.trigger !== null && pb.trigger !== undefined) {
    const t = record(pb.trigger, `${path}.trigger`);
    hit.trigger = {
      kind: enumValue(KINDS, t.kind, `${path}.trigger.kind`, 'policy kind'),
      namespace: text(t.namespace, `${path}.trigger.namespace`),
      name: text(t.name, `${path}.trigger.name`),
      tier: text(t.tier, `${path}.trigger.tier`),
    };
  }
  return hit;
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
  const k = flow.key;
  return {
    Key: {
      sourceName: k.sourceName,
      sourceNamespace: k.sourceNamespace,
      sourceType: k.sourceType,
      destName: k.destName,
      destNamespace: k.destNamespace,
      destType: k.destType,
      destPort: k.destPort,
      destServiceName: k.destServiceName,
      destServiceNamespace: k.destServiceNamespace,
      destServicePortName: k.destServicePortName,
      destServicePort: k.destServicePort,
      proto: k.proto,
      reporter: k.reporter,
      action: k.action,
      policies: {
        enforcedPolicies: k.policies.enforced.map(policyHitToProto),
        pendingPolicies: k.policies.pending.map(policyHitToProto),
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

/** Decodes a FlowResult (the client side of List and Stream). */
export function flowResultFromProto(pb: PbFlowResult, path = 'flow_result'): Result<FlowResult, CodecIssue> {
  return decode(() => ({ id: integer(pb.id, `${path}.id`), flow: decodeFlow(pb.flow, `${path}.flow`) }));
}

// ---------------------------------------------------------------------------------------------
// Filters

/** Decodes a Filter; Unspecified enums and empty StringMatch values mean "any" and are dropped. */
export function filterFromProto(pb: PbFilter | null | undefined, path = 'filter'): Result<FlowFilter, CodecIssue> {
  return decode(() => decodeFilter(pb, path));
}

function decodeFilter(value: unknown, path: string): FlowFilter {
  if (value === null || value === undefined) return {};
  const pb = record(value, path);
  const filter: FlowFilter = {};
  const strings = (v: unknown, p: string) => {
    const matches = list(v, p, decodeStringMatch);
    return matches.length > 0 ? matches : undefined;
  };
  const set = <K extends keyof FlowFilter>(k: K, v: FlowFilter[K] | undefined) => {
    if (v !== undefined && (!Array.isArray(v) || v.length > 0)) filter[k] = v;
  };
  set('sourceNames', strings(pb.sourceNames, `${path}.source_names`));
  set('sourceNamespaces', strings(pb.sourceNamespaces, `${path}.source_namespaces`));
  set('destNames', strings(pb.destNames, `${path}.dest_names`));
  set('destNamespaces', strings(pb.destNamespaces, `${path}.dest_namespaces`));
  set('protocols', strings(pb.protocols, `${path}.protocols`));
  set(
    'destPorts',
    list(pb.destPorts, `${path}.dest_ports`, (v, p) => integer(record(v, p).port, `${p}.port`, 0)),
  );
  set(
    'actions',
    list(pb.actions, `${path}.actions`, (v, p) => enumValue(ACTIONS, v, p, 'action')),
  );
  set(
    'pendingActions',
    list(pb.pendingActions, `${path}.pending_actions`, (v, p) => enumValue(ACTIONS, v, p, 'action')),
  );
  set('policies', list(pb.policies, `${path}.policies`, decodePolicyMatch));
  if (pb.reporter !== undefined && pb.reporter !== 'ReporterUnspecified') {
    filter.reporter = enumValue(REPORTERS, pb.reporter, `${path}.reporter`, 'reporter');
  }
  return filter;
}

function decodeStringMatch(value: unknown, path: string): StringMatch {
  const pb = record(value, path);
  return {
    value: text(pb.value, `${path}.value`),
    type: pb.type === undefined ? 'Exact' : enumValue(MATCH_TYPES, pb.type, `${path}.type`, 'match type'),
  };
}

function decodePolicyMatch(value: unknown, path: string): PolicyMatch {
  const pb = record(value, path);
  const match: PolicyMatch = {};
  if (pb.kind !== undefined && pb.kind !== 'KindUnspecified') {
    match.kind = enumValue(KINDS, pb.kind, `${path}.kind`, 'policy kind');
  }
  for (const field of ['tier', 'namespace', 'name'] as const) {
    const v = pb[field];
    if (v === null || v === undefined) continue;
    const m = decodeStringMatch(v, `${path}.${field}`);
    if (m.value !== '') match[field] = m;
  }
  if (pb.action !== undefined && pb.action !== 'ActionUnspecified') {
    match.action = enumValue(ACTIONS, pb.action, `${path}.action`, 'action');
  }
  return match;
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
  return decode(() => (pb === null || pb === undefined ? {} : decodePolicyMatch(pb, path)));
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
