// Bucket arithmetic and Goldmane's time-range conventions (calico-observability §2, §3.2).
import type { Result } from '@verdict/engine';
import type { TimeRange } from './store.ts';

/** Width of one aggregation bucket, in seconds. */
export const BUCKET_SECONDS = 15;
/** Goldmane's ring: 240 buckets of history, the filling bucket and one bucket ahead for clock skew. */
export const NUM_BUCKETS = 242;

/** Start of the 15 s bucket containing `t` (Unix seconds); boundaries are multiples of 15. */
export function bucketStart(t: number): number {
  return Math.floor(t / BUCKET_SECONDS) * BUCKET_SECONDS;
}

export interface TimeRangeError {
  message: string;
}

/**
 * Turns Goldmane's `start_time_gte` / `start_time_lt` into absolute seconds: 0 is the beginning of
 * history (`gte`) or now (`lt`; `gte` too when `forStream`), a negative value is seconds before `now`.
 * Fails with Goldmane's message when `gte >= lt` (never for streams, which have no upper bound).
 */
export function normalizeRange(
  range: { gte?: number; lt?: number },
  now: number,
  options: { forStream?: boolean; beginningOfHistory?: number } = {},
): Result<TimeRange, TimeRangeError> {
  const rawGte = range.gte ?? 0;
  const rawLt = range.lt ?? 0;
  const gte =
    rawGte === 0 ? (options.forStream ? now : (options.beginningOfHistory ?? 0)) : rawGte < 0 ? now + rawGte : rawGte;
  const lt = rawLt === 0 ? now : rawLt < 0 ? now + rawLt : rawLt;
  if (options.forStream) return { ok: true, value: { gte, lt: Math.max(lt, gte + 1) } };
  if (gte >= lt)
    return { ok: false, error: { message: `startTimeGte (${gte}) must be less than startTimeLt (${lt})` } };
  return { ok: true, value: { gte, lt } };
}
