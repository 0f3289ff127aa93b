// POST /api/v1/rehearsals (change set + time range → impact report, as a job with progress) and
// POST /api/v1/promote (staged policies → the enforced YAML and deletions to apply).
import type { Evaluator, Issue } from '@verdict/engine';
import { type FlowStore, normalizeRange } from '@verdict/flows';
import { type ImpactReport, parseChangeSet, promote, rehearseStore } from '@verdict/rehearse';
import { type Context, Hono } from 'hono';
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

/** A change set that does not load: every issue, positioned for the editor. */
class InvalidChangeSet extends ApiError {
  constructor(readonly issues: Issue[]) {
    const first = issues.find((i) => i.severity === 'error') ?? issues[0];
    super(
      400,
      'invalid-parameter',
      `changeSet: ${first ? `${first.path || first.file}: ${first.message}` : 'invalid'}`,
    );
  }
}

/** Routes relative to /api/v1: mount with `app.route('/api/v1', createRehearsalRoutes(deps))` before the API catch-all. */
export function createRehearsalRoutes(deps: RehearsalDeps): Hono {
  const now = () => Math.floor(deps.now?.() ?? Date.now() / 1000);
  const jobs = new Map<string, Rehearsal>();
  const keep = deps.keep ?? 50;
  const app = new Hono();
  const onError = respondWithError(deps.log ?? console);
  app.onError((e, c) =>
    e instanceof InvalidChangeSet
      ? c.json({ error: { code: 'invalid-change-set', message: e.message, issues: e.issues } }, 400)
      : onError(e, c),
  );

  app.post('/rehearsals', async (c) => {
    const body = await jsonBody(c);
    const changeSet = loadChangeSet(body.changeSet);
    const range = normalizeRange({ gte: intField(body, 'start'), lt: intField(body, 'end') }, now());
    if (!range.ok) throw new ApiError(400, 'invalid-range', range.error.message, 'start');
    const allowBreaking = body.allowBreaking;
    if (
      allowBreaking !== undefined &&
      !(Array.isArray(allowBreaking) && allowBreaking.every((s) => typeof s === 'string'))
    )
      throw new ApiError(
        400,
        'invalid-parameter',
        'allowBreaking: expected a list of Calico selectors',
        'allowBreaking',
      );
    const job: Rehearsal = { id: crypto.randomUUID(), status: 'running', progress: { done: 0, total: null } };
    jobs.set(job.id, job);
    for (const id of jobs.keys()) if (jobs.size > keep) jobs.delete(id);
    const finished = rehearseStore({
      store: deps.store,
      range: range.value,
      before: deps.evaluator(),
      changeSet,
      ...(allowBreaking ? { allowBreaking: allowBreaking as string[] } : {}),
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
      throw new ApiError(400, 'invalid-parameter', job.error.message, 'allowBreaking');
    return c.json(job, job.status === 'done' ? 200 : 500);
  });

  app.get('/rehearsals/:id', (c) => {
    const job = jobs.get(c.req.param('id'));
    if (!job)
      throw new ApiError(
        404,
        'not-found',
        `no rehearsal ${c.req.param('id')} (finished ones are kept for a while)`,
        'id',
      );
    return c.json(job);
  });

  app.post('/promote', async (c) => {
    const body = await jsonBody(c);
    return c.json(promote(loadChangeSet(body.changeSet)));
  });

  return app;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError(400, 'invalid-parameter', 'body: expected a JSON object');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'invalid-parameter', 'body: expected a JSON object');
  return body as Record<string, unknown>;
}

function loadChangeSet(text: unknown) {
  if (typeof text !== 'string')
    throw new ApiError(400, 'invalid-parameter', 'changeSet: expected the change set as a YAML string', 'changeSet');
  const parsed = parseChangeSet([{ file: 'changeSet', text }]);
  if (!parsed.ok) throw new InvalidChangeSet(parsed.error);
  return parsed.value;
}

function intField(body: Record<string, unknown>, name: string): number {
  const value = body[name] ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ApiError(
      400,
      'invalid-parameter',
      `${name}: expected Unix seconds (negative = seconds before now)`,
      name,
    );
  return value;
}
