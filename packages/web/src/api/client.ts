// The only module that calls fetch(). Every failure becomes an ApiError.
import type {
  ApiErrorBody,
  ApiIssue,
  ApiIssuesErrorBody,
  AppliedPolicies,
  ChangeListResponse,
  ClusterStatusResponse,
  ClusterSummary,
  CoverageResponse,
  EgressResponse,
  ExplainResponse,
  FilterHintsResponse,
  FlowListResponse,
  GraphGrouping,
  GraphResponse,
  HintType,
  InsightsResponse,
  PolicyKey,
  PolicyStatsResponse,
  Promotion,
  Recommendation,
  Rehearsal,
  SortField,
  TiersResponse,
  VerdictFilters,
  WhiskerFilters,
} from './types.ts';

/** A failed request: HTTP status (0 = network), server error code and, for bad filters, the JSON path. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path: string | undefined;
  /** Positioned problems of submitted YAML; empty for other errors. */
  readonly issues: readonly ApiIssue[];
  constructor(status: number, code: string, message: string, path?: string, issues: readonly ApiIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.path = path;
    this.issues = issues;
  }
  get isBadRequest(): boolean {
    return this.status === 400;
  }
  /** The server could not be reached (no response, or a proxy in front of it answered 502/503/504). */
  get isNetwork(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

type Query = Record<string, string | number | boolean | undefined>;

export function buildUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** JSON for the `filters` parameter, or undefined when no filter is set. */
export function filtersParam(filters: VerdictFilters | WhiskerFilters): string | undefined {
  return Object.keys(filters).length === 0 ? undefined : JSON.stringify(filters);
}

function isErrorBody(v: unknown): v is ApiIssuesErrorBody {
  return typeof v === 'object' && v !== null && 'error' in v && typeof (v as ApiErrorBody).error === 'object';
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  /** A JSON body (objects) or raw text (YAML, or `contentType`). */
  body?: unknown;
  /** The type of a raw text body (default `application/yaml`). */
  contentType?: string;
  accept?: string;
  signal?: AbortSignal | undefined;
}

/** One request; non-2xx answers become ApiErrors with the server's code, message, path and issues. */
async function request(url: string, init: RequestOptions = {}): Promise<{ res: Response; text: string }> {
  const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
  let body: string | undefined;
  if (init.body !== undefined) {
    if (typeof init.body === 'string') {
      body = init.body;
      headers['content-type'] = init.contentType ?? 'application/yaml';
    } else {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      ...(body === undefined ? {} : { body }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new ApiError(0, 'network', `Cannot reach the Verdict server (${(e as Error).message}).`);
  }
  const text = await res.text();
  if (!res.ok) {
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (isErrorBody(parsed)) {
      const { code, message, path, issues } = parsed.error;
      throw new ApiError(res.status, code ?? 'error', message ?? res.statusText, path, issues ?? []);
    }
    // whisker-backend style {"error": "message"}
    const legacy = (parsed as { error?: unknown } | undefined)?.error;
    throw new ApiError(res.status, 'http', typeof legacy === 'string' ? legacy : `${res.status} ${res.statusText}`);
  }
  return { res, text };
}

async function requestJson<T>(url: string, init: RequestOptions = {}): Promise<T> {
  const { res, text } = await request(url, init);
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (body === undefined) throw new ApiError(res.status, 'bad_response', `Expected JSON from ${url}`);
  return body as T;
}

const getJson = <T>(url: string, signal?: AbortSignal): Promise<T> => requestJson<T>(url, { signal });

export interface TimeRange {
  /** Unix seconds, or negative seconds relative to now. */
  start: number;
  /** Unix seconds, or 0 for now. */
  end: number;
}

export interface ListFlowsParams extends TimeRange {
  filters: VerdictFilters;
  sort?: SortField;
  page: number;
  pageSize: number;
}

/** The policy dialect of the egress lockdown: where domains can be named. */
export type EgressDialect = 'calico' | 'calico-enterprise';

export interface DnsImportReply {
  imported: { pairs: number; names: number; evicted: number };
  held: { names: number; pairs: number; oldest: number | null; newest: number | null; retentionSeconds: number };
}

export const api = {
  listFlows(p: ListFlowsParams, signal?: AbortSignal): Promise<FlowListResponse> {
    return getJson(
      buildUrl('/api/v1/flows', {
        start: p.start,
        end: p.end,
        filters: filtersParam(p.filters),
        sort: p.sort,
        page: p.page,
        pageSize: p.pageSize,
      }),
      signal,
    );
  },
  explainFlow(id: number, signal?: AbortSignal): Promise<ExplainResponse> {
    return getJson(`/api/v1/flows/${encodeURIComponent(String(id))}/explain`, signal);
  },
  tiers(signal?: AbortSignal): Promise<TiersResponse> {
    return getJson('/api/v1/tiers', signal);
  },
  policyStats(range: TimeRange, signal?: AbortSignal): Promise<PolicyStatsResponse> {
    return getJson(buildUrl('/api/v1/policy-stats', { start: range.start, end: range.end }), signal);
  },
  /** `limit` (0 = all) and `focus` (null = none): the server folds the graph to at most `limit` nodes. */
  graph(
    p: TimeRange & { filters: VerdictFilters; group: GraphGrouping; limit: number; focus: string | null },
    signal?: AbortSignal,
  ): Promise<GraphResponse> {
    return getJson(
      buildUrl('/api/v1/graph', {
        start: p.start,
        end: p.end,
        filters: filtersParam(p.filters),
        group: p.group,
        limit: p.limit > 0 ? p.limit : undefined,
        focus: p.focus ?? undefined,
      }),
      signal,
    );
  },
  /** Starts a rehearsal job (202); poll `rehearsal(id)` until it is done. */
  startRehearsal(
    p: { changeSet: string; start: number; end: number; allowBreaking?: string[] },
    signal?: AbortSignal,
  ): Promise<Rehearsal> {
    return requestJson('/api/v1/rehearsals', { method: 'POST', body: p, signal });
  },
  rehearsal(id: string, signal?: AbortSignal): Promise<Rehearsal> {
    return getJson(`/api/v1/rehearsals/${encodeURIComponent(id)}`, signal);
  },
  promote(changeSet: string, signal?: AbortSignal): Promise<Promotion> {
    return requestJson('/api/v1/promote', { method: 'POST', body: { changeSet }, signal });
  },
  recommendations(
    p: { namespace: string; workload?: string; dialect: string; tier?: string; start: number },
    signal?: AbortSignal,
  ): Promise<Recommendation> {
    return getJson(buildUrl('/api/v1/recommendations', p), signal);
  },
  /** Applies policy YAML (typically staged policies) to Verdict's cluster state. */
  applyPolicies(yaml: string, signal?: AbortSignal): Promise<AppliedPolicies> {
    return requestJson('/api/v1/policies', { method: 'POST', body: yaml, signal });
  },
  removePolicy(p: PolicyKey, signal?: AbortSignal): Promise<{ removed: PolicyKey }> {
    const path = [p.kind, p.namespace || '-', p.name].map(encodeURIComponent).join('/');
    return requestJson(`/api/v1/policies/${path}`, { method: 'DELETE', signal });
  },
  /** `since`: seconds of history; the window before it is the baseline for new destinations. */
  insights(since: number, signal?: AbortSignal): Promise<InsightsResponse> {
    return getJson(buildUrl('/api/v1/insights', { since }), signal);
  },
  egress(
    p: { namespace: string; since: number; dialect?: EgressDialect },
    signal?: AbortSignal,
  ): Promise<EgressResponse> {
    return getJson(buildUrl('/api/v1/egress', p), signal);
  },
  /** Imports DNS answers (NDJSON of `{"name", "addresses"}`): all lines or none. */
  importDns(ndjson: string, signal?: AbortSignal): Promise<DnsImportReply> {
    return requestJson('/api/v1/dns', { method: 'POST', body: ndjson, contentType: 'application/x-ndjson', signal });
  },
  coverage(since: number, signal?: AbortSignal): Promise<CoverageResponse> {
    return getJson(buildUrl('/api/v1/coverage', { since }), signal);
  },
  summary(signal?: AbortSignal): Promise<ClusterSummary> {
    return getJson('/api/v1/cluster/summary', signal);
  },
  /** Where the cluster state comes from; `warnings` names the APIs the cluster does not serve. */
  clusterStatus(signal?: AbortSignal): Promise<ClusterStatusResponse> {
    return getJson('/api/v1/cluster/status', signal);
  },
  /** Policy, tier and network set changes at or after `since` (Unix seconds), oldest first. */
  changes(since: number, signal?: AbortSignal): Promise<ChangeListResponse> {
    return getJson(`/api/v1/changes?since=${Math.floor(since)}`, signal);
  },
  /** One policy's changes, oldest first (namespace `-` for cluster-scoped kinds). */
  policyHistory(
    p: { kind: string; namespace: string; name: string },
    signal?: AbortSignal,
  ): Promise<ChangeListResponse> {
    const parts = [p.kind, p.namespace || '-', p.name].map(encodeURIComponent).join('/');
    return getJson(`/api/v1/policies/${parts}/history`, signal);
  },
  filterHints(
    p: { type: HintType; filters: WhiskerFilters; page: number; pageSize: number },
    signal?: AbortSignal,
  ): Promise<FilterHintsResponse> {
    return getJson(
      buildUrl('/whisker-backend/flows-filter-hints', {
        type: p.type,
        page: p.page,
        pageSize: p.pageSize,
        filters: filtersParam(p.filters),
      }),
      signal,
    );
  },
};
