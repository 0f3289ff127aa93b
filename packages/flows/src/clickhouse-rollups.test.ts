// Roll-ups of the ClickHouse store on a real server: the 1 min and 5 min levels answer what the 15 s
// windows answer, after retried batches, spooled batches replayed after an outage, folds of several
// clusters at once, and a crash between the steps of a fold; each level kept for its own time; and a
// database of the schema before roll-ups migrated and rolled up.
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './clickhouse/schema.ts';
import { type LocalClickHouse, startLocalClickHouse } from './clickhouse/server.ts';
import { type ClickHouseFlowStore, createClickHouseStore } from './clickhouse/store.ts';
import { flowBetween, hit, T0, testClock } from './fixtures.ts';
import type { Flow } from './model.ts';

let server: LocalClickHouse;
const spoolDir = mkdtempSync(join(tmpdir(), 'verdict-rollup-spool-'));
let n = 0;

beforeAll(async () => {
  server = await startLocalClickHouse();
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** 50 minutes before T0 (a 5 min boundary) of 12 keys, counters differing per window. */
function history(prefix = ''): Flow[] {
  const flows: Flow[] = [];
  for (let t = T0 - 3000; t < T0; t += 15) {
    for (let k = 0; k < 12; k++) {
      if ((t / 15 + k) % 5 === 0) continue;
      flows.push(
        flowBetween(`${prefix}ns-${k % 3}/src-${k}`, `ns-${k % 4}/dst-${k % 5}`, {
          startTime: t + (k % 15),
          packetsIn: 1 + ((t / 15 + k) % 7),
          bytesOut: 100 * (1 + (k % 3)),
          sourceLabels: [`app=src-${k}`],
          enforced: [hit('NetworkPolicy', `default/ns-${k % 4}/allow-${k % 2}`, 'Allow', { ruleIndex: k % 3 })],
        }),
      );
    }
  }
  return flows;
}

/** Late flows: windows of buckets the levels already folded, in several batches. */
function late(round: number, prefix = ''): Flow[] {
  return Array.from({ length: 30 }, (_, i) =>
    flowBetween(`${prefix}ns-${i % 3}/src-${i % 14}`, `ns-${i % 4}/dst-${i % 5}`, {
      startTime: T0 - 2990 + 97 * i + round,
      packetsIn: 1000 + round * 31 + i,
      bytesOut: 7,
    }),
  );
}

/** Packets per key (source name > dest name) of the windows starting in [gte, lt) and ending by lt. */
function expected(flows: readonly Flow[], gte: number, lt: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of flows) {
    const b = f.startTime - (f.startTime % 15);
    if (b < gte || b >= lt) continue;
    const id = `${f.key.sourceNamespace}/${f.key.sourceName}>${f.key.destName}`;
    out.set(id, (out.get(id) ?? 0) + (b + 15 <= lt ? f.packetsIn : 0));
  }
  return out;
}

async function packets(s: ClickHouseFlowStore, gte: number, lt: number, clusters?: string[]) {
  const r = await s.list({ range: { gte, lt }, pageSize: 0, ...(clusters ? { filter: { clusters } } : {}) });
  const out = new Map<string, number>();
  for (const { flow } of r.flows) {
    const id = `${flow.key.sourceNamespace}/${flow.key.sourceName}>${flow.key.destName}`;
    out.set(id, (out.get(id) ?? 0) + flow.packetsIn);
  }
  return { resolution: r.resolution, packets: out };
}

/** The 5 min range every test reads: folded by a roll-up at T0 + 1. */
const RANGE = { gte: T0 - 3000, lt: T0 - 300 };
/** Ranges read at 1 min (inside one 5 min bucket) and at 5 min with 1 min and 15 s edges. */
const MINUTE_RANGES = [
  [T0 - 2940, T0 - 2760, 60],
  [T0 - 2940, T0 - 353, 300],
] as const;

/**
 * A TCP proxy to `url` that, on the `nth` request whose text matches `pattern`, either never
 * forwards it (`before`: the step did not happen) or forwards it and drops the answer (`answer`:
 * the step happened but its caller never learns it), then passes everything through.
 */
async function cuttingProxy(url: string, statement: string, nth: number, mode: 'before' | 'answer') {
  // The statement as the request line or body carries it (spaces as %20 or +).
  const pattern = new RegExp(statement.split(' ').join('(?:%20|\\+| )'));
  let seen = 0;
  const proxy: Server = createServer((client) => {
    const upstream = connect(Number(new URL(url).port), '127.0.0.1');
    let swallow = false;
    client.on('data', (chunk) => {
      if (!swallow && pattern.test(chunk.toString('latin1'))) {
        seen++;
        if (seen === nth) {
          if (mode === 'before') {
            client.destroy();
            upstream.destroy();
            return;
          }
          swallow = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (swallow) {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    get seen() {
      return seen;
    },
    close: () => new Promise<void>((r) => proxy.close(() => r())),
  };
}

describe('clickhouse roll-ups', () => {
  it('every read of a rolled-up range answers at 5 min what the 15 s windows answered', async () => {
    const clock = testClock();
    const s = createClickHouseStore({ url: server.url, database: `rollup_${n++}`, spoolDir, now: clock.now });
    try {
      await s.ready;
      const flows = history();
      await s.ingest(flows);
      const read = async () => {
        const list = await s.list({ range: RANGE, pageSize: 0, sortBy: 'SourceName' });
        const first = list.flows[0]!;
        return {
          resolution: list.resolution,
          list: list.flows.map((r) => [r.id, r.flow.packetsIn, r.flow.bytesOut, r.flow.sourceLabels]),
          page: (await s.list({ range: RANGE, page: 1, pageSize: 5, sortBy: 'DestName' })).flows.map((r) => r.id),
          filtered: (
            await s.list({
              range: RANGE,
              pageSize: 0,
              sortBy: 'DestName',
              filter: { sourceNamespaces: [{ type: 'Exact', value: 'ns-1' }] },
            })
          ).flows.map((r) => [r.id, r.flow.packetsIn]),
          selected: (
            await s.list({ range: RANGE, pageSize: 0, filter: { sourceSelector: 'app == "src-4"' } })
          ).flows.map((r) => [r.id, r.flow.packetsIn]),
          hints: await s.hints({ range: RANGE, type: 'DestName' }),
          policyHints: await s.hints({ range: RANGE, type: 'PolicyName' }),
          stats: await s.statistics({ range: RANGE, type: 'PacketCount', groupBy: 'PolicyRule' }),
          graph: (await s.countKeys({ range: RANGE, fold: 'graph' })).keys
            .map((k) => [k.key.sourceName, k.key.destName, k.count])
            .sort(),
          reported: await (async () => {
            const out = [];
            for await (const r of s.reportedBy({
              range: RANGE,
              sources: [{ type: 'WorkloadEndpoint', namespace: 'ns-1', name: 'src-4' }],
              destinations: [{ type: 'WorkloadEndpoint', namespace: 'ns-2', name: 'dst-2' }],
            }))
              out.push([r.id, r.flow.packetsIn]);
            return out.sort();
          })(),
          get: (await s.get(first.id))?.flow.packetsIn,
        };
      };
      const fine = await read();
      expect(fine.resolution).toBe(15);
      expect(await s.rollUp()).toBeGreaterThan(0);
      const coarse = await read();
      expect(coarse.resolution).toBe(300);
      expect({ ...coarse, resolution: 15 }).toEqual(fine);
      expect(coarse.list.length).toBe(12);
      // The time series is per 5 min bucket and sums to the same totals.
      const series = await s.statistics({ range: RANGE, type: 'PacketCount', groupBy: 'Policy', timeSeries: true });
      for (const g of series) expect(g.x.every((x) => x % 300 === 0)).toBe(true);
      const total = (gs: typeof series) => gs.reduce((a, g) => a + g.allowedIn.reduce((x, y) => x + y, 0), 0);
      expect(total(series)).toBe([...expected(flows, RANGE.gte, RANGE.lt).values()].reduce((a, b) => a + b, 0));
      // The rows are fewer at each level.
      const count = async (sql: string) =>
        Number(
          (await (await fetch(`${server.url}/?database=rollup_${n - 1}`, { method: 'POST', body: sql })).text()).trim(),
        );
      const w15 = await count('SELECT count() FROM flow_windows');
      const w60 = await count('SELECT count() FROM flow_rollups WHERE width = 60');
      const w300 = await count('SELECT count() FROM flow_rollups WHERE width = 300');
      expect(w60).toBeLessThan(w15);
      expect(w300).toBeLessThan(w60);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a late batch whose answer was lost is folded once when it is sent again', async () => {
    const proxy = await cuttingProxy(server.url, 'INSERT INTO flow_windows', 2, 'answer');
    const clock = testClock();
    const s = createClickHouseStore({ url: proxy.url, database: `rollup_${n++}`, spoolDir, now: clock.now });
    try {
      await s.ready;
      const flows = history();
      await s.ingest(flows);
      await s.rollUp();
      await s.ingest(late(0));
      expect(s.spooled.batches).toBe(1);
      await s.ingest(late(1));
      await s.flush();
      await s.rollUp();
      const got = await packets(s, RANGE.gte, RANGE.lt);
      expect(got.resolution).toBe(300);
      expect(got.packets).toEqual(expected([...flows, ...late(0), ...late(1)], RANGE.gte, RANGE.lt));
    } finally {
      await s.close();
      await proxy.close();
    }
  }, 60_000);

  it('late batches spooled during an outage, some by a Verdict that died, are folded once on return', async () => {
    const local = await startLocalClickHouse();
    const spool = mkdtempSync(join(tmpdir(), 'verdict-rollup-outage-'));
    const clock = testClock();
    const open = () =>
      createClickHouseStore({
        url: local.url,
        database: 'outage',
        spoolDir: spool,
        // A killed server refuses at once; the timeout only bounds a fold on this loaded machine.
        requestTimeoutMs: 20_000,
        now: clock.now,
      });
    try {
      const first = open();
      await first.ready;
      const flows = history();
      await first.ingest(flows);
      await first.rollUp();
      await local.kill();
      await first.ingest(late(0));
      await first.ingest(late(1));
      expect(first.spooled.batches).toBe(2);
      await first.close();
      await local.restart();
      const second = open();
      await second.ready;
      await second.ingest(late(2));
      await second.flush();
      await second.rollUp();
      const all = [...flows, ...late(0), ...late(1), ...late(2)];
      const got = await packets(second, RANGE.gte, RANGE.lt);
      expect(got.resolution).toBe(300);
      expect(got.packets).toEqual(expected(all, RANGE.gte, RANGE.lt));
      // And at 1 min, within one 5 min bucket, and at 5 min with 1 min edges.
      for (const [gte, lt, resolution] of MINUTE_RANGES) {
        const minute = await packets(second, gte, lt);
        expect(minute.resolution).toBe(resolution);
        expect(minute.packets).toEqual(expected(all, gte, lt));
      }
      await fetch(`${local.url}/?database=outage`, { method: 'POST', body: 'OPTIMIZE TABLE flow_rollups FINAL' });
      expect((await packets(second, RANGE.gte, RANGE.lt)).packets).toEqual(expected(all, RANGE.gte, RANGE.lt));
      await second.close();
    } finally {
      await local.close();
      rmSync(spool, { recursive: true, force: true });
    }
  }, 120_000);

  it('folds of two clusters and late ingest running at once in one database stay exact', async () => {
    const clock = testClock();
    const database = `rollup_${n++}`;
    const a = createClickHouseStore({ url: server.url, database, cluster: 'a', spoolDir, now: clock.now });
    const b = createClickHouseStore({ url: server.url, database, cluster: 'b', spoolDir, now: clock.now });
    try {
      await Promise.all([a.ready, b.ready]);
      const flows = history();
      await Promise.all([a.ingest(flows), b.ingest(flows)]);
      const lateA: Flow[] = [];
      const lateB: Flow[] = [];
      for (let round = 0; round < 4; round++) {
        lateA.push(...late(round));
        lateB.push(...late(round + 10));
        await Promise.all([a.rollUp(), b.ingest(late(round + 10)), a.ingest(late(round)), b.rollUp()]);
      }
      await Promise.all([a.rollUp(), b.rollUp()]);
      for (const [store, name, mine] of [
        [a, 'a', lateA],
        [b, 'b', lateB],
      ] as const) {
        const got = await packets(store, RANGE.gte, RANGE.lt, [name]);
        expect(got.resolution).toBe(300);
        expect(got.packets).toEqual(expected([...flows, ...mine], RANGE.gte, RANGE.lt));
      }
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('a level that one cluster has not folded is not read for any cluster', async () => {
    const clock = testClock();
    const database = `rollup_${n++}`;
    const a = createClickHouseStore({ url: server.url, database, cluster: 'a', spoolDir, now: clock.now });
    const b = createClickHouseStore({ url: server.url, database, cluster: 'b', spoolDir, now: clock.now });
    try {
      await Promise.all([a.ready, b.ready]);
      await Promise.all([a.ingest(history()), b.ingest(history())]);
      await a.rollUp();
      expect((await a.list({ range: RANGE, pageSize: 0 })).resolution).toBe(15);
      await b.rollUp();
      const r = await a.list({ range: RANGE, pageSize: 0 });
      expect([r.resolution, r.totalResults]).toEqual([300, 24]);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  // Each step of a fold (ledger, coarse rows, ledger marked written) cut before it reached ClickHouse
  // or after ClickHouse did it but before Verdict heard; Verdict then dies and the next one finishes.
  it.each([
    ['the ledger entry', 'INSERT INTO rollup_folds', 1, 'before'],
    ['the ledger entry', 'INSERT INTO rollup_folds', 1, 'answer'],
    ['the coarse rows', 'INSERT INTO flow_rollups', 1, 'before'],
    ['the coarse rows', 'INSERT INTO flow_rollups', 1, 'answer'],
    ['the ledger mark', 'INSERT INTO rollup_folds', 2, 'before'],
    ['the coarse rows of a later fold', 'INSERT INTO flow_rollups', 2, 'answer'],
  ] as const)(
    'a crash at %s (%s number %i, cut %s) neither loses nor doubles a window',
    async (_, pattern, nth, mode) => {
      const proxy = await cuttingProxy(server.url, pattern, nth, mode);
      const clock = testClock();
      const database = `rollup_${n++}`;
      const s = createClickHouseStore({ url: proxy.url, database, spoolDir, now: clock.now });
      const flows = history();
      try {
        await s.ready;
        await s.ingest(flows);
        await expect(s.rollUp()).rejects.toThrow();
        expect(proxy.seen).toBeGreaterThanOrEqual(nth);
      } finally {
        await s.close();
        await proxy.close();
      }
      const next = createClickHouseStore({ url: server.url, database, spoolDir, now: clock.now });
      try {
        await next.ready;
        await next.rollUp();
        await next.ingest(late(0));
        const got = await packets(next, RANGE.gte, RANGE.lt);
        expect(got.resolution).toBe(300);
        expect(got.packets).toEqual(expected([...flows, ...late(0)], RANGE.gte, RANGE.lt));
        for (const [gte, lt, resolution] of MINUTE_RANGES) {
          const minute = await packets(next, gte, lt);
          expect(minute.resolution).toBe(resolution);
          expect(minute.packets).toEqual(expected([...flows, ...late(0)], gte, lt));
        }
      } finally {
        await next.close();
      }
    },
    60_000,
  );

  it('keeps 15 s windows for their hour, 1 min buckets for a day and 5 min ones for the retention, in whole days', async () => {
    const clock = testClock();
    const database = `rollup_${n++}`;
    const s = createClickHouseStore({
      url: server.url,
      database,
      spoolDir,
      now: clock.now,
      retentionDays: 7,
      fineDropQuietSeconds: 0,
    });
    const levels = async () =>
      (
        await (
          await fetch(`${server.url}/?database=${database}`, {
            method: 'POST',
            body: `SELECT 15, count() FROM flow_windows UNION ALL SELECT width, count() FROM flow_rollups GROUP BY width
              FORMAT TabSeparated`,
          })
        ).text()
      )
        .trim()
        .split('\n')
        .map((line) => line.split('\t').map(Number))
        .filter(([, count]) => count! > 0)
        .map(([width]) => width)
        .sort((a, b) => a! - b!);
    try {
      await s.ready;
      const flows = history();
      await s.ingest(flows);
      await s.rollUp();
      expect(await levels()).toEqual([15, 60, 300]);
      // A day later the 15 s day is past its hour but the day is only dropped whole, an hour after it ends.
      clock.set(T0 + 3600);
      await s.rollUp();
      await s.prune();
      expect(await levels()).toEqual([15, 60, 300]);
      clock.set(T0 + 2 * 86_400 + 7200);
      await s.rollUp();
      expect(await s.prune()).toBeGreaterThan(0);
      expect(await levels()).toEqual([300]);
      const got = await packets(s, RANGE.gte, RANGE.lt);
      expect(got.resolution).toBe(300);
      expect(got.packets).toEqual(expected(flows, RANGE.gte, RANGE.lt));
      // A late batch for the dropped days is still folded into the 5 min level, once.
      await s.ingest(late(0));
      const after = await packets(s, RANGE.gte, RANGE.lt);
      expect(after.packets).toEqual(expected([...flows, ...late(0)], RANGE.gte, RANGE.lt));
      // Past the retention nothing is left.
      clock.set(T0 + 9 * 86_400);
      await s.prune();
      expect(await levels()).toEqual([]);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('migrates a database of the schema before roll-ups and rolls up what it holds', async () => {
    const clock = testClock();
    const source = `rollup_${n++}`;
    const old = `rollup_${n++}`;
    const s = createClickHouseStore({ url: server.url, database: source, spoolDir, now: clock.now });
    const flows = history();
    await s.ingest(flows);
    await s.close();
    const admin = createClient({ url: server.url });
    const client = createClient({ url: server.url, database: old });
    try {
      await admin.command({ query: `CREATE DATABASE ${old}` });
      await client.command({
        query:
          'CREATE TABLE schema_migrations (version UInt32, applied DateTime) ENGINE = ReplacingMergeTree ORDER BY version',
      });
      // Version 2: the schema of the first ClickHouse store (text verdicts), so every later migration runs.
      for (const [v, migration] of MIGRATIONS.slice(0, 2).entries()) {
        for (const query of migration as readonly string[]) await client.command({ query });
        await client.command({ query: `INSERT INTO schema_migrations VALUES (${v + 1}, now())` });
      }
      for (const table of ['flow_windows', 'flow_keys', 'label_sets', 'clusters'])
        await client.command({ query: `INSERT INTO ${table} SELECT * FROM ${source}.${table}` });
      const copied = await (
        await client.query({
          query: 'SELECT toTypeName(action) AS t, count() AS n FROM flow_windows GROUP BY t',
          format: 'JSONEachRow',
        })
      ).json<{ t: string; n: string }>();
      expect(copied.map((r) => r.t)).toEqual(['String']);
      const migrated = createClickHouseStore({ url: server.url, database: old, spoolDir, now: clock.now });
      try {
        await migrated.ready;
        expect((await packets(migrated, RANGE.gte, RANGE.lt)).resolution).toBe(15);
        await migrated.rollUp();
        const got = await packets(migrated, RANGE.gte, RANGE.lt);
        expect(got.resolution).toBe(300);
        expect(got.packets).toEqual(expected(flows, RANGE.gte, RANGE.lt));
      } finally {
        await migrated.close();
      }
      const version = await (
        await client.query({ query: 'SELECT max(version) AS v FROM schema_migrations', format: 'JSONEachRow' })
      ).json<{ v: number }>();
      expect(Number(version[0]!.v)).toBe(MIGRATIONS.length);
    } finally {
      await client.close();
      await admin.close();
    }
  }, 60_000);
});
