import { describe, expect, it } from 'vitest';
import type { ApiPolicyChange } from '../api/types.ts';
import {
  changeHref,
  changesWithin,
  historyRef,
  MAX_BINS,
  parseHistoryRef,
  timelineBins,
  timelineOffset,
} from './timeline.ts';

const flowAt = (startTime: number, action: 'Allow' | 'Deny' = 'Allow') => ({ startTime, action });

function change(id: number, timeSec: number, p: Partial<ApiPolicyChange> = {}): ApiPolicyChange {
  return {
    id,
    time: timeSec * 1000,
    op: 'modified',
    kind: 'GlobalNetworkPolicy',
    namespace: '',
    name: 'security.block-known-bad',
    resourceVersion: String(id),
    source: 'demo',
    before: null,
    after: null,
    diff: '',
    ...p,
  };
}

describe('timeline > timelineBins', () => {
  it('counts allowed and denied flows per 15 s bucket over a five-minute range', () => {
    const from = 1_800_000_000;
    const t = timelineBins([flowAt(from), flowAt(from + 14, 'Deny'), flowAt(from + 30, 'Deny')], from, from + 300);
    expect(t.binSeconds).toBe(15);
    expect(t.bins).toHaveLength(20);
    expect(t.bins[0]).toEqual({ start: from, allowed: 1, denied: 1 });
    expect(t.bins[1]).toEqual({ start: from + 15, allowed: 0, denied: 0 });
    expect(t.bins[2]).toEqual({ start: from + 30, allowed: 0, denied: 1 });
    expect(t.peak).toBe(2);
  });

  it('widens bins to whole buckets so a long range has at most MAX_BINS bars', () => {
    const t = timelineBins([], 0, 86_400);
    expect(t.bins.length).toBeLessThanOrEqual(MAX_BINS);
    expect(t.binSeconds % 15).toBe(0);
    expect(t.to).toBeGreaterThanOrEqual(86_400);
    expect(t.peak).toBe(0);
  });

  it('ignores flows outside the range and aligns the first bin to a bucket', () => {
    const t = timelineBins([flowAt(100, 'Deny'), flowAt(10_000)], 107, 200);
    expect(t.from).toBe(105);
    expect(t.bins.reduce((n, b) => n + b.allowed + b.denied, 0)).toBe(0);
  });

  it('places a time on the axis between 0 and 1', () => {
    const t = timelineBins([], 0, 300);
    expect(timelineOffset(t, 150)).toBeCloseTo(0.5);
    expect(timelineOffset(t, -10)).toBe(0);
    expect(timelineOffset(t, 999)).toBe(1);
  });
});

describe('timeline > changes', () => {
  it('keeps the changes inside the range, oldest first', () => {
    const picked = changesWithin([change(3, 250), change(1, 50), change(2, 150), change(4, 400)], 100, 300);
    expect(picked.map((c) => c.id)).toEqual([2, 3]);
  });

  it('links a change to its resource history on the Policies page, and reads the reference back', () => {
    const c = change(7, 10, { kind: 'NetworkPolicy', namespace: 'shop', name: 'application.catalog' });
    const href = changeHref(c);
    const params = new URL(href, 'http://x').searchParams;
    expect(new URL(href, 'http://x').pathname).toBe('/policies');
    expect(params.get('change')).toBe('7');
    expect(parseHistoryRef(params.get('history'))).toEqual({
      kind: 'NetworkPolicy',
      namespace: 'shop',
      name: 'application.catalog',
    });
    expect(parseHistoryRef(historyRef({ kind: 'GlobalNetworkPolicy', namespace: '', name: 'a' }))).toEqual({
      kind: 'GlobalNetworkPolicy',
      namespace: '',
      name: 'a',
    });
    expect(parseHistoryRef('nonsense')).toBeNull();
    expect(parseHistoryRef(null)).toBeNull();
  });
});
