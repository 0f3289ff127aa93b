// whisker-backend-compatible HTTP API (calico-observability §4), served from a FlowStore. Mount it
// at `/whisker-backend` for Calico's Whisker UI.
import { HINT_TYPES as WHISKER_HINT_TYPES, type WireIssue } from '@verdict/api';
import { type CalicoVersion, DEFAULT_CALICO_VERSION, hitKindsIn } from '@verdict/engine';
import type { FlowFilter, FlowStore, HintType, ListQuery, SortBy, Subscription } from '@verdict/flows';
import { normalizeRange } from '@verdict/flows';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, fromLibraryError, libraryCall } from '../api/errors.ts';
import { querySignal } from '../http/budget.ts';
import { createFlowStream } from '../http/sse.ts';
import { streamJson } from '../http/stream-json.ts';
import type { Metrics } from '../metrics/index.ts';
import { parseFilters } from './filters.ts';
import { flowResponse, hintValues, type ListResponse } from './response.ts';

export interface WhiskerRoutesOptions {
  store: FlowStore;
  /** Origins sent back in Access-Control-Allow-Origin (`*` for any); none when absent. */
  cors?: readonly string[];
  log?: Pick<Console, 'error'>;
  /** Clock in Unix seconds, for relative times; defaults to the wall clock. */
  now?: () => number;
  /** SSE messages waiting for a slow client before further ones are dropped. */
  sseBuffer?: number;
  /** `verdict_stream_clients{api="whisker"}` and `verdict_stream_dropped_total{api="whisker"}`. */
  metrics?: Pick<Metrics, 'streamOpened' | 'streamClosed' | 'streamDropped'>;
  /** Time budget of one list or hints query (default 10 s). */
  queryBudgetMs?: number;
  /** The Calico release reproduced: a policy kind filter matches only the kinds it reports. Newest when absent. */
  calicoVersion?: () => CalicoVersion;
}

const SORTS: readonly string[] = [
  'Time',
  'DestName',
  'DestNamespace',
  'DestType',
  'SourceName',
  'SourceNamespace',
  'SourceType',
];
const SUPPORTED_SORTS: readonly SortBy[] = ['Time', 'DestName', 'DestNamespace', 'SourceName', 'SourceNamespace'];
const HINT_TYPES: readonly HintType[] = WHISKER_HINT_TYPES;
/** Page size when `pageSize` is absent or 0 (Goldmane's "everything" would be the whole store). */
export const WHISKER_DEFAULT_PAGE_SIZE = 1000;
/** Largest `pageSize` accepted; more is a 400 naming the limit. */
export const WHISKER_MAX_PAGE_SIZE = 10_000;

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The one way a handler reports bad input: a 400 whose message names the parameter and what it expects. */
const badRequest = (message: string) => new HTTPException(400, { message });

/**
 * `GET /flows` (JSON list, or SSE with `watch=true`) and `GET /flows-filter-hints`, field for field
 * as whisker-backend. Errors are `{"error": "..."}`: 400 for bad input, 500 otherwise.
 *
 * @example
 * app.route('/whisker-backend', createWhiskerRoutes({ store, cors: ['http://localhost:3000'] }));
 */
export function createWhiskerRoutes(options: WhiskerRoutesOptions): Hono {
  const filtersOf = (c: Context) =>
    unwrap(parseFilters(c.req.query('filters'), hitKindsIn(options.calicoVersion?.() ?? DEFAULT_CALICO_VERSION)));
  const { store } = options;
  const log = options.log ?? console;
  const now = () => Math.floor(options.now?.() ?? Date.now() / 1000);
  const sseBuffer = options.sseBuffer ?? 10_000;
  const app = new Hono();

  app.onError((e, c) => {
    if (e instanceof HTTPException && e.status < 500) return json(c, e.status, { error: e.message });
    const mapped = fromLibraryError(e);
    if (mapped instanceof ApiError && mapped.code !== 'internal') {
      const message = mapped.path ? `${mapped.path}: ${mapped.message}` : mapped.message;
      return json(c, mapped.status, { error: message });
    }
    log.error(`whisker: ${c.req.method} ${c.req.path} failed: ${e instanceof Error ? e.message : String(e)}`);
    return json(c, 500, { error: 'Internal Server Error' });
  });

  const origins = options.cors ?? [];
  if (origins.length > 0) {
    app.use(
      '*',
      cors({
        origin: (origin) => (origins.includes('*') ? '*' : origins.includes(origin) ? origin : null),
        allowMethods: ['GET', 'OPTIONS'],
      }),
    );
  }

  app.get('/flows', async (c) => {
    const filter = filtersOf(c);
    const gte = integer(c, 'startTimeGte') ?? 0;
    if (boolean(c, 'watch')) return watch(c, options, streamStart(gte, now()), filter, sseBuffer);

    const lt = integer(c, 'startTimeLt') ?? 0;
    const range = normalizeRange({ gte, lt }, now());
    if (!range.ok) throw badRequest(`startTimeGte: ${range.error.message}`);
    const query: ListQuery = { range: range.value };
    if (Object.keys(filter).length > 0) query.filter = filter;
    const sortBy = sortOrder(c.req.queries('sortBy') ?? []);
    if (sortBy !== undefined) query.sortBy = sortBy;
    const page = integer(c, 'page', 0);
    if (page !== undefined) query.page = page;
    query.pageSize = pageSizeOf(c);
    query.signal = querySignal(c.req.raw, options.queryBudgetMs);
    const result = await libraryCall(store.list(query));
    const total: ListResponse<unknown>['total'] = {
      totalPages: result.totalPages,
      totalResults: result.totalResults,
    };
    return streamJson({ total }, 'items', result.flows, flowResponse, {
      contentType: 'application/json; charset=utf-8',
      trailingNewline: true,
    });
  });

  app.get('/flows-filter-hints', async (c) => {
    const typeParam = c.req.query('type');
    const allowed = HINT_TYPES.join(', ');
    if (typeParam === undefined || typeParam === '') throw badRequest(`type: required; allowed values are ${allowed}`);
    const type = HINT_TYPES.find((t) => t === typeParam);
    if (type === undefined)
      throw badRequest(`type: unknown filter type value ${typeParam}; allowed values are ${allowed}`);
    const filter = filtersOf(c);
    // Like whisker-backend, hints take no time range: the store's whole history.
    const range = normalizeRange({ gte: 0, lt: 0 }, now());
    if (!range.ok) throw new Error(range.error.message);
    const page = integer(c, 'page', 0);
    const result = await libraryCall(
      store.hints({
        type,
        range: range.value,
        ...(Object.keys(filter).length > 0 ? { filter } : {}),
        ...(page !== undefined ? { page } : {}),
        pageSize: pageSizeOf(c),
        signal: querySignal(c.req.raw, options.queryBudgetMs),
      }),
    );
    const body: ListResponse<{ value: string }> = {
      total: { totalPages: result.totalPages, totalResults: result.totalResults },
      items: hintValues(type, result.values),
    };
    return json(c, 200, body);
  });

  return app;
}

