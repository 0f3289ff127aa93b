import { createMemoryStore, type Flow, type FlowStore, type RawFlow } from '@verdict/flows';
import { describe, expect, it } from 'vitest';
import {
  ALL_RAW,
  catalogToPostgres,
  enrich,
  frontendToCatalog,
  publicToFrontend,
  rawFlow,
  shopEvaluator,
  T0,
} from '../api/fixtures.ts';
import { silentLogger } from '../log.ts';
import { createIngestPipeline } from './pipeline.ts';

const evaluator = shopEvaluator();
const everything = { range: { gte: T0 - 3600, lt: T0 + 60 }, sortBy: 'Time' as const };

/** The traffic of a busy minute: every fixture flow many times, spread over four buckets. */
function busyMinute(): RawFlow[] {
  const out: RawFlow[] = [];
  for (let i = 0; i < 400; i++) {
    const base = ALL_RAW[i % ALL_RAW.length]!;
    out.push({ ...base, startTime: T0 - 60 + (i % 60), packetsIn: i, bytesIn: 3 * i, connectionsCompleted: i % 2 });
  }
  return out;
}

const pipelineOver = (store: FlowStore) =>
  createIngestPipeline({ store, evaluator: () => evaluator, log: silentLogger });

describe('ingest pipeline', () => {
  it('stores what enriching each raw flow alone would store, evaluating each distinct one once a batch', async () => {
    const raws = busyMinute();
    const expected = createMemoryStore({ now: () => T0 + 1 });
    await expected.ingest(enrich(evaluator, raws));
    const store = createMemoryStore({ now: () => T0 + 1 });
    let evaluations = 0;
    const counting = {
      ...evaluator,
      evaluate: (...args: Parameters<typeof evaluator.evaluate>) => {
        evaluations++;
        return evaluator.evaluate(...args);
      },
    };
    const pipeline = createIngestPipeline({ store, evaluator: () => counting, log: silentLogger });
    const report = await pipeline.submitRaw(raws, 'test');
    expect(report.rejected).toBe(0);
    expect(report.stored).toBe(enrich(evaluator, raws).length);
    expect(evaluations).toBe(ALL_RAW.length * 4);
    expect(pipeline.counters().test).toMatchObject({ received: 400, stored: report.stored, rejected: 0 });
    const got = await store.list(everything);
    expect(got.flows.length).toBeGreaterThan(0);
    expect(got).toEqual(await expected.list(everything));
    const windows = async (s: typeof store) => {
      const seen: Flow[] = [];
      const sub = s.subscribe(T0 - 3600, undefined, (r) => seen.push(r.flow));
      await new Promise((r) => setTimeout(r, 0));
      sub.close();
      return seen;
    };
    const stored = await windows(store);
    expect(stored.length).toBeGreaterThan(ALL_RAW.length);
    expect(stored).toEqual(await windows(expected));
    await Promise.all([store.close(), expected.close()]);
  });

  it('reports every member of a group that does not resolve, by index, and stores the rest', async () => {
    const store = createMemoryStore({ now: () => T0 + 1 });
    const unknown = rawFlow({ namespace: 'shop', name: 'gone' }, { ip: '10.244.1.20' }, 8080);
    const outside = rawFlow({ ip: '203.0.113.1' }, { ip: '203.0.113.2' }, 80);
    const raws = [frontendToCatalog, unknown, outside, unknown, catalogToPostgres, outside, unknown];
    const report = await pipelineOver(store).submitRaw(raws, 'test');
    expect(report.rejectedAt).toEqual([1, 2, 3, 5, 6]);
    expect(report.errors.map((e) => [e.index, e.code])).toEqual([
      [1, 'unresolved'],
      [2, 'not-in-cluster'],
      [3, 'unresolved'],
      [5, 'not-in-cluster'],
      [6, 'unresolved'],
    ]);
    expect(report.errors[0]!.message).toMatch(/^source/);
    expect(report.stored).toBe(enrich(evaluator, [frontendToCatalog, catalogToPostgres]).length);
    await store.close();
  });

  it('reports the first 20 errors by index when groups are interleaved', async () => {
    const store = createMemoryStore({ now: () => T0 + 1 });
    const raws: RawFlow[] = [];
    for (let i = 0; i < 60; i++)
      raws.push(rawFlow({ namespace: 'shop', name: `gone-${i % 3}` }, { ip: '10.244.1.20' }, 80));
    const report = await pipelineOver(store).submitRaw(raws, 'test');
    expect(report.rejected).toBe(60);
    expect(report.errors.map((e) => e.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await store.close();
  });

  it('acknowledges a batch only after the store has committed it', async () => {
    const memory = createMemoryStore({ now: () => T0 + 1 });
    let commit: () => void = () => {};
    const gate = new Promise<void>((resolve) => (commit = resolve));
    const slow: FlowStore = {
      ...memory,
      kind: 'memory',
      ingest: async (flows) => {
        await gate;
        await memory.ingest(flows);
      },
    };
    const pipeline = pipelineOver(slow);
    let acknowledged = false;
    const done = pipeline.submitRaw([publicToFrontend, publicToFrontend], 'test').then((r) => {
      acknowledged = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(acknowledged).toBe(false);
    expect((await memory.list(everything)).totalResults).toBe(0);
    commit();
    const report = await done;
    expect(report.stored).toBe(2);
    expect((await memory.list(everything)).flows[0]!.flow.packetsIn).toBe(20);
    await memory.close();
  });
});
