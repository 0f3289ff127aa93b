import { describe, expect, it } from 'vitest';
import { flowsAt, webToApi } from './fixtures.ts';
import { flowBufferReducer, flowKey, initialFlowBuffer, mergeFlows, resumeStart } from './flowBuffer.ts';

const keys = (rows: readonly { id: number; startTime: number }[]) => rows.map(flowKey);

describe('flowBuffer > batch', () => {
  it('keeps rows newest first across batches', () => {
    let s = initialFlowBuffer();
    s = flowBufferReducer(s, { type: 'batch', flows: flowsAt([10, 30, 20]) });
    s = flowBufferReducer(s, { type: 'batch', flows: flowsAt([40, 5]) });
    expect(s.rows.map((r) => r.startTime)).toEqual([40, 30, 20, 10, 5]);
    expect(s.received).toBe(5);
  });

  it('is bounded: the oldest rows are evicted', () => {
    let s = initialFlowBuffer(3);
    s = flowBufferReducer(s, { type: 'batch', flows: flowsAt([1, 2, 3]) });
    s = flowBufferReducer(s, { type: 'batch', flows: flowsAt([4, 5]) });
    expect(s.rows.map((r) => r.startTime)).toEqual([5, 4, 3]);
    expect(s.evicted).toBe(2);
    expect(s.lastAdded).toBe(2);
  });

  it('dedupes by id + startTime: an update replaces the row in place', () => {
    const a = webToApi({ startTime: 100 });
    const b = webToApi({ startTime: 90 });
    let s = flowBufferReducer(initialFlowBuffer(), { type: 'batch', flows: [a, b] });
    const updated = { ...b, packetsIn: 999 };
    s = flowBufferReducer(s, { type: 'batch', flows: [updated] });
    expect(s.rows).toHaveLength(2);
    expect(s.rows[1]).toBe(updated);
    expect(s.lastAdded).toBe(0);
  });

  it('keeps the same id in different buckets as separate rows', () => {
    const a = webToApi({ startTime: 100 });
    const next = { ...a, startTime: 115, endTime: 130 };
    const s = flowBufferReducer(initialFlowBuffer(), { type: 'batch', flows: [a, next] });
    expect(keys(s.rows)).toEqual([flowKey(next), flowKey(a)]);
  });

  it('last write wins inside one batch', () => {
    const a = webToApi({ startTime: 100 });
    const a2 = { ...a, bytesIn: 5 };
    const s = flowBufferReducer(initialFlowBuffer(), { type: 'batch', flows: [a, a2] });
    expect(s.rows).toEqual([a2]);
  });

  it('returns the same state for an empty batch', () => {
    const s = initialFlowBuffer();
    expect(flowBufferReducer(s, { type: 'batch', flows: [] })).toBe(s);
  });

  it('inserts late (older) flows in time order', () => {
    const m = mergeFlows(flowsAt([50, 30]), flowsAt([40]), 10);
    expect(m.rows.map((r) => r.startTime)).toEqual([50, 40, 30]);
  });
});

describe('flowBuffer > pause', () => {
  it('holds flows while paused and applies them on resume', () => {
    let s = flowBufferReducer(initialFlowBuffer(), { type: 'batch', flows: flowsAt([1]) });
    s = flowBufferReducer(s, { type: 'pause' });
    s = flowBufferReducer(s, { type: 'batch', flows: flowsAt([2, 3]) });
    expect(s.rows.map((r) => r.startTime)).toEqual([1]);
    expect(s.held).toHaveLength(2);
    s = flowBufferReducer(s, { type: 'resume' });
    expect(s.paused).toBe(false);
    expect(s.held).toHaveLength(0);
    expect(s.rows.map((r) => r.startTime)).toEqual([3, 2, 1]);
  });

  it('bounds the held flows too', () => {
    let s = flowBufferReducer(initialFlowBuffer(2), { type: 'pause' });
    s = flowBufferReducer(s, { type: 'batch', flows: flowsAt([1, 2, 3, 4]) });
    expect(s.held.map((r) => r.startTime)).toEqual([4, 3]);
  });

  it('reset clears rows but keeps the pause state', () => {
    let s = flowBufferReducer(initialFlowBuffer(), { type: 'batch', flows: flowsAt([1]) });
    s = flowBufferReducer(s, { type: 'pause' });
    s = flowBufferReducer(s, { type: 'reset' });
    expect(s.rows).toEqual([]);
    expect(s.paused).toBe(true);
  });
});

describe('flowBuffer > resumeStart', () => {
  it('resumes from the newest end time, at most an hour back', () => {
    const rows = flowsAt([1000]);
    expect(resumeStart(rows, -300, 2000)).toBe(1015);
    expect(resumeStart(rows, -300, 10_000)).toBe(10_000 - 3600);
    expect(resumeStart([], -300, 10_000)).toBe(-300);
  });
});