export interface WhiskerConfigOptions {
  clusterId?: string;
  clusterType?: string;
  calicoVersion?: string;
}

/**
 * `GET /config/config.json` as the Whisker image's nginx serves it, with notifications Disabled so
 * the UI makes no call to Calico Cloud. Mount at the root next to Calico's Whisker bundle.
 */
export function createWhiskerConfigRoutes(options: WhiskerConfigOptions = {}): Hono {
  const app = new Hono();
  app.get('/config/config.json', (c) =>
    c.json({
      config: {
        cluster_id: options.clusterId ?? '',
        cluster_type: options.clusterType ?? '',
        calico_version: options.calicoVersion ?? '',
        notifications: 'Disabled',
        calico_cloud_url: '',
      },
      features: {},
    }),
  );
  return app;
}

/** JSON the way whisker-backend writes it: exact content type and a trailing newline. */
function json(c: Context, status: ContentfulStatusCode, body: unknown): Response {
  return c.body(`${JSON.stringify(body)}\n`, status, { 'Content-Type': 'application/json; charset=utf-8' });
}

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: WireIssue }): T {
  if (!r.ok) throw badRequest(r.error.message);
  return r.value;
}

function integer(c: Context, name: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const n = /^[-+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    const what =
      min === 0 ? 'a non-negative integer' : 'an integer (Unix seconds, or negative seconds relative to now)';
    throw badRequest(`${name}: expected ${what}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** `pageSize`: absent or 0 means the default page (the whole store is never one reply); at most the maximum. */
function pageSizeOf(c: Context): number {
  const size = integer(c, 'pageSize', 0) ?? 0;
  if (size > WHISKER_MAX_PAGE_SIZE) {
    throw badRequest(`pageSize: at most ${WHISKER_MAX_PAGE_SIZE}, got ${size}; read further pages with page=1, 2, ...`);
  }
  return size === 0 ? WHISKER_DEFAULT_PAGE_SIZE : size;
}

function boolean(c: Context, name: string): boolean {
  const raw = c.req.query(name) ?? '';
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw badRequest(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

function sortOrder(values: readonly string[]): SortBy | undefined {
  const given = values.filter((v) => v !== '');
  for (const v of given) {
    if (!SORTS.includes(v)) throw badRequest(`sortBy: unknown value ${v}; allowed values are ${SORTS.join(', ')}`);
  }
  if (given.length > 1) throw badRequest('sortBy: at most one sort order is supported');
  const [only] = given;
  if (only === undefined) return undefined;
  const supported = SUPPORTED_SORTS.find((s) => s === only);
  if (supported === undefined) {
    throw badRequest(`sortBy: unsupported sort order ${only}; supported are ${SUPPORTED_SORTS.join(', ')}`);
  }
  return supported;
}

/** Goldmane's Stream convention: 0 = now without backfill, < 0 relative, > 0 absolute. */
function streamStart(gte: number, now: number): number {
  if (gte === 0) return 0;
  return gte < 0 ? Math.max(1, now + gte) : gte;
}

/**
 * SSE: one `data: <FlowResponse>` event per stream message, and an `event: gap` (which Whisker's
 * EventSource `onmessage` ignores) when a slow client missed flows; the subscription ends when the
 * client goes away.
 */
function watch(
  c: Context,
  options: WhiskerRoutesOptions,
  fromTime: number,
  filter: FlowFilter,
  buffer: number,
): Response {
  const out = createFlowStream({
    buffer,
    format: flowResponse,
    onDropped: (n) => options.metrics?.streamDropped('whisker', n),
    onOpen: () => options.metrics?.streamOpened('whisker'),
    onClose: () => options.metrics?.streamClosed('whisker'),
    log: options.log ?? console,
  });
  let subscription: Subscription;
  try {
    // Subscribing before the response starts turns an invalid filter into a 400 rather than a dead stream.
    subscription = options.store.subscribe(fromTime, Object.keys(filter).length > 0 ? filter : undefined, (r) =>
      out.push(r),
    );
  } catch (e) {
    throw fromLibraryError(e);
  }
  return out.respond(c, subscription);
}
