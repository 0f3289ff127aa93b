import { describe, expect, it } from 'vitest';
import { BUCKET_SECONDS, bucketStart, normalizeRange } from './time.ts';

describe('bucketStart', () => {
  it('aligns to multiples of 15 s of Unix time', () => {
    expect(BUCKET_SECONDS).toBe(15);
    expect(bucketStart(1_755_860_100)).toBe(1_755_860_100);
    expect(bucketStart(1_755_860_114.9)).toBe(1_755_860_100);
    expect(bucketStart(1_755_860_115)).toBe(1_755_860_115);
  });
});

describe('normalizeRange', () => {
  const now = 10_000;
  it('0 for gte is the beginning of history and 0 for lt is now', () => {
    expect(normalizeRange({ gte: 0, lt: 0 }, now)).toEqual({ ok: true, value: { gte: 0, lt: now } });
    expect(normalizeRange({ gte: 0, lt: 0 }, now, { beginningOfHistory: 6400 })).toEqual({
      ok: true,
      value: { gte: 6400, lt: now },
    });
  });
  it('negative values are relative seconds back from now', () => {
    expect(normalizeRange({ gte: -300, lt: -60 }, now)).toEqual({ ok: true, value: { gte: 9700, lt: 9940 } });
  });
  it('positive values are absolute', () => {
    expect(normalizeRange({ gte: 5000, lt: 6000 }, now)).toEqual({ ok: true, value: { gte: 5000, lt: 6000 } });
  });
  it('fails with Goldmane’s message when gte >= lt', () => {
    expect(normalizeRange({ gte: 6000, lt: 6000 }, now)).toEqual({
      ok: false,
      error: { message: 'startTimeGte (6000) must be less than startTimeLt (6000)' },
    });
    expect(normalizeRange({ gte: -10, lt: -20 }, now)).toEqual({
      ok: false,
      error: { message: 'startTimeGte (9990) must be less than startTimeLt (9980)' },
    });
  });
  it('for streams 0 means now (no backfill) and never fails', () => {
    const r = normalizeRange({ gte: 0 }, now, { forStream: true });
    expect(r.ok && r.value.gte).toBe(now);
    const past = normalizeRange({ gte: -300 }, now, { forStream: true });
    expect(past.ok && past.value.gte).toBe(9700);
  });
});
