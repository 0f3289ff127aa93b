import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { cidrContains, parseCidr, parseIp, parseSelector } from '@verdict/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowBinaryWriter } from './clickhouse/rowbinary.ts';
import {
  encodeKeyRows,
  encodeWindows,
  keyPrefix,
  keyRow,
  keyRowsBytes,
  WINDOW_BINARY_COLUMNS,
  WindowColumns,
} from './clickhouse/rows.ts';
import { MIGRATIONS, migrateClickHouse, windowsTable } from './clickhouse/schema.ts';
import { type LocalClickHouse, startLocalClickHouse } from './clickhouse/server.ts';
import { openSpool } from './clickhouse/spool.ts';
import { cidrTest, literal, selectorSql } from './clickhouse/sql.ts';
import { type ClickHouseFlowStore, createClickHouseStore, SpoolFull } from './clickhouse/store.ts';
import { labelMap } from './filter.ts';
import { endOfTier, flowBetween, hit, ipSet, T0, testClock } from './fixtures.ts';
import { buildGraph } from './graph.ts';
import { COUNTERS, flowKeyString } from './key.ts';
import { policyStats } from './policyStats.ts';
import type { FlowFilter } from './store.ts';
import { describeStoreContract } from './store-contract.ts';

let server: LocalClickHouse;
const spoolDir = mkdtempSync(join(tmpdir(), 'verdict-spool-'));
let n = 0;

