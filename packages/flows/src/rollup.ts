// Roll-up levels shared by every store: which bucket widths exist, how long each is kept, and how
// a query range is split over them so that every part is answered exactly at the coarsest level.
import type { TimeRange } from './store.ts';
import { BUCKET_SECONDS } from './time.ts';

export interface RollupLevel {
  /** Bucket width in seconds; each level's width is a multiple of the finer level's. */
  readonly seconds: number;
  /**
   * How long buckets of this level are kept once the next level holds them, in seconds before the
   * clock; `undefined` for the coarsest level, which is kept for the whole retention period.
   */
  readonly keepSeconds: number | undefined;
}

/** Finest first: 15 s for the last hour, 1 min for a day, 5 min for the retention period. */
export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { seconds: BUCKET_SECONDS, keepSeconds: 3600 },
  { seconds: 60, keepSeconds: 86_400 },
  { seconds: 300, keepSeconds: undefined },
];

/**
 * Seconds a level's bucket must have ended before the clock before it is rolled up into that level.
 * Later flows for a rolled-up bucket are still counted: stores add them to every level already holding it.
 */
export const ROLLUP_SETTLE_SECONDS = 60;

/** Start of the bucket of width `seconds` that contains `t`. */
export function levelBucketStart(t: number, seconds: number): number {
  return Math.floor(t / seconds) * seconds;
}

/**
 * What a store holds completely at one level: every bucket starting in `[from, until)` has all its
 * flows at this level (the finest level's `until` is unbounded). Bounds are aligned to the level's width.
 */
export interface LevelCoverage {
  from: number;
  until: number;
}

/** A part of a query range answered at one level: buckets of that level starting in `[gte, lt)`. */
export interface RangeSegment {
  /** Index into ROLLUP_LEVELS. */
  level: number;
  seconds: number;
  gte: number;
  lt: number;
}

export interface RangePlan {
  /** Disjoint, in time order, together covering what the range asks for at the plan's resolution. */
  segments: RangeSegment[];
  /** Width in seconds of the coarsest level the plan uses: the time resolution of its answer. */
  resolution: number;
}

/**
 * Splits `range` over the levels: the coarsest level answers the largest part of the range whose
 * bounds fall on its bucket boundaries and that it holds completely; finer levels answer the edges,
 * recursively. An edge that no finer level holds any more (older than its keep time) adds nothing:
 * the coarse bucket containing `gte` starts before it and is left out, as a 15 s bucket starting
 * before `gte` always is. So every counter is exact at the plan's resolution: it sums the 15 s
 * buckets of the range whose coarse bucket lies in it. A segment's `lt` is off its level's boundary
 * only for such a tail: there, as everywhere, a bucket starting before `lt` qualifies its key but is
 * counted only when it ends by `lt`. `coverage` has one entry per level; a store that only keeps 15 s
 * buckets passes one entry. Every level's `from` must lie on a boundary of the coarsest level.
 */
export function planRange(
  range: TimeRange,
  coverage: readonly LevelCoverage[],
  levels: readonly RollupLevel[] = ROLLUP_LEVELS,
): RangePlan {
  const segments: RangeSegment[] = [];
  const cover = (gte: number, lt: number, level: number): void => {
    if (gte >= lt) return;
    const seconds = levels[level]!.seconds;
    const held = coverage[level];
    if (level === 0) {
      const from = Math.max(gte, held?.from ?? gte);
      if (from < lt) segments.push({ level, seconds, gte: from, lt });
      return;
    }
    const a = held ? Math.max(Math.ceil(gte / seconds) * seconds, held.from) : lt;
    const b = held ? Math.min(levelBucketStart(lt, seconds), held.until) : lt;
    if (a >= b) {
      cover(gte, lt, level - 1);
      return;
    }
    cover(gte, a, level - 1);
    const segment = { level, seconds, gte: a, lt: b };
    segments.push(segment);
    const before = segments.length;
    cover(b, lt, level - 1);
    // A tail no finer level holds: the coarse bucket starting in it qualifies its keys, uncounted.
    if (segments.length === before && b < lt && b < held.until) segment.lt = lt;
  };
  cover(range.gte, range.lt, levels.length - 1);
  const merged: RangeSegment[] = [];
  for (const s of segments) {
    const last = merged[merged.length - 1];
    if (last && last.level === s.level && last.lt === s.gte) last.lt = s.lt;
    else merged.push({ ...s });
  }
  if (merged.length > 0) return { segments: merged, resolution: Math.max(...merged.map((s) => s.seconds)) };
  // Nothing held answers the range: it lies inside one coarse bucket that starts before it.
  const holding = levels.findIndex((_, l) => {
    const c = coverage[l];
    return c !== undefined && range.gte >= c.from && range.gte < c.until;
  });
  return { segments: [], resolution: levels[holding === -1 ? levels.length - 1 : holding]!.seconds };
}

