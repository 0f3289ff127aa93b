// The HTTP surface on one port: whisker-backend, Verdict's REST API, ingest, metrics, health and
// the web UI.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { ClusterStatusResponse } from '@verdict/api';
import type { Evaluator } from '@verdict/engine';
import type { VerdictFlowStore } from '@verdict/flows';
import { Hono } from 'hono';
import { type AccessOptions, accessControl, OPEN_PATHS } from './access/index.ts';
import { createApiRoutes } from './api/index.ts';
import { createChangeRoutes } from './changes/index.ts';
import { createDnsRoutes, DnsAnswers } from './dns/index.ts';
import type { TailStatus } from './goldmane/index.ts';
import type { StoreHealth } from './health/index.ts';
import { securityGuard } from './http/guard.ts';
import { type IngestLimits, ingestNdjson } from './ingest/http.ts';
import type { IngestPipeline } from './ingest/index.ts';
import { createInsightsRoutes } from './insights/index.ts';
import type { Logger } from './log.ts';
import { CONTENT_TYPE, type Metrics, timeQueries } from './metrics/index.ts';
import { createPolicyRoutes } from './policies/index.ts';
import { createRecommendRoutes } from './recommend/index.ts';
import { createRehearsalRoutes } from './rehearse/index.ts';
import { createWhiskerConfigRoutes, createWhiskerRoutes } from './whisker/index.ts';