beforeAll(async () => {
  server = await startLocalClickHouse();
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

describeStoreContract('clickhouse', (now) =>
  createClickHouseStore({ url: server.url, database: `contract_${n++}`, spoolDir, now }),
);

describe('clickhouse store: delivery', () => {
  const totals = async (s: ClickHouseFlowStore, range: { gte: number; lt: number }) => {
    const r = await s.list({ range, pageSize: 0 });
    return {
      flows: r.totalResults,
      packets: r.flows.reduce((sum, f) => sum + f.flow.packetsIn, 0),
    };
  };

  it('a batch ClickHouse stored but whose answer was lost is sent again and counted once', async () => {
    // A proxy that lets the first insert into flow_windows reach ClickHouse and then cuts the answer off.
    let cut = 1;
    const proxy = createServer((client) => {
      const upstream = connect(Number(new URL(server.url).port), '127.0.0.1');
      let swallow = false;
      client.on('data', (chunk) => {
        if (cut > 0 && /INSERT(%20|\+| )INTO(%20|\+| )flow_windows/.test(chunk.toString('latin1'))) {
          cut--;
          swallow = true;
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
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const clock = testClock();
    const s = createClickHouseStore({ url, database: `retry_${n++}`, spoolDir, now: clock.now });
    try {
      await s.ready;
      await s.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, packetsIn: 5 })]);
      expect([cut, s.writable, s.spooled.batches]).toEqual([0, false, 1]);
      await s.flush();
      expect(s.writable).toBe(true);
      expect(await totals(s, { gte: T0 - 60, lt: T0 + 30 })).toEqual({ flows: 1, packets: 5 });
    } finally {
      await s.close();
      proxy.close();
    }
  });

  it('ClickHouse killed mid-ingest: every acknowledged flow arrives once, none twice, and writes pause on a full buffer', async () => {
    const local = await startLocalClickHouse();
    const spool = mkdtempSync(join(tmpdir(), 'verdict-spool-fault-'));
    const clock = testClock();
    const s = createClickHouseStore({
      url: local.url,
      database: 'fault',
      spoolDir: spool,
      spoolLimitBytes: 400_000,
      requestTimeoutMs: 2_000,
      now: clock.now,
    });
    try {
      await s.ready;
      let acknowledged = 0;
      let refused = 0;
      const batch = (i: number) =>
        Array.from({ length: 200 }, (_, j) =>
          flowBetween(`ns-${j % 7}/web`, `ns-${(i + j) % 5}/api`, {
            startTime: T0 - 15 * (1 + (i % 8)),
            destPort: 1000 + (j % 50),
            packetsIn: 1,
            sourceIps: ipSet([`10.0.${i % 200}.${j % 250}`]),
          }),
        );
      const send = async (i: number) => {
        try {
          await s.ingest(batch(i));
          acknowledged += 200;
        } catch (e) {
          expect(e).toBeInstanceOf(SpoolFull);
          refused += 200;
        }
      };
      for (let i = 0; i < 20; i++) await send(i);
      expect(s.writable).toBe(true);
      // Kill while batches are in flight.
      const inFlight = [send(20), send(21), send(22)];
      await local.kill();
      await Promise.all(inFlight);
      for (let i = 23; i < 60; i++) await send(i);
      expect(s.writable).toBe(false);
      expect(s.spooled.batches).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      await local.restart();
      await s.flush();
      expect(s.writable).toBe(true);
      expect(s.spooled).toEqual({ batches: 0, bytes: 0 });
      const stored = await totals(s, { gte: T0 - 3600, lt: T0 + 30 });
      expect(stored.packets).toBe(acknowledged);
      // Nothing doubled after the server merges its parts either.
      await fetch(`${local.url}/?database=fault`, { method: 'POST', body: 'OPTIMIZE TABLE flow_windows FINAL' });
      expect((await totals(s, { gte: T0 - 3600, lt: T0 + 30 })).packets).toBe(acknowledged);
    } finally {
      await s.close();
      await local.close();
      rmSync(spool, { recursive: true, force: true });
    }
  }, 120_000);

  it('a batch spooled by a Verdict that died is sent by the next one, once', async () => {
    const local = await startLocalClickHouse();
    const spool = mkdtempSync(join(tmpdir(), 'verdict-spool-restart-'));
    const clock = testClock();
    try {
      const first = createClickHouseStore({ url: local.url, spoolDir: spool, requestTimeoutMs: 2_000, now: clock.now });
      await first.ready;
      await first.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, packetsIn: 3 })]);
      await local.kill();
      await first.ingest([flowBetween('shop/web', 'shop/db', { startTime: T0 - 30, packetsIn: 4 })]);
      expect(first.spooled.batches).toBe(1);
      await first.close();
      await local.restart();
      const second = createClickHouseStore({ url: local.url, spoolDir: spool, now: clock.now });
      await second.ready;
      await second.flush();
      const r = await second.list({ range: { gte: T0 - 60, lt: T0 + 30 }, sortBy: 'DestName' });
      expect(r.flows.map((f) => [f.id, f.flow.key.destName, f.flow.packetsIn])).toEqual([
        [1, 'api', 3],
        [2, 'db', 4],
      ]);
      await second.ingest([flowBetween('shop/web', 'shop/cache', { startTime: T0 - 30 })]);
      const again = await second.list({ range: { gte: T0 - 60, lt: T0 + 30 }, sortBy: 'DestName' });
      expect(again.flows.map((f) => f.id)).toEqual([1, 3, 2]);
      await second.close();
    } finally {
      await local.close();
      rmSync(spool, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('clickhouse RowBinary rows', () => {
  const post = async (database: string, query: string, body?: Uint8Array<ArrayBuffer>) => {
    const r = await fetch(`${server.url}/?database=${database}&query=${encodeURIComponent(query)}`, {
      method: 'POST',
      ...(body === undefined ? {} : { body }),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(text);
    return text;
  };
  const windows = () => {
    const long = `payments-${'ü'.repeat(60)}-${'x'.repeat(200)}`;
    const flows = [
      flowBetween('shop/web', 'shop/api', { packetsIn: 2 ** 40 + 5, bytesOut: 3 }),
      flowBetween(`${long}/worker`, 'shop/db', { destPort: 65535, sourceIps: ipSet(['10.0.0.1', 'fd00::1']) }),
      flowBetween('a\tb/c\nd', "x'y/z\\w", { proto: 'udp', pending: [hit('NetworkPolicy', 'default/shop/p', 'Deny')] }),
      flowBetween('shop/web', 'shop/cache', { destIps: ipSet(['10.0.0.2'], 7) }),
    ];
    const cols = new WindowColumns();
    flows.forEach((f, i) => {
      const id = 7 * 2 ** 32 + i + 1;
      cols.add(T0 - 15 * i, id, keyPrefix('prod-ü', id, f.key), 2 ** 53 - 1 - i, i);
      cols.sourceIps[i] = f.sourceIps;
      cols.destIps[i] = f.destIps;
      cols.counters.set([f.packetsIn, f.packetsOut, f.bytesIn, f.bytesOut, 1, 2, i], i * COUNTERS);
    });
    const w = new RowBinaryWriter(16);
    const ends = encodeWindows(w, 2 ** 48 - 1, cols);
    return { flows, body: new Uint8Array(w.view()), ends };
  };
  const read = async (database: string) =>
    (
      await post(
        database,
        `SELECT cluster, key_id, source_namespace, source_name, dest_namespace, dest_name, dest_port, proto, reporter,
           pending_verdict, bucket, toString(batch) AS batch, seq, toString(source_labels) AS src, dest_labels,
           source_ips, dest_ips, dest_ips_beyond, toString(packets_in) AS packets_in, connections_live
         FROM flow_windows ORDER BY seq FORMAT JSONEachRow`,
      )
    )
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const insert = `INSERT INTO flow_windows (${WINDOW_BINARY_COLUMNS.join(', ')}) FORMAT RowBinary`;
  const migrated = async (database: string) => {
    await post('default', `CREATE DATABASE ${database}`);
    const client = createClient({ url: server.url, database });
    try {
      await migrateClickHouse(client, database);
    } finally {
      await client.close();
    }
  };

  it('ClickHouse reads back every column as written: UTF-8, escapes, long strings, 64-bit numbers and arrays', async () => {
    const database = `rowbinary_${n++}`;
    await migrated(database);
    const { flows, body } = windows();
    await post(database, insert, body);
    const rows = await read(database);
    expect(rows.map((r) => [r.source_namespace, r.source_name, r.dest_namespace, r.dest_name])).toEqual(
      flows.map((f) => [f.key.sourceNamespace, f.key.sourceName, f.key.destNamespace, f.key.destName]),
    );
    expect(rows[0]).toMatchObject({
      cluster: 'prod-ü',
      key_id: String(7 * 2 ** 32 + 1),
      bucket: T0,
      batch: String(2 ** 48 - 1),
      seq: 0,
      src: String(2 ** 53 - 1),
      dest_labels: '0',
      packets_in: String(2 ** 40 + 5),
      reporter: 'Dst',
      pending_verdict: '',
    });
    expect(rows[1]).toMatchObject({ dest_port: 65535, source_ips: ['10.0.0.1', 'fd00::1'], dest_ips: [] });
    expect(rows[2]).toMatchObject({ proto: 'udp', pending_verdict: 'Deny' });
    expect(rows[3]).toMatchObject({ dest_ips: ['10.0.0.2'], dest_ips_beyond: 7, connections_live: '3' });
  });

  it('key rows of shared traces encode as the same rows read back from the spool, per direction', () => {
    const enforced = [
      hit('NetworkPolicy', 'default/shop/api-in', 'Allow', { ruleIndex: 1 }),
      endOfTier(hit('NetworkPolicy', 'default/shop/other', 'Pass'), 'Deny', 1),
    ];
    const pending = [hit('GlobalNetworkPolicy', 'security/lockdown', 'Deny')];
    const keys = (['Dst', 'Src', 'Dst'] as const).map((reporter, i) => {
      const f = flowBetween('shop/web', `shop/api-${i}`, { reporter, enforced, pending });
      return keyRow('prod', i + 1, flowKeyString(f.key), f.key);
    });
    // The first and third rows share the cached trace columns; the second has the other direction.
    expect(keys[0]!.stat_rule).toBe(keys[2]!.stat_rule);
    expect(keys[1]!.stat_rule).not.toEqual(keys[0]!.stat_rule);
    const cached = new RowBinaryWriter(16);
    encodeKeyRows(cached, keys);
    const fresh = new RowBinaryWriter(16);
    encodeKeyRows(fresh, JSON.parse(JSON.stringify(keys)));
    expect(Buffer.compare(cached.view(), fresh.view())).toBe(0);
    expect(keyRowsBytes(keys)).toBeGreaterThanOrEqual(cached.length);
  });

  it('row ends cut a batch into rows that can be sent on their own', async () => {
    const database = `rowbinary_${n++}`;
    await migrated(database);
    const { body, ends } = windows();
    const row = (i: number) => body.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
    expect(ends.at(-1)).toBe(body.length);
    await post(database, insert, new Uint8Array(Buffer.concat([row(1), row(3)])));
    expect((await read(database)).map((r) => [r.seq, r.dest_name])).toEqual([
      [1, 'db'],
      [3, 'cache'],
    ]);
  });
});

describe('clickhouse SQL: CIDR tests', () => {
  it('agree with the engine on IPv4 and IPv6 prefixes of every length class', async () => {
    const cidrs = [
      '0.0.0.0/0',
      '10.0.0.0/8',
      '10.1.192.0/19',
      '10.1.200.7/32',
      '2001:db8::/32',
      'fd00::/7',
      '2001:db8:8000::/33',
      '::/0',
    ];
    const ips = [
      '10.1.200.7',
      '10.1.223.255',
      '10.1.224.0',
      '11.0.0.1',
      '0.0.0.0',
      '2001:db8::1',
      '2001:db8:8000::1',
      'fc00::1',
      'fe00::1',
    ];
    const selects = cidrs.flatMap((c) =>
      ips.map(
        (ip) => `SELECT ${literal(c)} AS c, ${literal(ip)} AS ip, ${cidrTest(literal(ip), parseCidr(c)!)} AS inside`,
      ),
    );
    const r = await fetch(`${server.url}/`, {
      method: 'POST',
      body: `SELECT c, ip, toUInt8(inside) AS inside FROM (${selects.join(' UNION ALL ')}) FORMAT JSONEachRow`,
    });
    const rows = (await r.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { c: string; ip: string; inside: number });
    expect(rows).toHaveLength(cidrs.length * ips.length);
    for (const row of rows) {
      expect([row.c, row.ip, row.inside === 1]).toEqual([
        row.c,
        row.ip,
        cidrContains(parseCidr(row.c)!, parseIp(row.ip)!),
      ]);
    }
  });
});

describe('clickhouse store: graph and policy statistics folded in SQL', () => {
  // Keys that differ only in what a fold drops (ports, protocols, counters) fold together; traces
  // with end-of-tier triggers, pending hits and both reporters exercise every policyStats rule.
  const np = hit('NetworkPolicy', 'default/shop/api-in', 'Allow', { ruleIndex: 1 });
  const deny = hit('GlobalNetworkPolicy', 'security/lockdown', 'Deny', { ruleIndex: 0 });
  const flows = (startTime: number) => [
    flowBetween('shop/web', 'shop/api', { startTime, destPort: 80, enforced: [np] }),
    flowBetween('shop/web', 'shop/api', { startTime, destPort: 81, enforced: [np] }),
    flowBetween('shop/web', 'shop/api', { startTime, destPort: 82, reporter: 'Src', enforced: [np], pending: [deny] }),
    flowBetween('shop/web', 'db/pg', { startTime, action: 'Deny', enforced: [endOfTier(np, 'Deny')] }),
    flowBetween('pub', 'shop/web', { startTime, action: 'Deny', enforced: [deny], destIps: ipSet(['10.0.0.1']) }),
    flowBetween('pvt', 'shop/web', { startTime, proto: 'udp' }),
    flowBetween('ops/backup', 'db/pg', { startTime, sourceType: 'HostEndpoint', destPort: 5432 }),
  ];

  it('answers as buildGraph and policyStats over the listed flows, for every filter and across clusters', async () => {
    const clock = testClock();
    const database = `fold_${n++}`;
    const eu = createClickHouseStore({ url: server.url, database, cluster: 'eu', spoolDir, now: clock.now });
    const us = createClickHouseStore({ url: server.url, database, cluster: 'us', spoolDir, now: clock.now });
    try {
      await eu.ingest(flows(T0 - 30));
      await eu.ingest(flows(T0 - 60));
      await us.ingest(flows(T0 - 30).slice(2, 5));
      const range = { gte: T0 - 3600, lt: T0 + 30 };
      const filters: (FlowFilter | undefined)[] = [
        undefined,
        { actions: ['Deny'] },
        { clusters: ['us'] },
        { destNamespaces: [{ value: 'shop', type: 'Exact' }], reporter: 'Dst' },
        { destSelector: "app == 'pg'" },
        { destPorts: [9] },
      ];
      for (const filter of filters) {
        const q = { range, ...(filter ? { filter } : {}) };
        const listed = (await eu.list({ ...q, pageSize: 0 })).flows;
        const byCluster = (items: readonly { cluster?: string }[]) => [...new Set(items.map((i) => i.cluster))].sort();
        const { keys: graph } = await eu.countKeys({ ...q, fold: 'graph' });
        const { keys: policies } = await eu.countKeys({ ...q, fold: 'policies' });
        expect(byCluster(graph)).toEqual(byCluster(listed));
        for (const cluster of byCluster(listed)) {
          const mine = listed.filter((r) => r.cluster === cluster).map((r) => r.flow);
          for (const group of ['workload', 'namespace'] as const) {
            expect(
              buildGraph(
                graph.filter((g) => g.cluster === cluster),
                group,
              ),
            ).toEqual(buildGraph(mine, group));
          }
          expect(policyStats(policies.filter((p) => p.cluster === cluster))).toEqual(policyStats(mine));
        }
        // Folding happened: fewer rows than keys when keys differ only in ports.
        if (filter === undefined) expect(graph.length).toBeLessThan(listed.length);
      }
    } finally {
      await eu.close();
      await us.close();
    }
  });
});

describe('clickhouse store: label selectors in SQL', () => {
  it('agree with the engine on every selector operator, empty values and quoting', async () => {
    const selectors = [
      'all()',
      "app == 'api'",
      "app != 'api'",
      "tier == ''",
      'has(tier)',
      '!has(tier)',
      "app contains 'p'",
      "app starts with 'ap'",
      "app starts with ''",
      "app ends with 'pi'",
      "app in {'api', 'web'}",
      "app not in {'api'}",
      "tier in {''}",
      'app == "api" && has(tier) || env == "o\'brien"',
      "!(app == 'web' || tier == 'db')",
      "app ends with 'p'",
    ];
    const labelSets: string[][] = [
      [],
      ['app=api'],
      ['app=api', 'tier=db'],
      ['app=web', 'tier'],
      ['app=', 'tier='],
      ["env=o'brien", 'app=api', 'tier=x'],
      ['application=api', 'apps=web'],
      ['app=p'],
    ];
    const selects = selectors.flatMap((text) => {
      const parsed = parseSelector(text);
      if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
      return labelSets.map(
        (labels, i) =>
          `SELECT ${literal(text)} AS s, ${i} AS i, toUInt8(${selectorSql(parsed.value.ast)}) AS inside FROM (SELECT ${labels.length === 0 ? 'emptyArrayString()' : `[${labels.map(literal).join(', ')}]`} AS labels)`,
      );
    });
    const r = await fetch(`${server.url}/`, {
      method: 'POST',
      body: `SELECT s, i, inside FROM (${selects.join(' UNION ALL ')}) FORMAT JSONEachRow`,
    });
    const text = await r.text();
    expect(r.ok, text).toBe(true);
    const rows = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { s: string; i: number; inside: number });
    expect(rows).toHaveLength(selectors.length * labelSets.length);
    for (const row of rows) {
      const selector = parseSelector(row.s);
      if (!selector.ok) throw new Error(row.s);
      expect([row.s, labelSets[row.i], row.inside === 1]).toEqual([
        row.s,
        labelSets[row.i],
        selector.value.matches(labelMap(labelSets[row.i]!)),
      ]);
    }
  });

  it('pages in SQL when each key kept its labels, and stays exact when a key changed labels in the range', async () => {
    const clock = testClock();
    const s = createClickHouseStore({ url: server.url, database: `labels_${n++}`, spoolDir, now: clock.now });
    try {
      const flows = Array.from({ length: 6 }, (_, i) =>
        flowBetween('shop/web', `shop/api-${i}`, {
          startTime: T0 - 60,
          destLabels: [`app=api-${i}`, i % 2 === 0 ? 'tier=even' : 'tier=odd'],
        }),
      );
      await s.ingest(flows);
      const range = { gte: T0 - 3600, lt: T0 + 30 };
      const even = { destSelector: "tier == 'even'" };
      const page0 = await s.list({ range, filter: even, sortBy: 'DestName', page: 0, pageSize: 2 });
      const page1 = await s.list({ range, filter: even, sortBy: 'DestName', page: 1, pageSize: 2 });
      expect([page0.totalResults, page0.totalPages]).toEqual([3, 2]);
      expect([...page0.flows, ...page1.flows].map((r) => r.flow.key.destName)).toEqual(['api-0', 'api-2', 'api-4']);
      expect((await s.hints({ type: 'DestName', range, filter: even })).values).toEqual(['api-0', 'api-2', 'api-4']);
      const none = await s.list({ range, filter: { destSelector: '!has(tier)' } });
      expect(none.totalResults).toBe(0);
      // api-0 drops `tier` in a later window: its merged labels (the intersection) have no tier.
      await s.ingest([
        flowBetween('shop/web', 'shop/api-0', { startTime: T0 - 30, destLabels: ['app=api-0', 'zone=a'] }),
      ]);
      const after = await s.list({ range, filter: even, sortBy: 'DestName', page: 0, pageSize: 10 });
      expect(after.flows.map((r) => r.flow.key.destName)).toEqual(['api-2', 'api-4']);
      const untiered = await s.list({ range, filter: { destSelector: '!has(tier)' } });
      expect(untiered.flows.map((r) => [r.flow.key.destName, r.flow.destLabels])).toEqual([['api-0', ['app=api-0']]]);
      // Over the first window alone api-0 still had its tier.
      const early = await s.list({ range: { gte: T0 - 60, lt: T0 - 45 }, filter: even, sortBy: 'DestName' });
      expect(early.flows.map((r) => r.flow.key.destName)).toEqual(['api-0', 'api-2', 'api-4']);
    } finally {
      await s.close();
    }
  });
});

describe('clickhouse store: flows reported by given endpoints', () => {
  it('gives what list gives for those reporters, any number of endpoints, the endpoint type checked', async () => {
    const clock = testClock(T0 + 61);
    const store = createClickHouseStore({ url: server.url, database: `reported_${n++}`, spoolDir, now: clock.now });
    const flows = [0, 15, 30].flatMap((dt) => [
      flowBetween('shop/web', 'shop/api', { startTime: T0 + dt, reporter: 'Src' }),
      flowBetween('shop/web', 'shop/api', { startTime: T0 + dt, reporter: 'Dst' }),
      flowBetween('shop/web', 'db/pg', { startTime: T0 + dt, reporter: 'Src', destPort: 5432 + dt }),
      flowBetween('shop/cart', 'db/pg', { startTime: T0 + dt, reporter: 'Dst' }),
      // Same namespace and name as shop/web, but a host endpoint.
      flowBetween('shop/web', 'db/pg', { startTime: T0 + dt, reporter: 'Src', sourceType: 'HostEndpoint' }),
      flowBetween('pub', 'shop/api', { startTime: T0 + dt, reporter: 'Dst', destType: 'WorkloadEndpoint' }),
      flowBetween('shop/web', 'db/redis', { startTime: T0 + dt, reporter: 'Dst' }),
    ]);
    await store.ingest(flows);
    const range = { gte: T0, lt: T0 + 60 };
    const all = (await store.list({ range, pageSize: 0 })).flows;
    const wep = (namespace: string, name: string) => ({ type: 'WorkloadEndpoint' as const, namespace, name });
    // Many endpoints that sent nothing: they travel in a temporary table, not in the query text.
    const absent = Array.from({ length: 20_000 }, (_, i) => wep(`ns-${i}`, `workload-${i}-with-a-long-name-*`));
    const query = {
      range,
      sources: [wep('shop', 'web'), ...absent],
      destinations: [wep('db', 'pg'), wep('shop', 'api'), ...absent],
    };
    const got = [];
    for await (const r of store.reportedBy(query)) got.push(r);
    const touched = (type: string, namespace: string, name: string) =>
      type === 'WorkloadEndpoint' && ['shop/web', 'db/pg', 'shop/api'].includes(`${namespace}/${name}`);
    const expected = [
      ...all.filter(
        (r) => r.flow.key.reporter === 'Src' && touched(r.flow.key.sourceType, 'shop', r.flow.key.sourceName),
      ),
      ...all.filter((r) => {
        const k = r.flow.key;
        return k.reporter === 'Dst' && touched(k.destType, k.destNamespace, k.destName);
      }),
    ];
    // Src first, then Dst, each in list's order (newest first, then by id), aggregated as list does.
    expect(expected.length).toBe(7);
    expect(got).toEqual(expected);
    expect(got.some((r) => r.flow.key.sourceType === 'HostEndpoint')).toBe(false);
    const none = [];
    for await (const r of store.reportedBy({ range, sources: absent, destinations: [] })) none.push(r);
    expect(none).toEqual([]);
    await store.close();
  });
});

describe('clickhouse schema v3: enum columns and small granules', () => {
  const post = async (database: string, query: string) => {
    const r = await fetch(`${server.url}/?database=${database}&query=${encodeURIComponent(query)}`, { method: 'POST' });
    const text = await r.text();
    if (!r.ok) throw new Error(text);
    return text;
  };
  const json = async (database: string, query: string) =>
    (await post(database, `${query} FORMAT JSONEachRow`))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  /** A database as the v2 schema left it, with 6,000 windows over three day partitions. */
  const atV2 = async () => {
    const database = `migrate_${n++}`;
    await post('default', `CREATE DATABASE ${database}`);
    await post(
      database,
      'CREATE TABLE schema_migrations (version UInt32, applied DateTime) ENGINE = ReplacingMergeTree ORDER BY version',
    );
    for (const [v, statements] of MIGRATIONS.slice(0, 2).entries()) {
      for (const statement of statements as readonly string[]) await post(database, statement);
      await post(database, `INSERT INTO schema_migrations VALUES (${v + 1}, now())`);
    }
    await post(
      database,
      `INSERT INTO flow_windows (cluster, bucket, key_id, batch, seq, source_namespace, dest_namespace, action,
         reporter, pending_verdict, proto, source_ips, packets_in)
       SELECT 'prod', ${T0} - (number % 3) * 86400 - (number % 40) * 15, number % 50, intDiv(number, 1000), number % 1000,
         concat('ns', toString(number % 7)), 'db', arrayElement(['Allow', 'Deny', 'Pass'], number % 3 + 1),
         if(number % 2 = 0, 'Src', 'Dst'), if(number % 5 = 0, 'Deny', ''), 'tcp', [toString(number)], number
       FROM numbers(6000)`,
    );
    return database;
  };
  const fingerprint = (database: string) =>
    json(
      database,
      `SELECT toString(action) AS a, toString(reporter) AS r, toString(pending_verdict) AS p, count() AS n,
         sum(packets_in) AS packets, uniqExact(key_id, batch, seq) AS rows, groupUniqArrayArray(source_ips)[1] != '' AS ips
       FROM flow_windows GROUP BY a, r, p ORDER BY a, r, p`,
    );
  const migrate = async (database: string) => {
    const client = createClient({ url: server.url, database, log: { level: ClickHouseLogLevel.OFF } });
    try {
      return await migrateClickHouse(client, database);
    } finally {
      await client.close();
    }
  };
  const layout = async (database: string) => ({
    action: (
      await json(
        database,
        `SELECT type FROM system.columns WHERE database = '${database}'
      AND table = 'flow_windows' AND name = 'action'`,
      )
    )[0]?.type,
    granularity: /index_granularity = (\d+)/.exec(await post(database, 'SHOW CREATE TABLE flow_windows'))?.[1],
    tables: (await json(database, `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`)).map(
      (r) => r.name,
    ),
    version: (await json(database, 'SELECT max(version) AS v FROM schema_migrations'))[0]?.v,
  });

  it('migrates a v2 database from three replicas at once, keeping every window once', async () => {
    const database = await atV2();
    const before = await fingerprint(database);
    expect(before.reduce((sum, r) => sum + Number(r.n), 0)).toBe(6000);
    expect(await Promise.all([migrate(database), migrate(database), migrate(database)])).toEqual([
      MIGRATIONS.length,
      MIGRATIONS.length,
      MIGRATIONS.length,
    ]);
    expect(await fingerprint(database)).toEqual(before);
    expect(await layout(database)).toEqual({
      action: "Enum8('' = 0, 'Allow' = 1, 'Deny' = 2, 'Pass' = 3)",
      granularity: '1024',
      tables: [
        'clusters',
        'flow_keys',
        'flow_rollups',
        'flow_windows',
        'label_sets',
        'policy_changes',
        'rollup_folds',
        'rollup_levels',
        'schema_migrations',
      ],
      version: MIGRATIONS.length,
    });
    await migrate(database);
    expect(await fingerprint(database)).toEqual(before);
  }, 120_000);

  it('a copy that stopped half way is done again without doubling a window', async () => {
    const database = await atV2();
    const before = await fingerprint(database);
    // As a replica that died mid-copy leaves it: the tables swapped, part of one day copied.
    await post(database, windowsTable('flow_windows_v3'));
    await post(database, 'RENAME TABLE flow_windows TO flow_windows_v2, flow_windows_v3 TO flow_windows');
    await post(
      database,
      `INSERT INTO flow_windows SELECT * FROM flow_windows_v2 WHERE toYYYYMMDD(toDateTime(bucket)) =
         toYYYYMMDD(toDateTime(${T0})) AND seq < 500`,
    );
    expect(Number((await json(database, 'SELECT count() AS n FROM flow_windows'))[0]?.n)).toBeGreaterThan(0);
    await migrate(database);
    expect(await fingerprint(database)).toEqual(before);
    expect((await layout(database)).tables).not.toContain('flow_windows_v2');
  }, 120_000);

  it('sends a RowBinary batch spooled before v3 (text verdicts) into the enum columns', async () => {
    const database = `spooled_${n++}`;
    const spool = mkdtempSync(join(tmpdir(), 'verdict-spool-v2-'));
    const flow = flowBetween('shop/web', 'shop/api', {
      startTime: T0 - 30,
      packetsIn: 9,
      reporter: 'Src',
      action: 'Deny',
      pending: [hit('NetworkPolicy', 'default/shop/p', 'Allow')],
    });
    // Before v3 the key's constant columns were all text.
    const prefix = new RowBinaryWriter(256);
    prefix.string('default');
    prefix.u64(1);
    for (const s of ['shop', 'shop', 'Deny', 'web', 'api']) prefix.string(s);
    prefix.u16(8080);
    for (const s of ['tcp', 'Src', 'Allow']) prefix.string(s);
    const cols = new WindowColumns();
    cols.add(T0 - 30, 1, new Uint8Array(prefix.view()), 0, 0);
    cols.counters.set([9, 0, 0, 0, 1, 0, 0], 0);
    const body = new RowBinaryWriter(1024);
    const ends = encodeWindows(body, 42, cols);
    openSpool(join(spool, `${database}-default`), 2 ** 20).append({
      id: 42,
      keys: [keyRow('default', 1, flowKeyString(flow.key), flow.key)],
      labels: [],
      minBucket: T0 - 30,
      maxBucket: T0 - 30,
      rows: 1,
      rowBinary: body.view().toString('base64'),
      rowEnds: Array.from(ends),
      flows: [],
    });
    const clock = testClock();
    const s = createClickHouseStore({ url: server.url, database, spoolDir: spool, now: clock.now });
    try {
      await s.ready;
      await s.flush();
      const r = await s.list({ range: { gte: T0 - 60, lt: T0 + 30 }, filter: { actions: ['Deny'], reporter: 'Src' } });
      expect(r.flows.map((f) => [f.id, f.flow.key.action, f.flow.key.reporter, f.flow.packetsIn])).toEqual([
        [1, 'Deny', 'Src', 9],
      ]);
      expect(await json(database, 'SELECT toString(pending_verdict) AS p FROM flow_windows')).toEqual([{ p: 'Allow' }]);
      // A filter value no enum holds matches nothing instead of failing in ClickHouse.
      const none = await s.list({
        range: { gte: T0 - 60, lt: T0 + 30 },
        filter: { actions: ['Bogus' as 'Deny'], reporter: 'Nobody' as 'Src' },
      });
      expect(none.totalResults).toBe(0);
    } finally {
      await s.close();
      rmSync(spool, { recursive: true, force: true });
    }
  }, 120_000);
});
