// GET /api/v1/insights, /api/v1/egress and /api/v1/coverage: findings, a namespace's egress lockdown
// and rollout coverage over the stored flows of the last `since`, with the policy change log.
import type { Evaluator } from '@verdict/engine';
import type { FlowResult, FlowStore, TimeRange, VerdictFlowStore } from '@verdict/flows';
import { isFlowStoreError } from '@verdict/flows';
import {
  coverageHtml,
  coverageReport,
  EGRESS_DIALECTS,
  egressReport,
  fromChangeLog,
  insights,
  type PolicyChange,
} from '@verdict/insights';
import { type Context, Hono } from 'hono';
import { ApiError, badRequest, libraryCall, respondWithError } from '../api/errors.ts';

export interface InsightsDeps {
  store: FlowStore & Partial<Pick<VerdictFlowStore, 'changes'>>;
  /** The current compiled cluster; called once per request. */
  evaluator: () => Evaluator;
  /** Imported DNS answers, query name → addresses, for the egress report. */
  dns?: () => ReadonlyMap<string, readonly string[]>;
  /** Clock in Unix seconds; defaults to the wall clock. */
  now?: () => number;
  log?: Pick<Console, 'error'>;
}

export const DEFAULT_INSIGHTS_WINDOW = 86_400;
/** The default history of the rollout report: a week. */
export const DEFAULT_COVERAGE_WINDOW = 7 * 86_400;
const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
/** At most 31 days per window. */
const MAX_SINCE = 31 * 86_400;
/** Kubernetes namespace names: DNS labels. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `since`: seconds, or a duration such as `30m`, `24h`, `7d`. */
function since(c: Context, fallback: number): number {
  const raw = c.req.query('since');
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d{1,9})([smhd]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_SINCE)) {
    throw badRequest(
      'invalid-parameter',
      `since: expected seconds or a duration such as 30m, 24h, 7d (at most 31d), got ${JSON.stringify(raw.slice(0, 64))}`,
      'since',
    );
  }
  return seconds;
}

/** One of `choices`, or the first when absent. */
function choice<T extends string>(c: Context, name: string, choices: readonly [T, ...T[]]): T {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return choices[0];
  if (!(choices as readonly string[]).includes(raw)) {
    throw badRequest(
      'invalid-parameter',
      `${name}: expected one of ${choices.join(', ')}, got ${JSON.stringify(raw.slice(0, 64))}`,
      name,
    );
  }
  return raw as T;
}

/** Routes relative to /api/v1. */
export function createInsightsRoutes(deps: InsightsDeps): Hono {
  const now = () => Math.floor(deps.now?.() ?? Date.now() / 1000);
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  /** The policy changes since `from` (Unix seconds; 0 = the whole log); undefined when the store keeps no log. */
  const changesSince = async (from: number): Promise<PolicyChange[] | undefined> =>
    deps.store.changes
      ? fromChangeLog(await libraryCall(deps.store.changes(from > 0 ? { since: from * 1000 } : {})))
      : undefined;

  app.get('/insights', async (c) => {
    const window = since(c, DEFAULT_INSIGHTS_WINDOW);
    const tenantLabel = c.req.query('tenantLabel');
    if (tenantLabel !== undefined && tenantLabel.length > 317) {
      throw badRequest(
        'invalid-parameter',
        'tenantLabel: longer than a label key may be (317 characters)',
        'tenantLabel',
      );
    }
    const clock = now();
    const [flows, baseline, changes] = await Promise.all([
      listRange(deps.store, { gte: clock - window, lt: clock + 60 }),
      listRange(deps.store, { gte: clock - 2 * window, lt: clock - window }),
      changesSince(clock - window),
    ]);
    const evaluator = deps.evaluator();
    const report = insights({
      state: evaluator.state,
      evaluator,
      flows,
      baseline,
      ...(changes ? { changes } : {}),
      ...(tenantLabel ? { options: { tenantLabel } } : {}),
    });
    return c.json(report);
  });

  app.get('/egress', async (c) => {
    const namespace = c.req.query('namespace');
    if (namespace === undefined || namespace === '') {
      throw badRequest('invalid-parameter', 'namespace: required, the namespace to lock down', 'namespace');
    }
    if (!NAMESPACE.test(namespace)) {
      throw badRequest(
        'invalid-parameter',
        `namespace: expected a namespace name (lower-case DNS label, at most 63 characters), got ${JSON.stringify(namespace.slice(0, 64))}`,
        'namespace',
      );
    }
    const window = since(c, DEFAULT_INSIGHTS_WINDOW);
    const dialect = choice(c, 'dialect', EGRESS_DIALECTS);
    const { state } = deps.evaluator();
    if (!state.namespaces.some((n) => n.name === namespace) && !state.pods.some((p) => p.namespace === namespace)) {
      throw new ApiError('not-found', `namespace: ${namespace} is not in the cluster`, 'namespace');
    }
    const clock = now();
    const flows = await listRange(deps.store, { gte: clock - window, lt: clock + 60 });
    const dns = deps.dns?.();
    return c.json(await egressReport({ state, flows, namespace, dialect, ...(dns && dns.size > 0 ? { dns } : {}) }));
  });

  app.get('/coverage', async (c) => {
    const window = since(c, DEFAULT_COVERAGE_WINDOW);
    const format = choice(c, 'format', ['json', 'html']);
    const clock = now();
    // The whole log (its newest CHANGE_QUERY_LIMIT entries) dates isolation; the window's entries are listed.
    const [flows, changes] = await Promise.all([
      listRange(deps.store, { gte: clock - window, lt: clock + 60 }),
      changesSince(0),
    ]);
    const evaluator = deps.evaluator();
    const report = coverageReport({
      state: evaluator.state,
      evaluator,
      flows,
      ...(changes ? { changes, changesFrom: clock - window } : {}),
    });
    if (format === 'html') {
      return c.html(coverageHtml(report, { generatedAt: clock }), 200, {
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      });
    }
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
