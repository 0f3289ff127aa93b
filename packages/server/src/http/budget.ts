// Time budgets for store queries, and cancellation when the client goes away.

/** How long one HTTP query may scan the store before it is stopped with a 503. */
export const QUERY_BUDGET_MS = 10_000;

/** The reason a query's signal carries when its budget ran out. */
export class QueryTimeout extends Error {
  override readonly name = 'QueryTimeout';
  constructor(readonly budgetMs: number) {
    super(`the query ran over its ${budgetMs / 1000} s budget; narrow the time range or the filters`);
  }
}

/** The reason a query's signal carries when the client disconnected. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
  constructor() {
    super('the client went away');
  }
}

/** Aborts when the request's client disconnects or after `budgetMs`, whichever comes first. */
export function querySignal(request: Request, budgetMs = QUERY_BUDGET_MS): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new QueryTimeout(budgetMs)), budgetMs);
  timer.unref();
  const gone = () => controller.abort(new ClientGone());
  if (request.signal.aborted) gone();
  else request.signal.addEventListener('abort', gone, { once: true });
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return controller.signal;
}

/** The cause of a `cancelled` store error, when it was a budget or a disconnect. */
export function cancelCause(e: unknown): QueryTimeout | ClientGone | undefined {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  return cause instanceof QueryTimeout || cause instanceof ClientGone ? cause : undefined;
}
