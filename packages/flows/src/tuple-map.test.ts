import { describe, expect, it } from 'vitest';
import { IntListMap, IntTupleMap } from './tuple-map.ts';

describe('IntTupleMap', () => {
  it('finds tuples it was given and no others', () => {
    const m = new IntTupleMap(3);
    const a = m.add([1, 2, 3]);
    const b = m.add([1, 2, -4]);
    expect(m.find([1, 2, 3])).toBe(a);
    expect(m.find([1, 2, -4])).toBe(b);
    expect(m.find([3, 2, 1])).toBe(-1);
    expect(m.insert([1, 2, 3])).toEqual({ entry: a, added: false });
    expect(m.size).toBe(2);
    expect([m.field(b, 0), m.field(b, 2)]).toEqual([1, -4]);
  });

  it('keeps every tuple through growth, deletes and reuse of entry numbers', () => {
    const m = new IntTupleMap(2, 16);
    const entries = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) entries.set(i, m.add([i, i * 7]));
    for (let i = 0; i < 50_000; i += 2) {
      m.delete(entries.get(i)!);
      entries.delete(i);
    }
    expect(m.size).toBe(25_000);
    for (let i = 50_000; i < 60_000; i++) entries.set(i, m.add([i, i * 7]));
    for (let i = 0; i < 60_000; i++) {
      const e = m.find([i, i * 7]);
      if (entries.has(i)) expect(e).toBe(entries.get(i));
      else expect(e).toBe(-1);
    }
    expect(m.limit).toBe(50_000);
    expect(new Set(entries.values()).size).toBe(35_000);
  });

  it('survives many delete and insert cycles of the same few keys (tombstones are cleared)', () => {
    const m = new IntTupleMap(1, 16);
    for (let round = 0; round < 10_000; round++) {
      const e = m.add([round]);
      expect(m.find([round])).toBe(e);
      m.delete(e);
      expect(m.find([round])).toBe(-1);
    }
    expect(m.size).toBe(0);
    expect(m.limit).toBe(1);
  });

  it('refuses to delete an entry it does not hold and a width below 1', () => {
    const m = new IntTupleMap(1);
    expect(() => m.delete(5)).toThrow(RangeError);
    expect(() => new IntTupleMap(0)).toThrow(/positive integer/);
  });
});

describe('IntListMap', () => {
  it('numbers lists densely in order of first sight, telling apart lengths and order', () => {
    const m = new IntListMap();
    const lists = [[], [1], [1, 2], [2, 1], [1, 2, 0], [0], [-1, 2 ** 31 - 1]];
    expect(lists.map((l) => m.id(l))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(lists.map((l) => m.id([...l]))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(m.id([9, 9, 1, 2], 0)).toBe(0);
    expect(m.id(Int32Array.from([1, 2, 7]), 2)).toBe(2);
    expect([m.length(6), m.at(6, 0), m.at(6, 1)]).toEqual([2, -1, 2 ** 31 - 1]);
  });

  it('keeps every list through growth', () => {
    const m = new IntListMap();
    for (let i = 0; i < 20_000; i++) expect(m.id([i, i % 7, i % 3])).toBe(i);
    for (let i = 0; i < 20_000; i += 97) expect(m.id([i, i % 7, i % 3])).toBe(i);
    expect(m.size).toBe(20_000);
  });
});
