// Verdict's REST API, mounted by the caller at /api/v1. Every failure is an ApiError turned into
// `{ error: { code, message, path? } }` by the one onError handler.
import {
  type FlowListResponse,
  type GraphResponse,
  openApiDocument,
  type PolicyStatsResponse,
  type TiersResponse,
} from '@verdict/api';
import type { Evaluator } from '@verdict/engine';
import type {
  Flow,
  FlowFilter,
  FlowStore,
  KeyCount,
  KeyFold,
  ListQuery,
  ListResult,
  Subscription,
  VerdictFlowStore,
} from '@verdict/flows';
import {
  BUCKET_SECONDS,
  buildGraph,
  compileFilterParts,
  DEFAULT_CLUSTER,
  endpointInCidrs,
  policyStats,
  representativeQuery,
  shapeGraph,
} from '@verdict/flows';
import { type Context, Hono } from 'hono';
import { querySignal } from '../http/budget.ts';
import { createFlowStream } from '../http/sse.ts';
import { streamJson } from '../http/stream-json.ts';
import type { Metrics } from '../metrics/index.ts';
import { apiTiers, clusterSummary } from './cluster.ts';
import { ApiError, errorBody, fromLibraryError, libraryCall, respondWithError } from './errors.ts';
import { explainQuery } from './explain.ts';
import { type ApiFilter, hasCidrs } from './filters.ts';
import { apiFlow } from './flow.ts';
import * as params from './params.ts';

export interface ApiDeps {
  /** With `countKeys` (ClickHouse), graphs and policy statistics are folded by the store. */
  store: FlowStore & Pick<VerdictFlowStore, 'countKeys'>;
  /** The current compiled cluster; called once per request. */
  evaluator: () => Evaluator;
  /** Clock in Unix seconds; defaults to the wall clock. */
  now?: () => number;
  /** When given: `verdict_stream_clients{api="v1"}` and `verdict_evaluations_total`. */
  metrics?: Metrics;
  log?: Pick<Console, 'error'>;
  /** Interval of `: keepalive` comments on streams (default 15 s). */
  keepAliveMs?: number;
  /** Stream messages waiting for a slow client before the oldest are dropped (default 20 000, the UI's row limit). */
  sseBuffer?: number;
  /** Time budget of one store query (default 10 s). */
  queryBudgetMs?: number;
}

/**
 * The /api/v1 routes. Mount with `app.route('/api/v1', createApiRoutes(deps))`; time them with
 * `app.use('*', timeQueries(metrics))` on the parent app. Unknown paths under the mount answer a
 * JSON 404, so register other /api/v1 routes (ingest) before mounting this.
 */
export function createApiRoutes(deps: ApiDeps): Hono {
  const { store } = deps;
  const now = () => Math.floor(deps.now?.() ?? Date.now() / 1000);
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  /** Every flow of the range that passes the filter, CIDRs included, in the store's sort order. */
  async function listAll(c: Context, filter: ApiFilter, extra: Partial<ListQuery> = {}): Promise<ListResult> {
    const query: ListQuery = {
      range: params.timeRange(c, now()),
      pageSize: 0,
      signal: querySignal(c.req.raw, deps.queryBudgetMs),
      ...extra,
    };
    const f = params.storeFilter(filter);
    if (f) query.filter = f;
    const result = await libraryCall(store.list(query));
    if (!hasCidrs(filter)) return result;
    const keep = cidrPredicate(filter, deps.evaluator());
    const flows = result.flows.filter((r) => keep(r.flow));
    return { ...result, totalPages: flows.length > 0 ? 1 : 0, totalResults: flows.length, flows };
  }

  app.get('/flows', async (c) => {
    const filter = params.filters(c);
    const { page, pageSize } = params.page(c);
    const sortBy = params.sortBy(c);
    const sort = sortBy === undefined ? {} : { sortBy };
    let result: ListResult;
    if (hasCidrs(filter)) {
      // The store cannot see IPs: filter everything here, then page.
      const all = await listAll(c, filter, sort);
      const totalPages = Math.ceil(all.flows.length / pageSize);
      const inRange = page < totalPages;
      result = {
        ...all,
        totalPages: inRange ? totalPages : 0,
        totalResults: inRange ? all.flows.length : 0,
        flows: inRange ? all.flows.slice(page * pageSize, (page + 1) * pageSize) : [],
      };
    } else result = await listAll(c, filter, { ...sort, page, pageSize });
    const total: FlowListResponse['total'] = { totalPages: result.totalPages, totalResults: result.totalResults };
    return streamJson({ total, resolution: result.resolution ?? BUCKET_SECONDS }, 'items', result.flows, apiFlow);
  });

  app.get('/flows/stream', (c) => {
    const filter = params.filters(c);
    const from = params.streamStart(c, now());
    return stream(c, deps, from, filter);
  });

  app.get('/flows/:id/explain', async (c) => {
    const raw = c.req.param('id');
    const id = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(id))
      throw new ApiError('invalid-parameter', `id: expected a flow id, got ${JSON.stringify(raw)}`, 'id');
    const found = await libraryCall(store.get(id));
    if (!found) throw new ApiError('not-found', `flow ${id} is not in the store (it may have aged out)`, 'id');
    const evaluator = deps.evaluator();
    const query = representativeQuery(evaluator, found.flow.key);
    if (!query.ok) {
      throw new ApiError(
        'unresolvable-flow',
        `flow ${id} cannot be explained: ${query.error.message}`,
        query.error.path,
      );
    }
    const explained = explainQuery(evaluator, query.value);
    deps.metrics?.evaluated(2);
    if (!explained.ok) {
      throw new ApiError(
        'unresolvable-flow',
        `flow ${id} cannot be explained: ${explained.error.message}`,
        explained.error.path,
      );
    }
    return c.json(explained.value);
  });

  app.get('/tiers', (c) => {
    const body: TiersResponse = { items: apiTiers(deps.evaluator()) };
    return c.json(body);
  });

  /**
   * The listed keys for a graph or policy statistics: folded and counted by the store when it can
   * (ClickHouse), else every listed flow once. CIDR filters are the API's own, so they list.
   */
  async function foldedKeys(
    c: Context,
    filter: ApiFilter,
    fold: KeyFold,
  ): Promise<{ keys: KeyCount[]; resolution: number }> {
    if (store.countKeys && !hasCidrs(filter)) {
      const f = params.storeFilter(filter);
      // The store folds the keys at the level its roll-ups answer the range at.
      return await libraryCall(
        store.countKeys({
          range: params.timeRange(c, now()),
          fold,
          signal: querySignal(c.req.raw, deps.queryBudgetMs),
          ...(f ? { filter: f } : {}),
        }),
      );
    }
    const result = await listAll(c, filter);
    return {
      keys: result.flows.map((r) => ({ key: r.flow.key, cluster: r.cluster ?? DEFAULT_CLUSTER, count: 1 })),
      resolution: result.resolution ?? BUCKET_SECONDS,
    };
  }

  app.get('/policy-stats', async (c) => {
    const grouping = params.statsGrouping(c);
    const { keys, resolution } = await foldedKeys(c, params.filters(c), 'policies');
    if (grouping === undefined) {
      const body: PolicyStatsResponse = { resolution, items: policyStats(keys) };
      return c.json(body);
    }
    const byCluster = new Map<string, KeyCount[]>();
    for (const k of keys) {
      let mine = byCluster.get(k.cluster);
      if (!mine) byCluster.set(k.cluster, (mine = []));
      mine.push(k);
    }
    const names = [...byCluster.keys()].sort();
    const body: PolicyStatsResponse = {
      resolution,
      items: names.flatMap((cluster) => policyStats(byCluster.get(cluster)!).map((s) => ({ cluster, ...s }))),
    };
    return c.json(body);
  });

  app.get('/graph', async (c) => {
    const group = params.group(c);
    const maxNodes = params.graphLimit(c);
    const focus = params.focus(c);
    const { keys } = await foldedKeys(c, params.filters(c), 'graph');
    const data = buildGraph(keys, group === 'namespace' ? 'namespace' : 'workload');
    const shown = shapeGraph(data, { group, focus, maxNodes });
    const body: GraphResponse = {
      ...shown.graph,
      shape: { totalNodes: data.nodes.length, collapsed: shown.collapsed, folded: shown.folded },
    };
    return c.json(body);
  });

  app.get('/cluster/summary', (c) => c.json(clusterSummary(deps.evaluator(), store.kind)));

  app.get('/openapi.json', (c) => c.json(openApiDocument));

  // A catch-all rather than notFound(): a mounted app's notFound handler is not used by its parent.
  app.all('*', (c) => c.json(errorBody(new ApiError('not-found', `no route ${c.req.method} ${c.req.path}`)), 404));

  return app;
}

