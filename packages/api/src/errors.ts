// The error body of /api/v1 and the one table from error code to HTTP status.
import { z } from 'zod';
import { issueSchema } from './policy.ts';

/** Every code an /api/v1 error carries, with its HTTP status. */
export const API_ERROR_STATUS = {
  'invalid-filter': 400,
  'invalid-parameter': 400,
  'invalid-range': 400,
  'unsupported-sort': 400,
  'invalid-policies': 400,
  'invalid-change-set': 400,
  /** A DNS answers import (POST /api/v1/dns) with a line that is not a valid answer; nothing was stored. */
  'invalid-dns-answers': 400,
  'not-found': 404,
  'unresolvable-flow': 409,
  unavailable: 503,
  /** A store query ran over its time budget. */
  'query-timeout': 503,
  /** Writes are refused while the store is unhealthy (corrupt file, disk full). */
  'not-ready': 503,
  overloaded: 503,
  'too-large': 413,
  'line-too-long': 413,
  'unsupported-media-type': 415,
  /** A write from another site (Origin / Sec-Fetch-Site). */
  'cross-site': 403,
  /** A Host header that is not one of the configured names (DNS rebinding). */
  'invalid-host': 421,
  unauthorized: 401,
  /** Writes are off (`--allow-writes`), or the caller lacks the write role. */
  forbidden: 403,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;
export const API_ERROR_CODES = Object.keys(API_ERROR_STATUS) as ApiErrorCode[];

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(API_ERROR_CODES as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string(),
      /** The parameter or field at fault, e.g. `filters.sourceSelector`. */
      path: z.string().optional(),
      /** Every issue of submitted YAML that does not load (invalid-change-set, invalid-policies). */
      issues: z.array(issueSchema).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ApiErrorBody = z.infer<typeof errorBodySchema>;
/** The error body of submitted YAML that does not load (codes invalid-change-set, invalid-policies). */
export type ApiIssuesErrorBody = ApiErrorBody;
