// GET /api/v1/changes, /api/v1/policies/{kind}/{namespace}/{name}/history and /api/v1/cluster/status:
// the policy change log and where the cluster state comes from.
import type { ChangeListResponse, ClusterStatusResponse } from '@verdict/api';
import type { ChangeQuery, VerdictFlowStore } from '@verdict/flows';
import { CHANGE_QUERY_LIMIT } from '@verdict/flows';
import { type Context, Hono } from 'hono';
import { badRequest, libraryCall, respondWithError } from '../api/errors.ts';
import { integer } from '../api/params.ts';

export interface ChangeRoutesDeps {
  store: Pick<VerdictFlowStore, 'changes'>;
  clusterStatus: () => ClusterStatusResponse;
  log?: Pick<Console, 'error'>;
}

/** `since`: Unix seconds (fractions allowed) or an RFC 3339 time; returned in Unix milliseconds. */
function since(c: Context): number | undefined {
  const raw = c.req.query('since');
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.floor(Number(raw) * 1000);
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(parsed))
    throw badRequest(
      'invalid-parameter',
      `since: expected Unix seconds or an RFC 3339 time such as 2026-01-02T15:04:05Z, got ${JSON.stringify(raw)}`,
      'since',
    );
  return parsed;
}

const text = (c: Context, name: string, max = 253) => {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (raw.length > max) throw badRequest('invalid-parameter', `${name}: longer than ${max} characters`, name);
  return raw;
};

/** Routes relative to /api/v1. */
export function createChangeRoutes(deps: ChangeRoutesDeps): Hono {
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  const list = async (query: ChangeQuery): Promise<ChangeListResponse> => ({
    items: (await libraryCall(deps.store.changes(query))) as ChangeListResponse['items'],
  });

  app.get('/changes', async (c) => {
    const query: ChangeQuery = {};
    const from = since(c);
    if (from !== undefined) query.since = from;
    const after = integer(c, 'after', 0);
    if (after !== undefined) query.afterId = after;
    const limit = integer(c, 'limit', 1, CHANGE_QUERY_LIMIT);
    if (limit !== undefined) query.limit = limit;
    const kind = text(c, 'kind', 64);
    if (kind !== undefined) query.kind = kind;
    const namespace = text(c, 'namespace', 63);
    if (namespace !== undefined) query.namespace = namespace;
    return c.json(await list(query));
  });

  app.get('/policies/:kind/:namespace/:name/history', async (c) => {
    const namespace = c.req.param('namespace');
    return c.json(
      await list({
        kind: c.req.param('kind'),
        namespace: namespace === '-' ? '' : namespace,
        name: c.req.param('name'),
      }),
    );
  });

  app.get('/cluster/status', (c) => c.json(deps.clusterStatus()));
  return app;
}
