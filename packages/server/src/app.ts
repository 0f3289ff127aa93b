// The HTTP surface on one port: whisker-backend, Verdict's REST API, ingest, metrics, health and
// the web UI.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Evaluator } from '@verdict/engine';
import type { Flow, RawFlow, VerdictFlowStore } from '@verdict/flows';
import { Hono } from 'hono';
import { createApiRoutes } from './api/index.ts';
import { IngestOverloaded, type IngestPipeline } from './ingest/index.ts';
import { parseFlowLine } from './ingest/ndjson.ts';
import { createInsightsRoutes } from './insights/index.ts';
import type { Logger } from './log.ts';
import { type Metrics, timeQueries } from './metrics/index.ts';
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
}

/** Largest NDJSON body accepted by POST /api/v1/ingest. */
const MAX_INGEST_BYTES = 64 * 1024 * 1024;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('/api/v1/*', timeQueries(deps.metrics));
  app.use('/whisker-backend/*', timeQueries(deps.metrics));
  app.route('/whisker-backend', createWhiskerRoutes({ store: deps.store, cors: [...deps.cors], log: deps.log }));
  app.route('/', createWhiskerConfigRoutes());
  app.post('/api/v1/ingest', (c) => ingestNdjson(c.req.raw, deps));
  app.route('/api/v1/insights', createInsightsRoutes({ store: deps.store, evaluator: deps.evaluator, log: deps.log }));
  app.route(
    '/api/v1/recommendations',
    createRecommendRoutes({ store: deps.store, evaluator: deps.evaluator, log: deps.log }),
  );
  app.route('/api/v1', createRehearsalRoutes({ store: deps.store, evaluator: deps.evaluator, log: deps.log }));
  app.route('/api/v1', createPolicyRoutes({ evaluator: deps.evaluator, log: deps.log }));
  app.route(
    '/api/v1',
    createApiRoutes({ store: deps.store, evaluator: deps.evaluator, metrics: deps.metrics, log: deps.log }),
  );
  app.get('/metrics', (c) => c.text(deps.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  app.get('/livez', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => (deps.ready() ? c.json({ status: 'ready' }) : c.json({ status: 'starting' }, 503)));
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

/** POST /api/v1/ingest: one flow per line; every bad line is reported with its number, the rest are stored. */
async function ingestNdjson(request: Request, deps: AppDeps): Promise<Response> {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_INGEST_BYTES) {
    return Response.json(
      { error: { code: 'too-large', message: `body over ${MAX_INGEST_BYTES} bytes: split the file` } },
      { status: 413 },
    );
  }
  const text = await request.text();
  const now = Math.floor(Date.now() / 1000);
  const raws: RawFlow[] = [];
  const flows: Flow[] = [];
  const errors: { line: number; message: string }[] = [];
  const rawLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = parseFlowLine(line, now);
    if (parsed.kind === 'error') errors.push({ line: i + 1, message: parsed.message });
    else if (parsed.kind === 'raw') {
      raws.push(parsed.raw);
      rawLines.push(i + 1);
    } else flows.push(parsed.flow);
  });
  try {
    const report = await deps.pipeline.submitRaw(raws, 'ndjson');
    for (const error of report.errors) errors.push({ line: rawLines[error.index] ?? 0, message: error.message });
    await deps.pipeline.submitFlows(flows, 'ndjson');
    errors.sort((a, b) => a.line - b.line);
    return Response.json({
      stored: report.stored + flows.length,
      rejected: errors.length,
      errors: errors.slice(0, 100),
    });
  } catch (error) {
    if (error instanceof IngestOverloaded) {
      return Response.json(
        { error: { code: 'overloaded', message: error.message } },
        { status: 503, headers: { 'retry-after': '5' } },
      );
    }
    throw error;
  }
}
