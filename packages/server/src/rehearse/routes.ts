// POST /api/v1/rehearsals (change set + time range → impact report, as a job with progress) and
// POST /api/v1/promote (staged policies → the enforced YAML and deletions to apply).
import { decodeJson, promoteRequestSchema, rehearsalRequestSchema, type WireIssue } from '@verdict/api';
import type { Evaluator } from '@verdict/engine';
import { type FlowStore, normalizeRange } from '@verdict/flows';
import { type ImpactReport, parseChangeSet, promote, rehearseStore } from '@verdict/rehearse';
import { type Context, Hono } from 'hono';
import type { z } from 'zod';
import { ApiError, respondWithError } from '../api/errors.ts';

export interface RehearsalDeps {
  store: FlowStore;
  /** The current compiled cluster; read once per rehearsal. */
  evaluator: () => Evaluator;
  now?: () => number;
  log?: Pick<Console, 'error'>;
  /** Finished rehearsals kept for GET (default 50, oldest dropped first). */
  keep?: number;
}

export interface Rehearsal {
  id: string;
  status: 'running' | 'done' | 'failed';
  progress: { done: number; total: number | null };
  report?: ImpactReport;
  error?: { code: string; message: string };
}

/** Routes relative to /api/v1: mount with `app.route('/api/v1', createRehearsalRoutes(deps))` before the API catch-all. */
export function createRehearsalRoutes(deps: RehearsalDeps): Hono {
  const now = () => Math.floor(deps.now?.() ?? Date.now() / 1000);
  const jobs = new Map<string, Rehearsal>();
  const keep = deps.keep ?? 50;
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  app.post('/rehearsals', async (c) => {
    const body = await jsonBody(c, rehearsalRequestSchema);
    const changeSet = loadChangeSet(body.changeSet);
    const range = normalizeRange({ gte: body.start, lt: body.end }, now());
    if (!range.ok) throw new ApiError('invalid-range', range.error.message, 'start');
    const allowBreaking = body.allowBreaking;
    const job: Rehearsal = { id: crypto.randomUUID(), status: 'running', progress: { done: 0, total: null } };
    jobs.set(job.id, job);
    for (const id of jobs.keys()) if (jobs.size > keep) jobs.delete(id);
    const finished = rehearseStore({
      store: deps.store,
      range: range.value,
      before: deps.evaluator(),
      changeSet,
      ...(allowBreaking ? { allowBreaking } : {}),
      onProgress: (p) => {
        job.progress = { done: p.done, total: p.total ?? null };
      },
    }).then(
      (result) => {
        if (result.ok) {
          job.status = 'done';
          job.report = result.value;
        } else {
          job.status = 'failed';
          job.error = { code: 'invalid-parameter', message: result.error.message };
        }
      },
      (e: unknown) => {
        job.status = 'failed';
        job.error = { code: 'internal', message: e instanceof Error ? e.message : String(e) };
        (deps.log ?? console).error(`rehearsal ${job.id} failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
      },
    );
    if (c.req.query('wait') !== 'true') return c.json(job, 202, { location: `/api/v1/rehearsals/${job.id}` });
    await finished;
    if (job.status === 'failed' && job.error?.code === 'invalid-parameter')
      throw new ApiError('invalid-parameter', job.error.message, 'allowBreaking');
    return c.json(job, job.status === 'done' ? 200 : 500);
  });

  app.get('/rehearsals/:id', (c) => {
    const job = jobs.get(c.req.param('id'));
    if (!job)
      throw new ApiError('not-found', `no rehearsal ${c.req.param('id')} (finished ones are kept for a while)`, 'id');
    return c.json(job);
  });

  app.post('/promote', async (c) => {
    const body = await jsonBody(c, promoteRequestSchema);
    return c.json(promote(loadChangeSet(body.changeSet)));
  });

  return app;
}

/** The JSON body decoded with its schema; a problem is a 400 naming the field. */
async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const decoded = decodeJson(schema, await c.req.text(), 'body');
  if (!decoded.ok) {
    const first = decoded.error[0] as WireIssue;
    // A field's issue is named by the field alone (`start`, `allowBreaking`), as the request documents it.
    const path = first.path.startsWith('body.') ? first.path.slice('body.'.length) : first.path;
    throw new ApiError(
      'invalid-parameter',
      path === first.path ? first.message : first.message.slice('body.'.length),
      path,
    );
  }
  return decoded.value;
}

/** A change set that does not load is a 400 `invalid-change-set` with every issue, positioned for the editor. */
function loadChangeSet(text: string) {
  const parsed = parseChangeSet([{ file: 'changeSet', text }]);
  if (!parsed.ok) {
    const issues = parsed.error;
    const first = issues.find((i) => i.severity === 'error') ?? issues[0];
    const message = `changeSet: ${first ? `${first.path || first.file}: ${first.message}` : 'invalid'}`;
    throw new ApiError('invalid-change-set', message, undefined, issues);
  }
  return parsed.value;
}