/**
 * Splits a stream backfill `range` over the levels, finest first: each part is read from the finest
 * level that still holds it, so a recent backfill is all 15 s buckets and an older one continues at
 * 1 min and then 5 min where the finer buckets have been pruned. A coarser level starts at its bucket
 * containing `range.gte`, as the 15 s backfill starts at the bucket containing it. In time order.
 */
export function planBackfill(
  range: TimeRange,
  coverage: readonly LevelCoverage[],
  levels: readonly RollupLevel[] = ROLLUP_LEVELS,
): RangeSegment[] {
  const segments: RangeSegment[] = [];
  let lt = range.lt;
  for (let level = 0; level < levels.length && range.gte < lt; level++) {
    const held = coverage[level];
    if (!held) continue;
    const seconds = levels[level]!.seconds;
    const top = Math.min(lt, held.until);
    const gte = Math.max(levelBucketStart(range.gte, seconds), held.from);
    if (gte >= top) continue;
    segments.push({ level, seconds, gte, lt: top });
    lt = gte;
  }
  return segments.reverse();
}

/**
 * Per-key summaries of the coarsest level's windows over whole hours and whole days (SQLite keeps
 * them beside the levels): a summary row holds a key's summed counters, its first bucket and the
 * end of its last, and its labels and addresses only where its windows agree. It changes no answer
 * and no resolution; it only lets a range of many days read a row per key per day.
 */
export const SUMMARY_SECONDS: readonly number[] = [3600, 86_400];

/** A part of a coarsest-level segment: answered by summary `summary` (index into SUMMARY_SECONDS), or by the segment's own level. */
export interface SummaryPart {
  summary: number | undefined;
  seconds: number;
  gte: number;
  lt: number;
}

/**
 * Splits `segment` (of the coarsest level) into the longest runs of whole summary buckets that
 * `coverage` (one entry per summary level, [from, until) of its bucket starts) holds, coarsest
 * first, and the segment's own buckets for the edges. A summary part ends no later than the
 * segment's `lt`, so every window in it ends inside the range and is counted; the segment's
 * uncounted tail, if any, stays in its last own part. In time order.
 */
export function splitBySummaries(
  segment: RangeSegment,
  coverage: readonly LevelCoverage[],
  summarySeconds: readonly number[] = SUMMARY_SECONDS,
): SummaryPart[] {
  const parts: SummaryPart[] = [];
  const cover = (gte: number, lt: number, s: number): void => {
    if (gte >= lt) return;
    const held = coverage[s];
    if (s < 0 || !held) {
      if (s < 0) parts.push({ summary: undefined, seconds: segment.seconds, gte, lt });
      else cover(gte, lt, s - 1);
      return;
    }
    const seconds = summarySeconds[s]!;
    const a = Math.max(Math.ceil(gte / seconds) * seconds, held.from);
    const b = Math.min(levelBucketStart(lt, seconds), held.until);
    if (a >= b) {
      cover(gte, lt, s - 1);
      return;
    }
    cover(gte, a, s - 1);
    parts.push({ summary: s, seconds, gte: a, lt: b });
    cover(b, lt, s - 1);
  };
  cover(segment.gte, segment.lt, summarySeconds.length - 1);
  return parts;
}
