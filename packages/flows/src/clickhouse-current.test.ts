// The ClickHouse store against a current ClickHouse release: the embedded ClickHouse of the `chdb`
// package behind a small server speaking the part of ClickHouse's HTTP interface that
// `@clickhouse/client` uses (query in the URL or the body, data in the body, `database`). Every DDL
// statement, insert and query the store issues runs on it, and the store contract checks the answers.
//
// `chdb` is not a dependency: it weighs 566 MB (its library is the whole server). Run this file with
// `npm run test:clickhouse-current`, which installs it outside the repository and points
// VERDICT_CHDB at it. Without it the file is skipped, as said in its title.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClickHouseFlowStore, createClickHouseStore } from './clickhouse/store.ts';
import { flowBetween, T0, testClock } from './fixtures.ts';
import { describeStoreContract } from './store-contract.ts';

interface ChdbSession {
  query(sql: string, format?: string): string;
  cleanup(): void;
}

const chdbPath = process.env.VERDICT_CHDB;
const chdb = chdbPath
  ? (createRequire(import.meta.url)(chdbPath) as { Session: new (path: string) => ChdbSession })
  : undefined;

const dir = mkdtempSync(join(tmpdir(), 'verdict-chdb-'));
let session: ChdbSession;
let http: Server;
let url = '';
/** Statements the store sent, for the report at the end. */
const statements = new Set<string>();
let n = 0;
let file = 0;

const INSERT_WITH_DATA = /^(\s*INSERT\s+INTO\s+[\s\S]+?)\s+FORMAT\s+(\w+)\s*$/i;

/** Runs one HTTP request of the ClickHouse interface on the session; statements run one at a time. */
function answer(params: URLSearchParams, body: Buffer): { status: number; text: string } {
  let sql = params.get('query') ?? body.toString('utf8');
  const data = params.has('query') && body.length > 0 ? body : undefined;
  if (data) {
    const m = INSERT_WITH_DATA.exec(sql);
    if (!m) return { status: 400, text: 'Code: 62. DB::Exception: data sent with a statement that is not an INSERT' };
    const path = join(dir, 'data', `${file++}`);
    writeFileSync(path, data);
    sql = `${m[1]} FROM INFILE '${path}' FORMAT ${m[2]}`;
  }
  statements.add(sql.replace(/\d+/g, 'N').replace(/\s+/g, ' ').slice(0, 120));
  try {
    const database = params.get('database');
    if (database) session.query(`USE ${database}`, 'TabSeparated');
    return { status: 200, text: inOrder(session.query(sql, 'TabSeparated')) };
  } catch (e) {
    return { status: 500, text: (e as Error).message.replace(/^Query failed: /, '') };
  }
}

/**
 * chdb 3.4 writes a FORMAT JSON result that has totals but no rows out of order: the end of `data`
 * and the totals come first, then the document with `"data": [` left open. ClickHouse's server writes
 * it in order; put it back so the client reads what the server would send.
 */
function inOrder(text: string): string {
  const document = text.indexOf('{\n\t"meta":');
  if (document <= 0 || !text.startsWith('\n\t],')) return text;
  return text.slice(document).replace('"data":\n\t[\n,', `"data":\n\t[${text.slice(0, document)},`);
}

beforeAll(async () => {
  if (!chdb) return;
  mkdirSync(join(dir, 'data'));
  session = new chdb.Session(join(dir, 'db'));
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, text } = answer(new URL(req.url ?? '/', 'http://x').searchParams, Buffer.concat(chunks));
      res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end(text);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  if (!chdb) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  await new Promise<void>((r) => http.close(() => r()));
  const version = session.query('SELECT version()', 'TabSeparated').trim();
  session.cleanup();
  rmSync(dir, { recursive: true, force: true });
  console.log(`ClickHouse ${version} (chdb) ran ${statements.size} distinct statements of the store`);
});