export interface AppDeps {
  store: VerdictFlowStore;
  evaluator: () => Evaluator;
  pipeline: IngestPipeline;
  metrics: Metrics;
  log: Logger;
  cors: readonly string[];
  /** The built web UI; a hint page is served when it is missing. */
  webDir: string;
  ready: () => boolean;
  /** Where the cluster state comes from; for /readyz, the UI header and /api/v1/cluster/status. */
  clusterStatus?: () => ClusterStatusResponse;
  /** False while flows cannot reach the store (they wait in a local buffer); /readyz then says so. */
  writable?: () => boolean;
  /** Whether the store takes writes; a fault makes /readyz answer 503 with its cause. */
  health?: StoreHealth;
  /** Host names answered besides the loopback names (DNS rebinding defence). */
  allowedHosts?: readonly string[];
  /** The Goldmane tail's state, when Verdict tails one; on /readyz (not a condition of readiness). */
  goldmaneTail?: () => TailStatus | undefined;
  /** Body limits of POST /api/v1/ingest (default 64 MiB, 1 MiB per line). */
  ingestLimits?: IngestLimits;
  /** Who may read and write; without it (or without an auth mode in it) everything is open. */
  access?: AccessOptions;
  /** Flows queued per stream client before a gap (default: each route's own). */
  streamBuffer?: number;
  /** Imported DNS answers (POST /api/v1/dns); default: a table in memory kept for a week. */
  dns?: DnsAnswers;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const authenticated = deps.access?.tokens !== undefined || deps.access?.proxy !== undefined;
  app.use(
    '*',
    securityGuard({
      allowedHosts: deps.allowedHosts ?? [],
      // Probes and (when it needs credentials) Prometheus reach the pod by its IP address.
      anyHostPaths: authenticated ? [...OPEN_PATHS, '/metrics'] : OPEN_PATHS,
      formPaths: ['/signin', '/signout'],
    }),
  );
  app.use('*', accessControl(deps.access ?? { allowWrites: true, secureCookie: false }));
  app.use('/api/v1/*', timeQueries(deps.metrics));
  app.use('/whisker-backend/*', timeQueries(deps.metrics));
  app.route(
    '/whisker-backend',
    createWhiskerRoutes({
      store: deps.store,
      cors: [...deps.cors],
      log: deps.log,
      metrics: deps.metrics,
      calicoVersion: () => deps.evaluator().calicoVersion,
      ...(deps.streamBuffer !== undefined ? { sseBuffer: deps.streamBuffer } : {}),
    }),
  );
  app.route('/', createWhiskerConfigRoutes());
  app.post('/api/v1/ingest', (c) =>
    ingestNdjson(c.req.raw, deps.pipeline, deps.ingestLimits, (n) =>
      deps.metrics.ingestDropped('ndjson', 'invalid-flow', n),
    ),
  );
  const dns = deps.dns ?? new DnsAnswers({ retentionSeconds: 7 * 86_400 });
  app.route('/api/v1', createDnsRoutes({ answers: dns, log: deps.log }));
  app.route(
    '/api/v1',
    createInsightsRoutes({ store: deps.store, evaluator: deps.evaluator, log: deps.log, dns: () => dns.byName() }),
  );
  app.route(
    '/api/v1/recommendations',
    createRecommendRoutes({ store: deps.store, evaluator: deps.evaluator, log: deps.log }),
  );
  app.route('/api/v1', createRehearsalRoutes({ store: deps.store, evaluator: deps.evaluator, log: deps.log }));
  const clusterStatus =
    deps.clusterStatus ??
    ((): ClusterStatusResponse => ({
      source: 'files',
      server: '',
      ready: true,
      kinds: [],
      warnings: [],
      lagMs: 0,
      calico: { version: deps.evaluator().calicoVersion, from: 'default' },
    }));
  app.route('/api/v1', createChangeRoutes({ store: deps.store, clusterStatus, log: deps.log }));
  app.route('/api/v1', createPolicyRoutes({ evaluator: deps.evaluator, log: deps.log }));
  app.route(
    '/api/v1',
    createApiRoutes({
      store: deps.store,
      evaluator: deps.evaluator,
      metrics: deps.metrics,
      log: deps.log,
      ...(deps.streamBuffer !== undefined ? { sseBuffer: deps.streamBuffer } : {}),
    }),
  );
  app.get('/metrics', async (c) => c.body(await deps.metrics.scrape(), 200, { 'content-type': CONTENT_TYPE }));
  app.get('/livez', (c) => c.json({ status: 'ok' }));
  // Not ready until the server is up, the store takes writes and, for a live cluster, every served kind has synced.
  app.get('/readyz', (c) => {
    if (!deps.ready()) return c.json({ status: 'starting' }, 503);
    const fault = deps.health?.fault();
    if (fault) return c.json({ status: 'not-ready', cause: fault.code, message: fault.message }, 503);
    if (deps.writable && !deps.writable()) {
      return c.json(
        { status: 'not-ready-for-writes', message: 'the flow store is unreachable; flows wait in the local buffer' },
        503,
      );
    }
    const cluster = clusterStatus();
    // Verdict serves its history while Goldmane is away, so the tail is reported, not waited for.
    const tail = deps.goldmaneTail?.();
    const body = {
      status: cluster.ready ? 'ready' : 'starting',
      warnings: [
        ...cluster.warnings,
        ...(tail && tail.state !== 'streaming'
          ? [`Goldmane ${tail.target}: ${tail.state}${tail.lastError ? `: ${tail.lastError}` : ''}`]
          : []),
      ],
      ...(tail ? { goldmane: tail } : {}),
      ...(cluster.kinds.length > 0
        ? {
            kinds: cluster.kinds.map((k) => ({
              kind: k.kind,
              state: k.state,
              lastEventTime: k.lastEventTime === null ? null : new Date(k.lastEventTime).toISOString(),
            })),
          }
        : {}),
    };
    return c.json(body, cluster.ready ? 200 : 503);
  });
  serveWeb(app, deps.webDir);
  return app;
}

function serveWeb(app: Hono, webDir: string): void {
  const index = join(webDir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', (c) =>
      c.text(
        `The web UI is not built yet. Run "npm run build -w @verdict/web" and reload.\nThe APIs are at /api/v1 and /whisker-backend.`,
      ),
    );
    return;
  }
  const html = readFileSync(index, 'utf8');
  app.use('/assets/*', serveStatic({ root: webDir }));
  app.get('/favicon.svg', serveStatic({ root: webDir }));
  // Single-page app: every other GET that is not an API path gets index.html.
  app.get('*', (c) => c.html(html));
}
