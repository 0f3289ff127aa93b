import { describe, expect, it } from 'vitest';
import type { RawFlow } from './model.ts';
import { groupRawFlows } from './raw-groups.ts';

const T = 1_755_857_700; // a 15 s boundary
const raw = (over: Partial<RawFlow> = {}): RawFlow => ({
  source: { namespace: 'shop', name: 'web-1' },
  destination: { ip: '10.0.0.2' },
  destPort: 8080,
  protocol: 'TCP',
  startTime: T,
  packetsIn: 1,
  bytesOut: 100,
  connectionsStarted: 1,
  ...over,
});

describe('groupRawFlows', () => {
  it('sums flows enrichment cannot tell apart, keeping the earliest start and every member', () => {
    const g = groupRawFlows([
      raw({ startTime: T + 9 }),
      raw({ startTime: T + 3, packetsIn: 4 }),
      raw({ startTime: T + 14 }),
    ]);
    expect(g.flows).toHaveLength(1);
    expect(g.sizes).toEqual([3]);
    expect(g.members(0)).toEqual([0, 1, 2]);
    expect(g.flows[0]).toMatchObject({
      startTime: T + 3,
      packetsIn: 6,
      bytesOut: 300,
      connectionsStarted: 3,
      packetsOut: 0,
    });
  });

  it('does not change the flows it was given', () => {
    const a = raw();
    const b = raw();
    const g = groupRawFlows([a, b]);
    expect(g.flows[0]).not.toBe(a);
    expect(a).toEqual(raw());
    expect(b).toEqual(raw());
  });

  it('keeps apart flows that differ in anything enrichment reads, or in their bucket', () => {
    const variants: RawFlow[] = [
      raw(),
      raw({ source: { namespace: 'shop', name: 'web-2' } }),
      raw({ source: { namespace: 'shop2', name: 'web-1' } }),
      raw({ source: { ip: 'shop' } }),
      raw({ destination: { ip: '10.0.0.3' } }),
      raw({ destination: { namespace: '10.0.0.2', name: '10.0.0.2' } }),
      raw({ destPort: 8081 }),
      raw({ sourcePort: 40000 }),
      raw({ protocol: 'UDP' }),
      raw({ protocol: 6 }),
      raw({ protocol: '6' }),
      raw({ destService: { namespace: 'shop', name: 'api', portName: 'http', port: 80 } }),
      raw({ destService: { namespace: 'shop', name: 'api', portName: '', port: 80 } }),
      raw({ startTime: T + 15 }),
      raw({ startTime: T - 1 }),
    ];
    const g = groupRawFlows([...variants, ...variants]);
    expect(g.flows).toHaveLength(variants.length);
    expect(g.sizes.every((n) => n === 2)).toBe(true);
    for (let i = 0; i < variants.length; i++) expect(g.members(i)).toEqual([i, i + variants.length]);
  });

  it('gives a flow whose port or start time is not an int32 a group of its own', () => {
    const odd = [
      raw({ destPort: 80.5 }),
      raw({ destPort: 80.5 }),
      raw({ startTime: 2 ** 40 }),
      raw({ startTime: 2 ** 40 }),
    ];
    const g = groupRawFlows(odd);
    expect(g.sizes).toEqual([1, 1, 1, 1]);
    expect(g.flows[0]).toBe(odd[0]);
  });

  it('leaves out what keep refuses, asking once per flow in order', () => {
    const asked: number[] = [];
    const g = groupRawFlows([raw(), raw({ startTime: 1 }), raw()], (_, i) => {
      asked.push(i);
      return i !== 1;
    });
    expect(asked).toEqual([0, 1, 2]);
    expect(g.sizes).toEqual([2]);
    expect(g.members(0)).toEqual([0, 2]);
  });
});