describe.skipIf(!chdb)(
  'clickhouse store on a current ClickHouse release (chdb; skipped unless VERDICT_CHDB names it)',
  () => {
    const spoolDir = join(dir, 'spool');

    it('is a current release', () => {
      const [major] = session.query('SELECT version()', 'TabSeparated').trim().split('.').map(Number);
      expect(major).toBeGreaterThanOrEqual(24);
    });

    describeStoreContract('clickhouse (current release)', (now) =>
      createClickHouseStore({ url, database: `current_${n++}`, spoolDir, now }),
    );

    it('folds graphs and policy statistics and evaluates label selectors in SQL', async () => {
      const clock = testClock();
      const s: ClickHouseFlowStore = createClickHouseStore({
        url,
        database: `current_${n++}`,
        spoolDir,
        now: clock.now,
      });
      try {
        await s.ready;
        await s.ingest([
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, sourceLabels: ['app=web', 'tier=front'] }),
          flowBetween('shop/web', 'shop/db', { startTime: T0 - 30, action: 'Deny', sourceLabels: ['app=web'] }),
          flowBetween('bank/ui', 'shop/api', { startTime: T0 - 15, sourceLabels: ['app=ui'] }),
        ]);
        const range = { gte: T0 - 60, lt: T0 + 30 };
        const { keys: graph } = await s.countKeys({ range, fold: 'graph' });
        expect(graph.map((k) => [k.key.sourceName, k.key.destName, k.count]).sort()).toEqual([
          ['ui', 'api', 1],
          ['web', 'api', 1],
          ['web', 'db', 1],
        ]);
        const { keys: traces } = await s.countKeys({ range, fold: 'policies' });
        expect(traces.reduce((a, k) => a + k.count, 0)).toBe(3);
        const selected = await s.list({
          range,
          filter: { sourceSelector: "app == 'web' && !has(tier)" },
          pageSize: 10,
        });
        expect(selected.flows.map((r) => r.flow.key.destName)).toEqual(['db']);
        const cidr = await s.list({ range, filter: { sourceCidrs: ['10.0.0.0/8'] } });
        expect(cidr.totalResults).toBe(0);
        expect(await s.prune()).toBe(0);
      } finally {
        await s.close();
      }
    });

    it('folds the roll-up levels, adds a late batch once, and drops each level by its own time', async () => {
      const clock = testClock();
      const s: ClickHouseFlowStore = createClickHouseStore({
        url,
        database: `current_${n++}`,
        spoolDir,
        now: clock.now,
      });
      try {
        await s.ready;
        const flows = [];
        for (let t = T0 - 1800; t < T0; t += 15)
          for (let k = 0; k < 4; k++)
            flows.push(flowBetween(`ns-${k}/web`, 'shop/api', { startTime: t, packetsIn: 1 + (k % 3) }));
        await s.ingest(flows);
        const range = { gte: T0 - 1800, lt: T0 - 300 };
        const fine = await s.list({ range, pageSize: 0, sortBy: 'SourceNamespace' });
        expect(await s.rollUp()).toBeGreaterThan(0);
        await s.ingest([flowBetween('ns-0/web', 'shop/api', { startTime: T0 - 1500, packetsIn: 1000 })]);
        const coarse = await s.list({ range, pageSize: 0, sortBy: 'SourceNamespace' });
        expect(coarse.resolution).toBe(300);
        expect(coarse.flows.map((r) => r.flow.packetsIn)).toEqual(
          fine.flows.map((r, i) => r.flow.packetsIn + (i === 0 ? 1000 : 0)),
        );
        clock.set(T0 + 2 * 86_400 + 7200);
        await s.rollUp();
        expect(await s.prune()).toBeGreaterThan(0);
        const left = await s.list({ range, pageSize: 0, sortBy: 'SourceNamespace' });
        expect([left.resolution, left.flows.map((r) => r.flow.packetsIn)]).toEqual([
          300,
          coarse.flows.map((r) => r.flow.packetsIn),
        ]);
      } finally {
        await s.close();
      }
    });
  },
);
