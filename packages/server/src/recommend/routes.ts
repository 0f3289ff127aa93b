// GET /api/v1/recommendations: draft policies for a namespace or workload from the stored flows of
// a time window. Bad parameters answer 400 `{ error: { code, message, path } }` like the rest of /api/v1.

import { DIALECTS, type Dialect } from '@verdict/api';
import type { Evaluator } from '@verdict/engine';
import type { FlowResult, FlowStore, ListQuery } from '@verdict/flows';
import { recommend, toYaml } from '@verdict/recommend';
import { type Context, Hono } from 'hono';
import { badRequest, libraryCall, respondWithError } from '../api/errors.ts';
import * as params from '../api/params.ts';

export interface RecommendDeps {
  store: FlowStore;
  /** The current compiled cluster; called once per request. */
  evaluator: () => Evaluator;
  /** Clock in Unix seconds; defaults to the wall clock. */
  now?: () => number;
  log?: Pick<Console, 'error'>;
}

/** Window when `start` is not given: the last 24 hours. */
export const DEFAULT_WINDOW_SECONDS = 86_400;

function text(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  return raw === undefined || raw === '' ? undefined : raw;
}

function dialect(c: Context): Dialect {
  const raw = text(c, 'dialect') ?? 'calico';
  const found = DIALECTS.find((d) => d === raw);
  if (!found)
    throw badRequest(
      'invalid-parameter',
      `dialect: expected one of ${DIALECTS.join(', ')}, got ${JSON.stringify(raw)}`,
      'dialect',
    );
  return found;
}

function bool(c: Context, name: string): boolean | undefined {
  const raw = text(c, name);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false')
    throw badRequest('invalid-parameter', `${name}: expected true or false, got ${JSON.stringify(raw)}`, name);
  return raw === 'true';
}

/** Mount with `app.route('/api/v1/recommendations', createRecommendRoutes(deps))` before the /api/v1 catch-all. */
export function createRecommendRoutes(deps: RecommendDeps): Hono {
  const now = () => Math.floor(deps.now?.() ?? Date.now() / 1000);
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  app.get('/', async (c) => {
    const namespace = text(c, 'namespace');
    if (namespace === undefined) throw badRequest('invalid-parameter', 'namespace: required', 'namespace');
    const workload = text(c, 'workload');
    const chosen = dialect(c);
    const tier = text(c, 'tier');
    const staged = bool(c, 'staged');
    const order = params.integer(c, 'order', -1_000_000, 1_000_000);
    const clock = now();
    const range = params.timeRange(c, clock);
    if (text(c, 'start') === undefined) range.gte = clock - DEFAULT_WINDOW_SECONDS;
    const flows = await flowsOf(deps.store, range, namespace);
    const result = recommend({
      state: deps.evaluator().state,
      flows,
      scope: workload === undefined ? { namespace } : { namespace, workload },
      dialect: chosen,
      ...(tier === undefined ? {} : { tier }),
      ...(staged === undefined ? {} : { staged }),
      ...(order === undefined ? {} : { order }),
    });
    if (!result.ok) {
      const path = result.error.path.replace(/^scope\./, '');
      throw badRequest('invalid-parameter', `${path}: ${result.error.message}`, path);
    }
    if (text(c, 'format') === 'yaml') return c.text(toYaml(result.value), 200, { 'content-type': 'application/yaml' });
    return c.json(result.value);
  });
  return app;
}

/** Every stored flow of the range with the namespace at either end. */
async function flowsOf(store: FlowStore, range: ListQuery['range'], namespace: string): Promise<FlowResult[]> {
  const match = [{ value: namespace, type: 'Exact' as const }];
  const list = async (query: ListQuery) => (await libraryCall(store.list(query))).flows;
  const [from, to] = await Promise.all([
    list({ range, pageSize: 0, filter: { sourceNamespaces: match } }),
    list({ range, pageSize: 0, filter: { destNamespaces: match } }),
  ]);
  const byId = new Map<number, FlowResult>();
  for (const r of [...from, ...to]) byId.set(r.id, r);
  return [...byId.values()];
}
