import { describe, expect, it } from 'vitest';
import { mergeGaps, parseStreamGap } from './streamGap.ts';

describe('streamGap > parseStreamGap', () => {
  it('reads the server gap event', () => {
    expect(parseStreamGap('{"missed":980,"startTimeGte":1800000000,"startTimeLt":1800000015}')).toEqual({
      missed: 980,
      startTimeGte: 1_800_000_000,
      startTimeLt: 1_800_000_015,
    });
  });

  it('refuses anything else', () => {
    for (const bad of [
      'not json',
      'null',
      '[]',
      '{"missed":0,"startTimeGte":1,"startTimeLt":2}',
      '{"missed":-3,"startTimeGte":1,"startTimeLt":2}',
      '{"missed":"5","startTimeGte":1,"startTimeLt":2}',
      '{"missed":5,"startTimeGte":10,"startTimeLt":2}',
      '{"missed":1.5,"startTimeGte":1,"startTimeLt":2}',
      '{"missed":5}',
    ])
      expect(parseStreamGap(bad), bad).toBeNull();
  });
});

describe('streamGap > mergeGaps', () => {
  it('adds the counts and covers both spans', () => {
    const first = { missed: 10, startTimeGte: 100, startTimeLt: 115 };
    expect(mergeGaps(null, first)).toBe(first);
    expect(mergeGaps(first, { missed: 5, startTimeGte: 130, startTimeLt: 145 })).toEqual({
      missed: 15,
      startTimeGte: 100,
      startTimeLt: 145,
    });
  });
});
