import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { flowBetween, ipSet, T0, testClock } from './fixtures.ts';
import { mergeIpSets } from './ips.ts';
import { mergeLabels } from './key.ts';
import type { Flow, IpSet } from './model.ts';
import { createSqliteStore, SQLITE_SCHEMA_VERSION } from './sqlite.ts';
import { describeStoreContract } from './store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-flows-'));
let n = 0;
const freshPath = () => join(dir, `flows-${n++}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('sqlite', (now) => createSqliteStore({ path: freshPath(), now }));

describe('sqlite store', () => {
  it('migrates an empty database to the current schema in WAL mode', async () => {
    const path = freshPath();
    const s = createSqliteStore({ path, now: testClock().now });
    await s.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'keys',
      'label_sets',
      'policy_changes',
      'rollups',
      'summary_3600',
      'summary_86400',
      'summary_levels',
      'windows',
      'windows_300',
      'windows_60',
    ]);
    db.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => createSqliteStore({ path, now: testClock().now })).toThrow(/newer than this Verdict supports/);
  });

  it('keeps history and ids across a restart', async () => {
    const path = freshPath();
    const clock = testClock();
    const a = createSqliteStore({ path, now: clock.now });
    await a.ingest([
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, sourceLabels: ['app=web', 'pod=1'] }),
      flowBetween('shop/web', 'shop/db', { startTime: T0 - 30 }),
    ]);
    await a.close();
    const b = createSqliteStore({ path, now: clock.now });
    await b.ingest([
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 15, sourceLabels: ['app=web', 'pod=1'] }),
      flowBetween('shop/web', 'shop/cache', { startTime: T0 - 15 }),
    ]);
    const r = await b.list({ range: { gte: 0, lt: T0 + 1 }, sortBy: 'DestName' });
    expect(r.flows.map((f) => [f.id, f.flow.key.destName, f.flow.packetsIn, f.flow.sourceLabels])).toEqual([
      [1, 'api', 2, ['app=web', 'pod=1']],
      [3, 'cache', 1, ['app=web']],
      [2, 'db', 1, ['app=web']],
    ]);
    await b.close();
  });

  it('migrates a version 1 database (no addresses) in place, keeping its flows', async () => {
    const path = freshPath();
    const clock = testClock();
    const a = createSqliteStore({ path, now: clock.now });
    await a.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 })]);
    await a.close();
    const v1 = new Database(path);
    v1.exec(
      `ALTER TABLE windows DROP COLUMN source_ips; ALTER TABLE windows DROP COLUMN dest_ips; DROP TABLE policy_changes;
       DROP TABLE windows_60; DROP TABLE windows_300; DROP TABLE rollups;
       DROP TABLE summary_3600; DROP TABLE summary_86400; DROP TABLE summary_levels`,
    );
    v1.pragma('user_version = 1');
    v1.close();
    const b = createSqliteStore({ path, now: clock.now });
    await b.ingest([
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, sourceIps: ipSet(['10.0.0.9']) }),
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 15, sourceIps: ipSet(['10.0.0.8']) }),
    ]);
    const r = await b.list({ range: { gte: 0, lt: T0 + 1 } });
    expect(r.flows.map((f) => [f.id, f.flow.packetsIn, f.flow.sourceIps])).toEqual([
      [1, 3, ipSet(['10.0.0.8', '10.0.0.9'])],
    ]);
    await b.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
  });

  it('retention removes old buckets and keys that have no windows left', async () => {
    const path = freshPath();
    const clock = testClock();
    const s = createSqliteStore({ path, now: clock.now, retentionDays: 1 });
    await s.ingest([
      flowBetween('shop/web', 'shop/old', { startTime: T0 - 86_000 }),
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 86_000 }),
      flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 }),
    ]);
    expect((await s.stats()).rows).toBe(3);
    clock.advance(3600);
    s.tick();
    expect((await s.stats()).rows).toBe(1);
    const r = await s.list({ range: { gte: 0, lt: clock.now() }, sortBy: 'DestName' });
    expect(r.flows.map((f) => [f.id, f.flow.key.destName, f.flow.startTime])).toEqual([[2, 'api', T0 - 30]]);
    await s.ingest([flowBetween('shop/web', 'shop/old', { startTime: clock.now() })]);
    const again = await s.list({ range: { gte: 0, lt: clock.now() + 15 }, sortBy: 'DestName' });
    expect(again.flows.map((f) => f.flow.key.destName)).toEqual(['api', 'old']);
    expect(again.flows[1]!.id).toBeGreaterThan(2);
    await s.close();
  });

  it('resolves ingest only after the batch is committed', async () => {
    const path = freshPath();
    const clock = testClock();
    const s = createSqliteStore({ path, now: clock.now });
    await s.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 })]);
    const other = new Database(path, { readonly: true });
    expect(other.prepare('SELECT count(*) FROM windows').pluck().get()).toBe(1);
    other.close();
    await s.close();
  });
});

describe('sqlite roll-ups', () => {
  it('keeps 15 s windows for an hour and 1 min windows for a day, answering older ranges at 5 min with exact sums', async () => {
    const path = freshPath();
    const clock = testClock(T0 - 2 * 86_400);
    const s = createSqliteStore({ path, now: clock.now });
    const start = T0 - 2 * 86_400;
    const packetsAt = (t: number, k: number) => 1 + ((t / 15 + k) % 9);
    const batch = [];
    for (let t = start; t < T0 - 60; t += 15) {
      for (let k = 0; k < 3; k++) {
        batch.push(flowBetween(`shop/web-${k}`, 'shop/api', { startTime: t, packetsIn: packetsAt(t, k) }));
      }
    }
    clock.set(T0);
    await s.ingest(batch);
    expect(await s.rollUp()).toBeGreaterThan(0);
    const sumOf = (gte: number, lt: number) => {
      let sum = 0;
      for (let t = Math.max(start, gte); t < Math.min(lt, T0 - 60); t += 15) {
        if (t + 15 <= lt) for (let k = 0; k < 3; k++) sum += packetsAt(t, k);
      }
      return sum;
    };
    const listed = async (gte: number, lt: number) => {
      const r = await s.list({ range: { gte, lt }, pageSize: 0 });
      return [r.resolution, r.flows.reduce((a, f) => a + f.flow.packetsIn, 0), r.totalResults];
    };
    expect(await listed(start, T0)).toEqual([300, sumOf(start, T0), 3]);
    // An old range off the 5 min boundaries: counted from the next boundary, as 5 min buckets starting in it.
    const gte = T0 - 30 * 3600 + 17;
    expect(await listed(gte, T0 - 29 * 3600)).toEqual([300, sumOf(gte - 17 + 300, T0 - 29 * 3600), 3]);
    // Within the day: 1 min edges around 5 min buckets; within the hour: down to 15 s.
    expect(await listed(T0 - 5 * 3600 + 60, T0 - 4 * 3600 - 120)).toEqual([
      300,
      sumOf(T0 - 5 * 3600 + 60, T0 - 4 * 3600 - 120),
      3,
    ]);
    expect(await listed(T0 - 1800 + 15, T0 - 1800 + 75)).toEqual([15, sumOf(T0 - 1800 + 15, T0 - 1800 + 75), 3]);
    await s.close();
    const db = new Database(path, { readonly: true });
    const oldest = (table: string) => db.prepare(`SELECT min(bucket) FROM ${table}`).pluck().get() as number;
    expect(oldest('windows')).toBeGreaterThanOrEqual(T0 - 3600 - 300);
    expect(oldest('windows_60')).toBeGreaterThanOrEqual(T0 - 86_400 - 300);
    expect(oldest('windows_300')).toBe(start);
    db.close();
  });
  it('rolls up and lists keys whose windows disagree on labels or addresses as the window-by-window merge does', async () => {
    const clock = testClock(T0 - 2 * 3600 + 60);
    const s = createSqliteStore({ path: freshPath(), now: clock.now });
    const start = T0 - 3 * 3600;
    const end = T0 - 2 * 3600;
    /** Per key, a window every 15 s: steady labels and one address, then labels and addresses that change. */
    const windowOf = (k: number, t: number): Flow => {
      const i = (t - start) / 15;
      const steady = k === 0;
      return flowBetween(`shop/web-${k}`, 'shop/api', {
        startTime: t,
        sourceLabels: steady ? ['app=web'] : i % 7 === 3 ? [] : ['app=web', `pod=${i % 3}`],
        destLabels: steady || i % 5 !== 0 ? ['app=api'] : ['app=api', 'v=2'],
        ...(steady
          ? { sourceIps: ipSet(['10.0.0.1']) }
          : k === 1
            ? { sourceIps: ipSet([`10.0.1.${i % 4}`]) }
            : k === 2
              ? { sourceIps: ipSet(['10.0.2.1'], 3) }
              : {}),
        ...(k === 2 && i % 11 === 0 ? { destIps: ipSet(['10.9.0.1']) } : {}),
      });
    };
    const flows: Flow[] = [];
    for (let t = start; t < end; t += 15) for (let k = 0; k < 4; k++) flows.push(windowOf(k, t));
    await s.ingest(flows);
    clock.set(T0);
    await s.rollUp();
    const r = await s.list({ range: { gte: start, lt: end }, pageSize: 0, sortBy: 'SourceName' });
    expect(r.resolution).toBe(300);
    expect(r.totalResults).toBe(4);
    for (const { id, flow } of r.flows) {
      const mine = flows.filter((f) => f.key.sourceName === flow.key.sourceName);
      let want: { sourceLabels: readonly string[]; destLabels: readonly string[]; sourceIps?: IpSet; destIps?: IpSet } =
        { sourceLabels: [], destLabels: [] };
      for (const f of mine) {
        const sourceIps = mergeIpSets(want.sourceIps, f.sourceIps);
        const destIps = mergeIpSets(want.destIps, f.destIps);
        want = {
          sourceLabels: mergeLabels(want.sourceLabels, f.sourceLabels),
          destLabels: mergeLabels(want.destLabels, f.destLabels),
          ...(sourceIps ? { sourceIps } : {}),
          ...(destIps ? { destIps } : {}),
        };
      }
      expect([flow.sourceLabels, flow.destLabels, flow.sourceIps, flow.destIps]).toEqual([
        want.sourceLabels,
        want.destLabels,
        want.sourceIps,
        want.destIps,
      ]);
      expect((await s.get(id))?.flow).toEqual(flow);
    }
    // The key with a steady label set and address reads as itself; the one counting addresses beyond adds them up.
    expect(r.flows[0]!.flow.sourceIps).toEqual(ipSet(['10.0.0.1']));
    expect(r.flows[2]!.flow.sourceIps).toEqual(ipSet(['10.0.2.1'], 3 * 240));
    expect(r.flows[1]!.flow.sourceLabels).toEqual(['app=web']);
    await s.close();
  });
  it('backfills a stream from the 1 min and 5 min levels where the 15 s buckets are gone, each window once', async () => {
    const clock = testClock(T0 - 60);
    const s = createSqliteStore({ path: freshPath(), now: clock.now, retentionDays: 3 });
    const start = T0 - 2 * 86_400;
    const flows: Flow[] = [];
    let total = 0;
    for (let t = start; t < T0 - 60; t += 15) {
      for (let k = 0; k < 2; k++) {
        const packetsIn = 1 + ((t / 15 + k) % 5);
        total += packetsIn;
        flows.push(flowBetween(`shop/web-${k}`, 'shop/api', { startTime: t, packetsIn }));
      }
    }
    await s.ingest(flows);
    clock.set(T0 + 1);
    await s.rollUp();
    s.tick();
    const got: { width: number; start: number; packets: number }[] = [];
    const sub = s.subscribe(start + 7, undefined, (r) =>
      got.push({ width: r.flow.endTime - r.flow.startTime, start: r.flow.startTime, packets: r.flow.packetsIn }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    sub.close();
    // Oldest first: a day and more at 5 min, the rest of the day at 1 min, the last hour at 15 s.
    const widths = [...new Set(got.map((g) => g.width))];
    expect(widths).toEqual([300, 60, 15]);
    for (let i = 1; i < got.length; i++) expect(got[i]!.start).toBeGreaterThanOrEqual(got[i - 1]!.start);
    const last15 = got.filter((g) => g.width === 15);
    expect(last15[0]!.start).toBeLessThanOrEqual(T0 - 3600);
    expect(got.reduce((a, g) => a + g.packets, 0)).toBe(total);
    // Each result is one bucket of one key: two keys, so two results per bucket start.
    const perStart = new Map<number, number>();
    for (const g of got) perStart.set(g.start, (perStart.get(g.start) ?? 0) + 1);
    expect([...new Set(perStart.values())]).toEqual([2]);
    await s.close();
  });
  it('a filter keeping few keys reads their windows bucket by bucket and answers as a scan of every key does', async () => {
    const clock = testClock(T0 - 2 * 3600 + 60);
    const s = createSqliteStore({ path: freshPath(), now: clock.now });
    const flows: Flow[] = [];
    for (let t = T0 - 3 * 3600; t < T0 - 2 * 3600; t += 15) {
      for (let k = 0; k < 40; k++) {
        flows.push(
          flowBetween(`ns-${k % 20}/web-${k}`, `ns-${(k + 1) % 20}/api`, {
            startTime: t,
            packetsIn: 1 + (k % 3),
            sourceIps: ipSet([`10.0.${k}.${(t / 15) % 3}`]),
          }),
        );
      }
    }
    await s.ingest(flows);
    clock.set(T0);
    await s.rollUp();
    const range = { gte: T0 - 3 * 3600 - 60, lt: T0 };
    const all = await s.list({ range, pageSize: 0 });
    expect(all.totalResults).toBe(40);
    // ns-3 holds 2 of the 40 keys: read by key. Allow holds all of them: read by scanning.
    for (const filter of [
      { sourceNamespaces: [{ value: 'ns-3', type: 'Exact' as const }] },
      { actions: ['Allow' as const] },
    ]) {
      const some = await s.list({ range, pageSize: 0, filter });
      const want = all.flows.filter(
        (f) => !filter.sourceNamespaces || f.flow.key.sourceNamespace === filter.sourceNamespaces[0]!.value,
      );
      expect(some.flows).toEqual(want);
    }
    await s.close();
  });
});

describe('sqlite per-key summaries by hour and day', () => {
  const DAY = 86_400;
  /** Three days and a half of 4 keys, one window each per 5 min; keys 2 and 3 change labels and addresses. */
  const history = (start: number, end: number): Flow[] => {
    const flows: Flow[] = [];
    for (let t = start; t < end; t += 300) {
      const i = (t - start) / 300;
      for (let k = 0; k < 4; k++) {
        flows.push(
          flowBetween(`shop/web-${k}`, 'shop/api', {
            startTime: t + 15 * (k % 3),
            packetsIn: 1 + ((i + k) % 7),
            bytesOut: 10 * (1 + (i % 3)),
            sourceLabels: k === 2 && i % 50 === 7 ? ['app=web', `pod=${i % 3}`] : ['app=web'],
            destLabels: k === 3 && i % 97 === 0 ? [] : ['app=api'],
            ...(k === 3 ? { sourceIps: ipSet([`10.0.3.${i % 400 === 5 ? 2 : 1}`]) } : {}),
            ...(k === 1 ? { sourceIps: ipSet(['10.0.1.1'], i % 300 === 9 ? 2 : 0) } : {}),
          }),
        );
      }
    }
    return flows;
  };
  const start = T0 - 3 * DAY - 4800;
  const ranges = [
    [start, T0 + 1],
    [start + 17, T0 - 1234],
    [T0 - 2 * DAY - 3 * 3600, T0 - DAY - 7],
    [levelStart(T0 - 2 * DAY, DAY), levelStart(T0 - DAY, DAY)],
    [T0 - 3 * DAY, T0 - 2 * DAY + 3600 + 299],
  ] as const;
  function levelStart(t: number, seconds: number): number {
    return Math.floor(t / seconds) * seconds;
  }
  /** Every range's List, and `get` of every flow, in one comparable value. */
  const answers = async (s: ReturnType<typeof createSqliteStore>) => {
    const out: unknown[] = [];
    for (const [gte, lt] of ranges) {
      const r = await s.list({ range: { gte, lt }, pageSize: 0 });
      out.push(r.resolution, r.flows);
      for (const f of r.flows) out.push((await s.get(f.id))?.flow);
      for (const timeSeries of [false, true]) {
        for (const groupBy of ['Policy', 'PolicyRule'] as const) {
          out.push(await s.statistics({ range: { gte, lt }, type: 'PacketCount', groupBy, timeSeries }));
        }
      }
    }
    return out;
  };
  /** Reopens the store at `path` with its summaries emptied and marked unbuilt: List reads the 5 min windows. */
  const withoutSummaries = (path: string, now: () => number) => {
    const db = new Database(path);
    db.exec(
      'DELETE FROM summary_3600; DELETE FROM summary_86400; UPDATE summary_levels SET done_until = 0, kept_from = 0',
    );
    db.close();
    return createSqliteStore({ path, now });
  };
  const rowsOf = (path: string, table: string) => {
    const db = new Database(path, { readonly: true });
    const n = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    db.close();
    return n;
  };

  it('answer every range, labels and addresses included, exactly as the 5 min windows do, and are rebuilt by the next roll-up', async () => {
    const path = freshPath();
    const clock = testClock(start);
    const s = createSqliteStore({ path, now: clock.now });
    clock.set(T0);
    const flows = history(start, T0 - 120);
    await s.ingest(flows);
    await s.rollUp();
    expect(rowsOf(path, 'summary_3600')).toBeGreaterThan(4 * 70);
    expect(rowsOf(path, 'summary_86400')).toBeGreaterThanOrEqual(4 * 2);
    const withSummaries = await answers(s);
    // The whole history counts every window once.
    const all = await s.list({ range: { gte: start, lt: T0 + 1 }, pageSize: 0 });
    expect(all.flows.reduce((a, f) => a + f.flow.packetsIn, 0)).toBe(flows.reduce((a, f) => a + f.packetsIn, 0));
    await s.close();

    const plain = withoutSummaries(path, clock.now);
    expect(await answers(plain)).toEqual(withSummaries);
    // The same roll-up that rolls 5 min windows builds the summaries again, with the same answers.
    await plain.rollUp();
    expect(rowsOf(path, 'summary_86400')).toBeGreaterThanOrEqual(4 * 2);
    expect(await answers(plain)).toEqual(withSummaries);
    await plain.close();
  });

  it('a whole day is read from its summary row', async () => {
    const path = freshPath();
    const clock = testClock(T0);
    const s = createSqliteStore({ path, now: clock.now });
    await s.ingest(history(start, T0 - 120));
    await s.rollUp();
    const day = levelStart(T0 - 2 * DAY, DAY);
    const range = { gte: day, lt: day + DAY };
    const before = await s.list({ range, pageSize: 0, sortBy: 'SourceName' });
    expect(before.resolution).toBe(300);
    const allowedIn = async (timeSeries: boolean) =>
      (await s.statistics({ range, type: 'PacketCount', groupBy: 'Policy', timeSeries })).reduce(
        (a, g) => a + g.allowedIn.reduce((x, y) => x + y, 0),
        0,
      );
    const total = before.flows.reduce((a, f) => a + f.flow.packetsIn, 0);
    expect([await allowedIn(false), await allowedIn(true)]).toEqual([total, total]);
    const db = new Database(path);
    expect(
      db.prepare('UPDATE summary_86400 SET packets_in = packets_in + 1000 WHERE bucket = ?').run(day).changes,
    ).toBe(4);
    db.close();
    const after = await s.list({ range, pageSize: 0, sortBy: 'SourceName' });
    expect(after.flows.map((f) => f.flow.packetsIn)).toEqual(before.flows.map((f) => f.flow.packetsIn + 1000));
    // Totals read the summary too; a time series reads the 5 min windows.
    expect([await allowedIn(false), await allowedIn(true)]).toEqual([total + 4000, total]);
    await s.close();
  });

  it('a late flow for a summarised day is counted once, and labels or addresses it changes are merged from the windows', async () => {
    const path = freshPath();
    const clock = testClock(T0);
    const s = createSqliteStore({ path, now: clock.now });
    const flows = history(start, T0 - 120);
    await s.ingest(flows);
    await s.rollUp();
    const late = [
      flowBetween('shop/web-0', 'shop/api', { startTime: T0 - 2 * DAY + 30, packetsIn: 5000 }),
      flowBetween('shop/web-1', 'shop/api', {
        startTime: T0 - 2 * DAY + 30,
        packetsIn: 7,
        sourceLabels: ['app=web', 'late=1'],
        sourceIps: ipSet(['10.0.1.9']),
      }),
      flowBetween('shop/web-9', 'shop/api', { startTime: T0 - 2 * DAY - 3000, packetsIn: 3 }),
    ];
    await s.ingest(late);
    await s.rollUp();
    const withSummaries = await answers(s);
    const whole = await s.list({ range: { gte: start, lt: T0 + 1 }, pageSize: 0, sortBy: 'SourceName' });
    expect(whole.flows.map((f) => f.flow.key.sourceName)).toEqual(['web-0', 'web-1', 'web-2', 'web-3', 'web-9']);
    let ips: IpSet | undefined;
    for (const f of [...flows, ...late]) if (f.key.sourceName === 'web-1') ips = mergeIpSets(ips, f.sourceIps);
    expect(whole.flows[1]!.flow.sourceIps).toEqual(ips);
    expect(ips?.ips).toEqual(['10.0.1.1', '10.0.1.9']);
    await s.close();
    const plain = withoutSummaries(path, clock.now);
    expect(await answers(plain)).toEqual(withSummaries);
    await plain.close();
  });

  it('are kept only for the whole hours and days the 5 min level still holds', async () => {
    const path = freshPath();
    const clock = testClock(T0);
    const s = createSqliteStore({ path, now: clock.now, retentionDays: 2 });
    await s.ingest(history(T0 - 2 * DAY + 300, T0 - 120));
    await s.rollUp();
    clock.set(T0 + DAY / 2);
    s.prune();
    const db = new Database(path, { readonly: true });
    const oldest = (table: string) => db.prepare(`SELECT min(bucket) FROM ${table}`).pluck().get() as number;
    const kept5 = oldest('windows_300');
    expect(kept5).toBeGreaterThanOrEqual(T0 + DAY / 2 - 2 * DAY - 300);
    expect(oldest('summary_3600')).toBe(Math.ceil(kept5 / 3600) * 3600);
    expect(oldest('summary_86400')).toBeGreaterThanOrEqual(Math.ceil(kept5 / DAY) * DAY);
    const levels = db.prepare('SELECT seconds, kept_from FROM summary_levels ORDER BY seconds').raw().all();
    db.close();
    expect(levels).toEqual([
      [3600, Math.ceil(kept5 / 3600) * 3600],
      [86_400, Math.ceil(kept5 / DAY) * DAY],
    ]);
    const whole = await s.list({ range: { gte: 0, lt: T0 + DAY }, pageSize: 0 });
    await s.close();
    const plain = withoutSummaries(path, clock.now);
    expect(await plain.list({ range: { gte: 0, lt: T0 + DAY }, pageSize: 0 })).toEqual(whole);
    await plain.close();
  });

  it('migrates a database of the schema before summaries and summarises its history at the next roll-up', async () => {
    const path = freshPath();
    const clock = testClock(T0);
    const a = createSqliteStore({ path, now: clock.now });
    await a.ingest(history(start, T0 - 120));
    await a.rollUp();
    const want = await answers(a);
    await a.close();
    const old = new Database(path);
    old.exec('DROP TABLE summary_3600; DROP TABLE summary_86400; DROP TABLE summary_levels');
    old.pragma(`user_version = ${SQLITE_SCHEMA_VERSION - 1}`);
    old.close();
    const b = createSqliteStore({ path, now: clock.now });
    expect(rowsOf(path, 'summary_3600')).toBe(0);
    expect(await answers(b)).toEqual(want);
    await b.rollUp();
    expect(rowsOf(path, 'summary_86400')).toBeGreaterThan(0);
    expect(await answers(b)).toEqual(want);
    await b.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
  });
});
