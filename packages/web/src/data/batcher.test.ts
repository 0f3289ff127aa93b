import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher } from './batcher.ts';

describe('batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('flushes everything queued once per interval, in order', () => {
    const batches: number[][] = [];
    const b = createBatcher<number>((items) => batches.push(items), 500);
    b.push(1);
    b.push(2);
    vi.advanceTimersByTime(499);
    expect(batches).toEqual([]);
    b.push(3);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2, 3]]);
    b.push(4);
    vi.advanceTimersByTime(500);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('does not call back with an empty batch', () => {
    const onFlush = vi.fn();
    const b = createBatcher<number>(onFlush, 500);
    b.flush();
    vi.advanceTimersByTime(2000);
    expect(onFlush).not.toHaveBeenCalled();
  });

  it('bounds the queue by dropping the oldest', () => {
    const batches: number[][] = [];
    const b = createBatcher<number>((items) => batches.push(items), 500, 3);
    for (let i = 1; i <= 5; i++) b.push(i);
    b.flush();
    expect(batches).toEqual([[3, 4, 5]]);
  });

  it('ignores pushes after dispose', () => {
    const onFlush = vi.fn();
    const b = createBatcher<number>(onFlush, 500);
    b.push(1);
    b.dispose();
    b.push(2);
    vi.advanceTimersByTime(1000);
    expect(onFlush).not.toHaveBeenCalled();
    expect(b.size).toBe(0);
  });
});
