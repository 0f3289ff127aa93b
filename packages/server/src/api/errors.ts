// The one error type of /api/v1 and the one place errors become HTTP responses: handlers throw an
// ApiError (or let a library error through), `respondWithError` maps it to its status and
// `{ error: { code, message, path?, issues? } }`.
import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode, type ApiIssue, type WireIssue } from '@verdict/api';
import { isFlowStoreError } from '@verdict/flows';
import type { Context } from 'hono';
import { isStorageError } from '../health/index.ts';

/** A failed request: a stable code (which fixes the HTTP status), a message naming what and where, and the parameter path. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly path?: string,
    /** Every problem of submitted YAML (invalid-change-set, invalid-policies). */
    readonly issues?: readonly ApiIssue[],
  ) {
    super(message);
  }

  get status(): (typeof API_ERROR_STATUS)[ApiErrorCode] {
    return API_ERROR_STATUS[this.code];
  }
}

export const badRequest = (code: ApiErrorCode, message: string, path?: string): ApiError =>
  new ApiError(code, message, path);

/** A decoding issue of a parameter or body, as a 400 with `code`. */
export const invalidInput = (code: ApiErrorCode, issue: WireIssue): ApiError =>
  new ApiError(code, issue.message, issue.path);

/**
 * A library error as an ApiError: store rejections caused by the query are 400s (paths under
 * `filter.` become `filters.`), a closed store is 503. Anything else is returned as it is.
 */
export function fromLibraryError(e: unknown): unknown {
  if (isStorageError(e)) {
    return new ApiError('not-ready', `the flow database failed (${(e as Error).message}); /readyz says what to do`);
  }
  if (e instanceof ApiError || !isFlowStoreError(e)) return e;
  if (e.code === 'closed') return new ApiError('unavailable', 'the flow store is closed');
  if (e.code === 'cancelled') return new ApiError('query-timeout', e.message);
  const path = e.path.startsWith('filter.') ? `filters.${e.path.slice('filter.'.length)}` : e.path || undefined;
  const code: ApiErrorCode =
    e.code === 'invalid-filter' || e.code === 'unsupported-sort' || e.code === 'invalid-range'
      ? e.code
      : 'invalid-parameter';
  return new ApiError(code, e.message, path);
}

/** Awaits a library call, turning its errors into ApiErrors. */
export async function libraryCall<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (e) {
    throw fromLibraryError(e);
  }
}

export function errorBody(e: ApiError): ApiErrorBody {
  const error: ApiErrorBody['error'] = { code: e.code, message: e.message };
  if (e.path !== undefined) error.path = e.path;
  if (e.issues !== undefined) error.issues = [...e.issues];
  return { error };
}

/** The `onError` handler: ApiErrors and library errors by their code, everything else as a logged 500 without details. */
export function respondWithError(log: Pick<Console, 'error'>) {
  return (e: Error, c: Context): Response => {
    const mapped = fromLibraryError(e);
    if (mapped instanceof ApiError) return c.json(errorBody(mapped), mapped.status);
    log.error(`api: ${c.req.method} ${c.req.path} failed: ${e.stack ?? e.message}`);
    return c.json(errorBody(new ApiError('internal', 'internal server error')), 500);
  };
}
