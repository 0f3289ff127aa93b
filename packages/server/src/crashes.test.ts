// Regression tests for issue #12 "Crashes and freezes": each test is named after the defect it reproduces,
// over real sockets against a running `verdict serve`.

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createMemoryStore, createSqliteStore } from '@verdict/flows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowBetween } from '../test/fixtures.ts';
import { NDJSON, scannerLine, startQuiet } from '../test/harness.ts';
import type { RunningVerdict } from './serve.ts';
import { createWhiskerRoutes } from './whisker/index.ts';

/** POSTs `chunks` chunks of `chunk` with Transfer-Encoding: chunked (no Content-Length). */
function postChunked(url: string, chunk: Buffer, chunks: number): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', headers: { ...NDJSON, 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    // The server may answer and close before everything is written; that is the point.
    req.on('error', (e) => (e.message.includes('EPIPE') || e.message.includes('ECONNRESET') ? undefined : fail(e)));
    let sent = 0;
    const write = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

const livez = (url: string) =>
  fetch(`${url}/livez`).then(
    (r) => r.ok,
    () => false,
  );

describe('#12 crashes and freezes', () => {
  let verdict: RunningVerdict;
  const now = Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    verdict = await startQuiet();
    // 2,500 distinct flows: more than one default page.
    const lines = Array.from({ length: 2500 }, (_, i) => scannerLine(10_000 + i, now - 60));
    const response = await fetch(`${verdict.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: NDJSON,
      body: lines.join('\n'),
    });
    expect(((await response.json()) as { stored: number }).stored).toBe(2500);
    await verdict.pipeline.drain();
  });
  afterAll(() => verdict?.close());

  it('a chunked POST of newlines beyond the ingest limit is refused with 413 and the server keeps serving', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 10);
    const reply = await postChunked(`${verdict.httpUrl}/api/v1/ingest`, megabyte, 66);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'too-large' } });
    expect((await fetch(`${verdict.httpUrl}/livez`)).status).toBe(200);
  }, 180_000);

  it('a single line beyond the line limit is refused with 413 naming the line', async () => {
    const good = `${scannerLine(9, now - 60)}\n`;
    const huge = Buffer.alloc(2 * 1024 * 1024, 32);
    const response = await fetch(`${verdict.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: NDJSON,
      body: Buffer.concat([Buffer.from(good), huge]),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'line-too-long', message: /^line 2:/ } });
  });

  it('whisker /flows with no pageSize returns a bounded first page, with totalPages and totalResults of the whole result', async () => {
    for (const query of ['', '&pageSize=0']) {
      const response = await fetch(`${verdict.httpUrl}/whisker-backend/flows?startTimeGte=-900${query}`);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const text = await response.text();
      expect(text.endsWith('}\n')).toBe(true);
      const body = JSON.parse(text) as { total: { totalPages: number; totalResults: number }; items: unknown[] };
      expect(body.items).toHaveLength(1000);
      expect(body.total).toEqual({ totalPages: 3, totalResults: 2500 });
    }
    const last = (await (await fetch(`${verdict.httpUrl}/whisker-backend/flows?startTimeGte=-900&page=2`)).json()) as {
      items: unknown[];
    };
    expect(last.items).toHaveLength(500);
  });

  it('whisker /flows with a pageSize over the maximum is a 400 naming the limit', async () => {
    const response = await fetch(`${verdict.httpUrl}/whisker-backend/flows?pageSize=10001`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('pageSize: at most 10000');
  });

  it('ten parallel whole-store whisker lists leave /livez answering while they run', async () => {
    let listsDone = 0;
    let livezWhileRunning = 0;
    const lists = Array.from({ length: 10 }, () =>
      fetch(`${verdict.httpUrl}/whisker-backend/flows?startTimeGte=-900&pageSize=10000`)
        .then((r) => r.json())
        .then(() => {
          listsDone++;
        }),
    );
    const probes = (async () => {
      while (listsDone < 10) {
        // A kept-alive socket the server is closing can reset one probe; only answers count.
        const ok = await livez(verdict.httpUrl);
        if (ok && listsDone < 10) livezWhileRunning++;
      }
    })();
    await Promise.all([...lists, probes]);
    expect(livezWhileRunning).toBeGreaterThan(0);
  });

  it('/api/v1/flows streams a bounded page', async () => {
    const response = await fetch(`${verdict.httpUrl}/api/v1/flows?start=-900`);
    const body = (await response.json()) as { total: { totalResults: number }; items: unknown[] };
    expect(body.items).toHaveLength(100);
    expect(body.total.totalResults).toBe(2500);
  });

  it('a bulk POST /api/v1/policies of 5,000 policies applies them all while /livez keeps answering', async () => {
    const docs = Array.from(
      { length: 5000 },
      (_, i) => `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: bulk-${i}, namespace: shop}
spec:
  tier: default
  order: ${1000 + i}
  selector: app == 'bulk-${i}'
  types: [Ingress]
  ingress: [{action: Allow, source: {selector: "role == 'r${i}'"}}]`,
    );
    let posted = false;
    let livezWhilePosting = 0;
    const post = fetch(`${verdict.httpUrl}/api/v1/policies`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: docs.join('\n---\n'),
    }).then(async (r) => {
      posted = true;
      return { status: r.status, body: (await r.json()) as { applied: unknown[] } };
    });
    while (!posted) {
      const ok = await livez(verdict.httpUrl);
      if (ok && !posted) livezWhilePosting++;
    }
    const reply = await post;
    expect(reply.status).toBe(200);
    expect(reply.body.applied).toHaveLength(5000);
    expect(verdict.evaluator().policy('StagedNetworkPolicy', 'shop', 'bulk-4999')).toBeDefined();
    expect(livezWhilePosting).toBeGreaterThan(0);
  }, 120_000);
});

describe('#12 query time budget', () => {
  it('a whisker list over its time budget is stopped with a 503 naming the budget', async () => {
    const store = createMemoryStore();
    const t = Math.floor(Date.now() / 1000) - 60;
    await store.ingest(Array.from({ length: 20_000 }, (_, i) => flowBetween('a/x', `b/y${i}`, {}, { startTime: t })));
    const app = createWhiskerRoutes({ store, queryBudgetMs: 1, log: { error() {} } });
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((done) => server.once('listening', done));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/flows?startTimeGte=-900`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: string }).error).toContain('0.001 s budget');
    } finally {
      server.close();
      await store.close();
    }
  });
});

describe('#12 memory grows with distinct label sets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-labels-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('retention prunes label_sets no window uses any more', async () => {
    const a = 'a/x';
    const b = 'b/y-last';
    let clock = 1_755_857_700;
    const path = join(dir, 'v.db');
    const store = createSqliteStore({ path, retentionDays: 1, now: () => clock });
    await store.ingest(
      Array.from({ length: 500 }, (_, i) =>
        flowBetween(a, `b/y${i}`, {}, { startTime: clock - 30, sourceLabels: [`run=${i}`] }),
      ),
    );
    const Database = (await import('better-sqlite3')).default;
    const count = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM label_sets').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    expect(count()).toBeGreaterThanOrEqual(500);
    clock += 2 * 86_400;
    await store.ingest([flowBetween(a, b, {}, { startTime: clock - 30, sourceLabels: ['run=last'] })]);
    store.tick(clock);
    // What is left: the last flow's source set and the destination set every flow shares.
    expect(count()).toBe(2);
    await store.close();
  });
});
