import { describe, expect, it } from 'vitest';
import {
  type LevelCoverage,
  levelBucketStart,
  planBackfill,
  planRange,
  ROLLUP_LEVELS,
  splitBySummaries,
} from './rollup.ts';

/** A day boundary, so every level's buckets align on it. */
const D = 1_755_820_800;
const HOUR = 3600;
const DAY = 86_400;
/** A store 7 days old at `now`: 15 s for the last hour, 1 min for the last day, 5 min before, each rolled up to `done`. */
const coverageAt = (now: number, done = { m1: now - 120, m5: now - 600 }): LevelCoverage[] => [
  { from: levelBucketStart(now - HOUR, 60), until: Number.POSITIVE_INFINITY },
  { from: levelBucketStart(now - DAY, 300), until: levelBucketStart(done.m1, 60) },
  { from: now - 7 * DAY, until: levelBucketStart(done.m5, 300) },
];
const brief = (plan: ReturnType<typeof planRange>) => plan.segments.map((s) => [s.seconds, s.gte - D, s.lt - D]);

describe('roll-up levels', () => {
  it('are 15 s, 1 min and 5 min, each a multiple of the finer one, kept 1 h, 1 day and the retention', () => {
    expect(ROLLUP_LEVELS.map((l) => [l.seconds, l.keepSeconds])).toEqual([
      [15, 3600],
      [60, 86_400],
      [300, undefined],
    ]);
    for (let i = 1; i < ROLLUP_LEVELS.length; i++) {
      expect(ROLLUP_LEVELS[i]!.seconds % ROLLUP_LEVELS[i - 1]!.seconds).toBe(0);
    }
  });

  it('levelBucketStart aligns to the level width', () => {
    expect(levelBucketStart(D + 299, 300)).toBe(D);
    expect(levelBucketStart(D + 300, 300)).toBe(D + 300);
    expect(levelBucketStart(D + 59, 60)).toBe(D);
  });
});

describe('planRange', () => {
  it('a store holding only 15 s buckets answers every range at 15 s, in one segment', () => {
    const plan = planRange({ gte: D + 7, lt: D + 9000 }, [
      { from: Number.NEGATIVE_INFINITY, until: Number.POSITIVE_INFINITY },
    ]);
    expect(plan).toEqual({ segments: [{ level: 0, seconds: 15, gte: D + 7, lt: D + 9000 }], resolution: 15 });
  });

  it('a range aligned to 5 min inside the 5 min coverage is answered at 5 min alone', () => {
    const now = D + 7 * DAY;
    const plan = planRange({ gte: D + DAY, lt: D + 2 * DAY }, coverageAt(now));
    expect(plan.resolution).toBe(300);
    expect(brief(plan)).toEqual([[300, DAY, 2 * DAY]]);
  });

  it('edges not on a coarse boundary go to the finer levels that hold them', () => {
    const now = D + 7 * DAY;
    // Within the last day: the 1 min level holds everything, 15 s the last hour.
    const gte = now - 2 * HOUR + 30;
    const lt = now - 10;
    const plan = planRange({ gte, lt }, coverageAt(now));
    expect(plan.resolution).toBe(300);
    expect(brief(plan)).toEqual([
      [60, gte + 30 - D, gte - 30 + 300 - D],
      [300, gte - 30 + 300 - D, now - 600 - D],
      [60, now - 600 - D, now - 120 - D],
      [15, now - 120 - D, lt - D],
    ]);
  });

  it('segments are disjoint, in order, and cover the range from the rounded start up to lt', () => {
    const now = D + 7 * DAY + 37;
    const cov = coverageAt(now);
    for (const [gte, lt] of [
      [now - 7 * DAY, now],
      [now - 3 * DAY + 17, now - 2 * DAY - 3],
      [now - 50 * 60 + 1, now],
      [now - 90, now - 30],
      [now - DAY - 5, now - DAY + 400],
    ] as const) {
      const plan = planRange({ gte, lt }, cov);
      expect(plan.segments.length).toBeGreaterThan(0);
      for (let i = 1; i < plan.segments.length; i++) expect(plan.segments[i]!.gte).toBe(plan.segments[i - 1]!.lt);
      expect(plan.segments.at(-1)!.lt).toBe(lt);
      const first = plan.segments[0]!;
      // The start is gte itself, or gte rounded up to a boundary of the plan's resolution.
      expect(first.gte - gte).toBeGreaterThanOrEqual(0);
      expect(first.gte - gte).toBeLessThan(plan.resolution);
      for (const s of plan.segments) {
        expect(s.gte).toBeLessThan(s.lt);
        expect(s.seconds).toBe(ROLLUP_LEVELS[s.level]!.seconds);
        if (s.level > 0) {
          expect(s.gte % s.seconds).toBe(0);
          // Off the boundary only for an old tail that only this level holds.
          if (s.lt % s.seconds !== 0) expect([s, s.lt < cov[s.level - 1]!.from]).toEqual([plan.segments.at(-1), true]);
          expect(s.gte).toBeGreaterThanOrEqual(cov[s.level]!.from);
          expect(s.lt).toBeLessThanOrEqual(cov[s.level]!.until);
        } else {
          expect(s.gte).toBeGreaterThanOrEqual(cov[0]!.from);
        }
      }
    }
  });

  it('an old edge no finer level holds starts the answer at the next coarse boundary', () => {
    const now = D + 7 * DAY;
    const plan = planRange({ gte: D + 2 * DAY + 17, lt: D + 3 * DAY }, coverageAt(now));
    expect(brief(plan)).toEqual([[300, 2 * DAY + 300, 3 * DAY]]);
  });

  it('uses a finer level when the coarse one has not rolled up the range yet', () => {
    const now = D + 7 * DAY;
    const cov = coverageAt(now, { m1: now - 120, m5: now - 2 * DAY });
    const plan = planRange({ gte: now - 3 * HOUR, lt: now - 2 * HOUR }, cov);
    expect(brief(plan)).toEqual([[60, 7 * DAY - 3 * HOUR, 7 * DAY - 2 * HOUR]]);
    expect(plan.resolution).toBe(60);
  });

  it('the last minutes, not yet rolled up, are answered at 15 s', () => {
    const now = D + 7 * DAY;
    const plan = planRange({ gte: now - 90, lt: now }, coverageAt(now));
    expect(plan).toEqual({ segments: [{ level: 0, seconds: 15, gte: now - 90, lt: now }], resolution: 15 });
  });

  it('an old tail no finer level holds is the coarse bucket starting in it, to lt', () => {
    const now = D + 7 * DAY;
    const plan = planRange({ gte: D + 2 * DAY, lt: D + 2 * DAY + 610 }, coverageAt(now));
    expect(brief(plan)).toEqual([[300, 2 * DAY, 2 * DAY + 610]]);
  });

  it('a range inside one old coarse bucket is empty at that bucket’s resolution', () => {
    const now = D + 7 * DAY;
    const plan = planRange({ gte: D + 2 * DAY + 10, lt: D + 2 * DAY + 200 }, coverageAt(now));
    expect(plan).toEqual({ segments: [], resolution: 300 });
  });
});