/**
 * A side matches a CIDR filter through the addresses the flow recorded; a side without recorded
 * addresses (Goldmane, Felix) falls back to the addresses its endpoint stands for in the cluster state.
 */
function cidrPredicate(filter: ApiFilter, evaluator: Evaluator): (flow: Flow) => boolean {
  const src = filter.sourceCidrs && endpointInCidrs(evaluator.state, filter.sourceCidrs);
  const dst = filter.destCidrs && endpointInCidrs(evaluator.state, filter.destCidrs);
  const recorded = (f: FlowFilter) => {
    const c = compileFilterParts(f);
    return c.ok ? c.value.ips : undefined;
  };
  const srcIps = filter.cidrTexts?.sourceCidrs && recorded({ sourceCidrs: filter.cidrTexts.sourceCidrs });
  const dstIps = filter.cidrTexts?.destCidrs && recorded({ destCidrs: filter.cidrTexts.destCidrs });
  return (flow) => {
    const k = flow.key;
    if (src) {
      const ok = flow.sourceIps
        ? srcIps?.(flow.sourceIps, undefined) === true
        : src({ type: k.sourceType, namespace: k.sourceNamespace, name: k.sourceName });
      if (!ok) return false;
    }
    if (dst) {
      return flow.destIps
        ? dstIps?.(undefined, flow.destIps) === true
        : dst({ type: k.destType, namespace: k.destNamespace, name: k.destName });
    }
    return true;
  };
}

/**
 * SSE: `data: <ApiFlow>` per flow per completed bucket, `: keepalive` every `keepAliveMs`, and an
 * `event: gap` when a slow client missed flows (see createFlowStream). The subscription is opened
 * before the response starts (so a bad filter is still a 400) and closed when the client goes away.
 */
function stream(c: Context, deps: ApiDeps, from: number, filter: ApiFilter): Response {
  const keep = hasCidrs(filter) ? cidrPredicate(filter, deps.evaluator()) : () => true;
  const out = createFlowStream({
    buffer: deps.sseBuffer ?? 20_000,
    format: apiFlow,
    keepAliveMs: deps.keepAliveMs ?? 15_000,
    onDropped: (n) => deps.metrics?.streamDropped('v1', n),
    onOpen: () => deps.metrics?.streamOpened('v1'),
    onClose: () => deps.metrics?.streamClosed('v1'),
    log: deps.log ?? console,
  });
  let subscription: Subscription;
  try {
    subscription = deps.store.subscribe(from, params.storeFilter(filter), (r) => {
      if (keep(r.flow)) out.push(r);
    });
  } catch (e) {
    throw fromLibraryError(e);
  }
  return out.respond(c, subscription);
}
