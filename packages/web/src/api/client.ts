// The only module that calls fetch(). Every failure becomes an ApiError.
import type {
  ApiErrorBody,
  ClusterSummary,
  ExplainResponse,
  FilterHintsResponse,
  FlowListResponse,
  GraphGroup,
  GraphResponse,
  HintType,
  PolicyStatsResponse,
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
  constructor(status: number, code: string, message: string, path?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.path = path;
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

function isErrorBody(v: unknown): v is ApiErrorBody {
  return typeof v === 'object' && v !== null && 'error' in v && typeof (v as ApiErrorBody).error === 'object';
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, 'network', `Cannot reach the Verdict server (${(e as Error).message}).`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    if (isErrorBody(body)) {
      const { code, message, path } = body.error;
      throw new ApiError(res.status, code ?? 'error', message ?? res.statusText, path);
    }
    // whisker-backend style {"error": "message"}
    const legacy = (body as { error?: unknown } | undefined)?.error;
    throw new ApiError(res.status, 'http', typeof legacy === 'string' ? legacy : `${res.status} ${res.statusText}`);
  }
  if (body === undefined) throw new ApiError(res.status, 'bad_response', `Expected JSON from ${url}`);
  return body as T;
}

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
  graph(p: TimeRange & { filters: VerdictFilters; group: GraphGroup }, signal?: AbortSignal): Promise<GraphResponse> {
    return getJson(
      buildUrl('/api/v1/graph', { start: p.start, end: p.end, filters: filtersParam(p.filters), group: p.group }),
      signal,
    );
  },
  summary(signal?: AbortSignal): Promise<ClusterSummary> {
    return getJson('/api/v1/cluster/summary', signal);
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
