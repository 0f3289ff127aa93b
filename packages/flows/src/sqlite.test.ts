import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { flowBetween, ipSet, T0, testClock } from './fixtures.ts';
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
    expect(tables).toEqual(['keys', 'label_sets', 'policy_changes', 'windows']);
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
      'ALTER TABLE windows DROP COLUMN source_ips; ALTER TABLE windows DROP COLUMN dest_ips; DROP TABLE policy_changes',
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
