import { describe, expect, it } from 'vitest';
import { flowBetween, hit, ipSet, T0, testClock } from './fixtures.ts';
import { createMemoryStore } from './memory.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('memory', (now) => createMemoryStore({ now }));

describe('memory ring', () => {
  it('keeps 240 buckets of history, evicts the oldest at rollover and forgets keys with no windows', async () => {
    const clock = testClock();
    const s = createMemoryStore({ now: clock.now });
    const range = () => ({ gte: 0, lt: clock.now() + 60 });
    await s.ingest([
      flowBetween('shop/web', 'shop/old', { startTime: T0 - 3600 }),
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 3600 }),
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 3585 }),
      flowBetween('shop/web', 'shop/too-old', { startTime: T0 - 3601 }),
    ]);
    expect(s.dropped).toBe(1);
    expect(
      (await s.list({ range: range(), sortBy: 'DestName' })).flows.map((f) => [f.id, f.flow.key.destName]),
    ).toEqual([
      [2, 'api'],
      [1, 'old'],
    ]);
    s.rollover();
    const after = await s.list({ range: range(), sortBy: 'DestName' });
    expect(after.flows.map((f) => [f.id, f.flow.key.destName, f.flow.startTime])).toEqual([[2, 'api', T0 - 3585]]);
    await s.ingest([flowBetween('shop/web', 'shop/old', { startTime: T0 + 20 })]);
    const again = await s.list({ range: range(), sortBy: 'DestName' });
    expect(again.flows.map((f) => [f.id, f.flow.key.destName])).toEqual([
      [2, 'api'],
      [3, 'old'],
    ]);
    await s.close();
  });
});

describe('memory store keys and windows', () => {
  const all = { gte: 0, lt: T0 + 60 };

  it('keeps windows that arrive out of order in time order and aggregates them exactly', async () => {
    const s = createMemoryStore({ now: () => T0 + 1 });
    for (const [t, n] of [
      [T0 - 15, 1],
      [T0 - 60, 2],
      [T0 - 30, 4],
      [T0 - 60, 8],
      [T0, 16],
      [T0 - 45, 32],
    ] as const)
      await s.ingest([flowBetween('shop/web', 'shop/api', { startTime: t, packetsIn: n })]);
    const seen: [number, number][] = [];
    const sub = s.subscribe(T0 - 3600, undefined, (r) => seen.push([r.flow.startTime, r.flow.packetsIn]));
    await new Promise((r) => setTimeout(r, 0));
    sub.close();
    expect(seen).toEqual([
      [T0 - 60, 10],
      [T0 - 45, 32],
      [T0 - 30, 4],
    ]); // the buckets from T0 - 15 on are not complete yet, so not streamed
    const one = (await s.list({ range: { gte: T0 - 45, lt: T0 } })).flows[0]!.flow;
    expect([one.startTime, one.endTime, one.packetsIn]).toEqual([T0 - 45, T0, 37]);
    expect((await s.get(1))?.flow.packetsIn).toBe(63);
    await s.close();
  });

  it('tells apart keys whose numbers only look alike and keeps what they were given', async () => {
    const s = createMemoryStore({ now: () => T0 + 1 });
    await s.ingest([
      flowBetween('shop/web', 'shop/api', { destPort: 80 }),
      flowBetween('shop/web', 'shop/api', { destPort: 80.5 }),
      flowBetween('shop/web', 'shop/api', { destPort: -80 }),
      flowBetween('shop/web', 'shop/api', { destPort: 2 ** 33 }),
      flowBetween('shop/web', 'shop/api', { destPort: 2 ** 33 }),
      flowBetween('shop/web', 'shop/api', { destServicePort: 80 }),
      flowBetween('shop/web', 'shop/api', { destName: '80' }),
    ]);
    const r = await s.list({ range: all });
    expect(r.totalResults).toBe(6);
    expect(r.flows.map((f) => f.flow.key.destPort).sort((a, b) => a - b)).toEqual([-80, 80, 80.5, 8080, 8080, 2 ** 33]);
    expect(r.flows.find((f) => f.flow.key.destPort === 2 ** 33)!.flow.packetsIn).toBe(2);
    await s.close();
  });

  it('stores one key per trace whatever the order of its hits, and returns the trace sorted', async () => {
    const s = createMemoryStore({ now: () => T0 + 1 });
    const a = hit('NetworkPolicy', 'default/shop/a', 'Pass', { policyIndex: 0 });
    const b = hit('NetworkPolicy', 'default/shop/b', 'Allow', { policyIndex: 1 });
    await s.ingest([
      flowBetween('shop/web', 'shop/api', { enforced: [b, a] }),
      flowBetween('shop/web', 'shop/api', { enforced: [a, b] }),
    ]);
    const r = await s.list({ range: all });
    expect(r.totalResults).toBe(1);
    expect(r.flows[0]!.flow.key.policies.enforced).toEqual([a, b]);
    expect(r.flows[0]!.flow.packetsIn).toBe(2);
    await s.close();
  });

  it('rebuilds its interners after churn without changing ids, results or streams, even under a running list', async () => {
    const clock = testClock();
    const s = createMemoryStore({ now: clock.now });
    const oldest = T0 - 3600;
    // 6,000 short-lived keys with names of their own in the oldest bucket, 5,000 kept ones.
    const churn = Array.from({ length: 6_000 }, (_, i) =>
      flowBetween(`gone/pod-${i}`, 'shop/api', {
        startTime: oldest,
        sourceLabels: [`pod=${i}`],
        sourceIps: ipSet([`10.9.${i >> 8}.${i & 255}`]),
      }),
    );
    const kept = Array.from({ length: 5_000 }, (_, i) =>
      flowBetween(`shop/web-${i}`, 'shop/api', {
        startTime: T0 - 30 + (i % 2) * 15,
        packetsIn: i,
        sourceIps: ipSet(['10.0.0.1']),
      }),
    );
    await s.ingest(churn);
    await s.ingest(kept);
    const before = await s.list({ range: all, sortBy: 'SourceName' });
    expect(before.totalResults).toBe(11_000);
    const running = s.list({ range: { gte: T0 - 60, lt: T0 + 60 } });
    s.rollover();
    const during = await running;
    const after = await s.list({ range: { gte: T0 - 60, lt: T0 + 60 } });
    expect(during.totalResults).toBe(5_000);
    expect(during).toEqual(after);
    const expected = before.flows.filter((f) => f.flow.key.sourceNamespace === 'shop');
    expect((await s.list({ range: all, sortBy: 'SourceName' })).flows).toEqual(expected);
    for (const f of expected.slice(0, 50)) expect(await s.get(f.id)).toEqual(f);
    expect(await s.get(before.flows.find((f) => f.flow.key.sourceNamespace === 'gone')!.id)).toBeUndefined();
    // New flows of kept keys still find their key; a gone key comes back with a new id.
    await s.ingest([kept[7]!, churn[0]!].map((f) => ({ ...f, startTime: T0 })));
    const web7 = (await s.list({ range: all, filter: { sourceNames: [{ value: 'web-7', type: 'Exact' }] } })).flows;
    expect(web7.map((f) => [f.id, f.flow.packetsIn])).toEqual([
      [expected.find((f) => f.flow.key.sourceName === 'web-7')!.id, 14],
    ]);
    expect((await s.list({ range: all })).totalResults).toBe(5_001);
    await s.close();
  });
});