describe('planBackfill', () => {
  const now = D + 7 * DAY;
  const coverage = coverageAt(now);
  const brief = (segments: ReturnType<typeof planBackfill>) => segments.map((s) => [s.seconds, s.gte - D, s.lt - D]);

  it('a backfill within the last hour is read at 15 s alone', () => {
    expect(brief(planBackfill({ gte: now - 1800, lt: now - 15 }, coverage))).toEqual([
      [15, now - 1800 - D, now - 15 - D],
    ]);
  });

  it('an older backfill continues at 1 min and 5 min where the finer buckets are gone, without gaps or overlaps', () => {
    const gte = now - 2 * DAY + 17;
    const segments = planBackfill({ gte, lt: now - 15 }, coverage);
    const m5 = levelBucketStart(gte, 300);
    expect(brief(segments)).toEqual([
      [300, m5 - D, coverage[1]!.from - D],
      [60, coverage[1]!.from - D, coverage[0]!.from - D],
      [15, coverage[0]!.from - D, now - 15 - D],
    ]);
  });

  it('starts a coarse level at its bucket containing the start, and reads nothing older than a level keeps', () => {
    const gte = now - 3 * HOUR + 7;
    expect(planBackfill({ gte, lt: now }, coverage)[0]).toMatchObject({ seconds: 60, gte: levelBucketStart(gte, 60) });
    expect(planBackfill({ gte: now - 30 * DAY, lt: now }, coverage)[0]).toMatchObject({
      seconds: 300,
      gte: now - 7 * DAY,
    });
  });
});

describe('splitBySummaries', () => {
  const segment = (gte: number, lt: number) => ({ level: 2, seconds: 300, gte, lt });
  const brief = (parts: ReturnType<typeof splitBySummaries>) => parts.map((p) => [p.seconds, p.gte - D, p.lt - D]);
  const held = (from: number, until: number): LevelCoverage[] => [
    { from: D + from, until: D + until },
    { from: D + levelBucketStart(from + DAY - 1, DAY), until: D + levelBucketStart(until, DAY) },
  ];

  it('reads whole days, then whole hours, then 5 min buckets at each edge, covering the segment once', () => {
    const parts = splitBySummaries(segment(D - 2 * HOUR - 600, D + 3 * DAY + HOUR + 900), held(-DAY, 4 * DAY));
    expect(brief(parts)).toEqual([
      [300, -2 * HOUR - 600, -2 * HOUR],
      [3600, -2 * HOUR, 0],
      [86_400, 0, 3 * DAY],
      [3600, 3 * DAY, 3 * DAY + HOUR],
      [300, 3 * DAY + HOUR, 3 * DAY + HOUR + 900],
    ]);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.gte).toBe(parts[i - 1]!.lt);
  });

  it('uses only what each summary level holds, and nothing when the segment holds no whole hour', () => {
    // Days summarised up to D + 2 days, hours up to D + 2 days + 5 h: the rest is 5 min buckets.
    const parts = splitBySummaries(segment(D, D + 3 * DAY), held(0, 2 * DAY + 5 * HOUR));
    expect(brief(parts)).toEqual([
      [86_400, 0, 2 * DAY],
      [3600, 2 * DAY, 2 * DAY + 5 * HOUR],
      [300, 2 * DAY + 5 * HOUR, 3 * DAY],
    ]);
    expect(brief(splitBySummaries(segment(D + 300, D + 3300), held(0, DAY)))).toEqual([[300, 300, 3300]]);
    expect(brief(splitBySummaries(segment(D, D + DAY), []))).toEqual([[300, 0, DAY]]);
  });

  it('keeps an uncounted tail off the 5 min boundary in the last 5 min part, never in a summary', () => {
    const parts = splitBySummaries(segment(D, D + HOUR + 7), held(0, DAY));
    expect(brief(parts)).toEqual([
      [3600, 0, HOUR],
      [300, HOUR, HOUR + 7],
    ]);
  });
});
