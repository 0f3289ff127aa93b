// GET /api/v1/insights: findings over the stored flows of the last `since` (default 24 h), with the
// window before it as the baseline for "new" destinations and peers.
import type { Evaluator } from '@verdict/engine';
import type { FlowResult, FlowStore, TimeRange } from '@verdict/flows';
import { isFlowStoreError } from '@verdict/flows';
import { insights } from '@verdict/insights';
import { type Context, Hono } from 'hono';
import { badRequest, respondWithError } from '../api/errors.ts';

export interface InsightsDeps {
  store: FlowStore;
  /** The current compiled cluster; called once per request. */
  evaluator: () => Evaluator;
  /** Clock in Unix seconds; defaults to the wall clock. */
  now?: () => number;
  log?: Pick<Console, 'error'>;
}

export const DEFAULT_INSIGHTS_WINDOW = 86_400;
const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
/** At most 31 days per window. */
const MAX_SINCE = 31 * 86_400;

/** `since`: seconds, or a duration such as `30m`, `24h`, `7d`. */
function since(c: Context): number {
  const raw = c.req.query('since');
  if (raw === undefined || raw === '') return DEFAULT_INSIGHTS_WINDOW;
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_SINCE)) {
    throw badRequest(
      'invalid-parameter',
      `since: expected seconds or a duration such as 30m, 24h, 7d (at most 31d), got ${JSON.stringify(raw)}`,
      'since',
    );
  }
  return seconds;
}

/** Mount with `app.route('/api/v1/insights', createInsightsRoutes(deps))` before the /api/v1 catch-all. */
export function createInsightsRoutes(deps: InsightsDeps): Hono {
  const now = () => Math.floor(deps.now?.() ?? Date.now() / 1000);
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));
  app.get('/', async (c) => {
    const window = since(c);
    const tenantLabel = c.req.query('tenantLabel');
    const clock = now();
    const [flows, baseline] = await Promise.all([
      listRange(deps.store, { gte: clock - window, lt: clock + 60 }),
      listRange(deps.store, { gte: clock - 2 * window, lt: clock - window }),
    ]);
    const report = insights({
      state: deps.evaluator().state,
      flows,
      baseline,
      ...(tenantLabel ? { options: { tenantLabel } } : {}),
    });
    return c.json(report);
  });
  return app;
}

async function listRange(store: FlowStore, range: TimeRange): Promise<readonly FlowResult[]> {
  try {
    return (await store.list({ range, pageSize: 0 })).flows;
  } catch (e) {
    if (isFlowStoreError(e)) throw badRequest('invalid-range', e.message, 'since');
    throw e;
  }
}
