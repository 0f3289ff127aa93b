// The one error type of /api/v1: handlers throw it, `respondWithError` turns it (and anything
// else) into `{ error: { code, message, path? } }` in one place.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorBody } from './types.ts';

export type ApiErrorCode =
  | 'invalid-filter'
  | 'invalid-parameter'
  | 'invalid-range'
  | 'unsupported-sort'
  | 'not-found'
  | 'invalid-policies'
  | 'unresolvable-flow'
  | 'unavailable'
  | 'query-timeout'
  | 'too-large'
  | 'unsupported-media-type'
  | 'cross-site'
  | 'forbidden'
  | 'unauthorized'
  | 'not-ready'
  | 'internal';

/** A failed request: HTTP status, a stable code, a message naming what and where, and the parameter path. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

export const badRequest = (code: ApiErrorCode, message: string, path?: string): ApiError =>
  new ApiError(400, code, message, path);

export function errorBody(e: ApiError): ApiErrorBody {
  return {
    error:
      e.path === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, path: e.path },
  };
}

/** The `onError` handler: ApiErrors as they are, everything else as a logged 500 without details. */
export function respondWithError(log: Pick<Console, 'error'>) {
  return (e: Error, c: Context): Response => {
    if (e instanceof ApiError) return c.json(errorBody(e), e.status);
    log.error(`api: ${c.req.method} ${c.req.path} failed: ${e.stack ?? e.message}`);
    return c.json(errorBody(new ApiError(500, 'internal', 'internal server error')), 500);
  };
}
