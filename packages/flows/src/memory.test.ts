import { describe, expect, it } from 'vitest';
import { flowBetween, T0, testClock } from './fixtures.ts';
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
