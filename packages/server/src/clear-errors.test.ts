// Regression tests for issue #12 "Clear errors": each test is named after the defect it reproduces,
// over real sockets against a running `verdict serve` with a SQLite store in a real file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FILTER_LIST_LIMIT } from '@verdict/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NDJSON, scannerLine, startQuiet } from '../test/harness.ts';
import { loadGoldmaneGrpc } from './goldmane/index.ts';
import type { RunningVerdict } from './serve.ts';

const now = Math.floor(Date.now() / 1000);
const filtersParam = (value: unknown) => `filters=${encodeURIComponent(JSON.stringify(value))}`;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Flow List over gRPC; resolves with the error status or the number of results. */
function grpcList(address: string, filter: unknown): Promise<{ code: number; details: string } | number> {
  const { Flows } = loadGoldmaneGrpc();
  const client = new Flows(address, grpc.credentials.createInsecure());
  return new Promise((done) => {
    (client as unknown as { List(r: unknown, cb: (e: grpc.ServiceError | null, r: unknown) => void): void }).List(
      { filter, startTimeGte: 0, startTimeLt: 0 },
      (e, r) => {
        client.close();
        done(e ? { code: e.code, details: e.details } : ((r as { flows: unknown[] }).flows ?? []).length);
      },
    );
  });
}

describe('#12 clear errors: filter size limits', () => {
  let verdict: RunningVerdict;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-filters-'));
    verdict = await startQuiet({ store: 'sqlite', 'data-dir': dir, 'grpc-port': '0', 'grpc-host': '127.0.0.1' });
    const lines = Array.from({ length: 20 }, (_, i) => scannerLine(20_000 + i, now - 60));
    const response = await fetch(`${verdict.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: NDJSON,
      body: lines.join('\n'),
    });
    expect(response.status).toBe(200);
    await verdict.pipeline.drain();
  });
  afterAll(async () => {
    await verdict?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('filters= of 8,000 `[` is a 400 naming the nesting limit, not a 500 from the JSON error locator', async () => {
    const brackets = '['.repeat(8000);
    const whisker = await getJson(`${verdict.httpUrl}/whisker-backend/flows?filters=${brackets}`);
    expect(whisker.status).toBe(400);
    expect(JSON.stringify(whisker.body)).toMatch(/at most 256 nested arrays and objects at column 257/);
    const api = await getJson(`${verdict.httpUrl}/api/v1/flows?filters=${brackets}`);
    expect(api.status).toBe(400);
    expect(api.body).toMatchObject({
      error: { code: 'invalid-filter', message: /at most 256 nested arrays and objects at column 257/ },
    });
  });

  it('more than 1,000 name matches in a filter is a 400 naming the limit, not a 500 from SQLite expression depth', async () => {
    const names = (n: number, type: 'Exact' | 'Fuzzy') =>
      Array.from({ length: n }, (_, i) => ({ value: `n${i}`, type }));
    for (const type of ['Exact', 'Fuzzy'] as const) {
      const api = await getJson(
        `${verdict.httpUrl}/api/v1/flows?${filtersParam({ sourceNames: names(FILTER_LIST_LIMIT + 1, type) })}`,
      );
      expect(api.status).toBe(400);
      expect(api.body).toMatchObject({
        error: {
          code: 'invalid-filter',
          message: 'filters.sourceNames: expected at most 1000 entries (a size limit), got 1001',
        },
      });
      const whisker = await getJson(
        `${verdict.httpUrl}/whisker-backend/flows?${filtersParam({ dest_names: names(FILTER_LIST_LIMIT + 1, type) })}`,
      );
      expect(whisker.status).toBe(400);
      expect(JSON.stringify(whisker.body)).toContain('filters.dest_names: expected at most 1000 entries');
    }
  });

  it('a filter at the limit (1,000 exact and fuzzy names, ports and port ranges) is answered from SQLite', async () => {
    // The stored flows come from 198.51.100.77, shown as "PUBLIC NETWORK" (stored as "pub").
    const exact = [...Array.from({ length: 999 }, (_, i) => ({ value: `nobody-${i}` })), { value: 'PUBLIC NETWORK' }];
    const fuzzy = [
      ...Array.from({ length: 999 }, (_, i) => ({ value: `zz-${i}`, type: 'Fuzzy' })),
      { value: 'PUBLIC', type: 'Fuzzy' },
    ];
    const ports = Array.from({ length: 1000 }, (_, i) => 20_000 + (i % 5));
    const ranges = Array.from({ length: 1000 }, (_, i) => ({ min: 20_000 + (i % 3), max: 20_000 + (i % 3) }));
    for (const filter of [
      { sourceNames: exact },
      { sourceNames: fuzzy },
      { destPorts: ports },
      { destPortRanges: ranges },
    ]) {
      const api = await getJson(`${verdict.httpUrl}/api/v1/flows?${filtersParam(filter)}`);
      expect(api.status, JSON.stringify(api.body).slice(0, 300)).toBe(200);
      const expected = 'destPorts' in filter ? 5 : 'destPortRanges' in filter ? 3 : 20;
      expect((api.body as { total: { totalResults: number } }).total.totalResults).toBe(expected);
    }
    const whisker = await getJson(
      `${verdict.httpUrl}/whisker-backend/flows?${filtersParam({ source_names: fuzzy.map(({ value }) => ({ value, type: 'Fuzzy' })) })}`,
    );
    expect(whisker.status).toBe(200);
    expect((whisker.body as { total: { totalResults: number } }).total.totalResults).toBe(20);
  });

  it('100k fuzzy names over gRPC is refused naming the limit (UNKNOWN, like Goldmane validation errors), not a stack overflow', async () => {
    const address = verdict.grpcAddress;
    expect(address).toBeDefined();
    const fuzzy = Array.from({ length: 100_000 }, (_, i) => ({ value: `n${i}`, type: 'Fuzzy' }));
    const refused = await grpcList(address as string, { sourceNames: fuzzy });
    expect(refused).toMatchObject({
      code: grpc.status.UNKNOWN,
      details: expect.stringMatching(/source_names: expected at most 1000 entries \(a size limit\), got 100000/),
    });
    expect(await grpcList(address as string, { sourceNames: fuzzy.slice(0, 1000) })).toBe(0);
    expect(await grpcList(address as string, { destPorts: [{ port: 99_999 }] })).toMatchObject({
      code: grpc.status.UNKNOWN,
      details: expect.stringMatching(/expected a port 0-65535, got 99999/),
    });
  });
});

/** A billion laughs: seven levels of nine aliases each. */
const ALIAS_BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  .concat(
    ['b', 'c', 'd', 'e', 'f', 'g'].map((name, i) => {
      const previous = 'abcdef'[i];
      return `${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`;
    }),
  )
  .join('\n');
const POLICY_HEAD =
  'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: deep, namespace: default}\n';
/** 3,000 levels as flow collections and as block sequences. */
const DEEP_FLOW = `${POLICY_HEAD}spec: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
const DEEP_BLOCK = `${POLICY_HEAD}spec:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')} x\n`;

describe('#12 clear errors: YAML alias bombs and deep nesting', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    verdict = await startQuiet();
  });
  afterAll(() => verdict?.close());

  async function post(
    path: string,
    yaml: string,
  ): Promise<{ status: number; body: { error: Record<string, unknown> } }> {
    const asJson = path !== '/api/v1/policies';
    const response = await fetch(`${verdict.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': asJson ? 'application/json' : 'application/yaml' },
      body: asJson ? JSON.stringify({ changeSet: yaml }) : yaml,
    });
    return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
  }
  const routes = ['/api/v1/policies', '/api/v1/rehearsals?wait=true', '/api/v1/promote'];

  it('a YAML alias bomb is a 400 on /policies, /rehearsals and /promote (was 500 on the last two)', async () => {
    for (const route of routes) {
      const reply = await post(route, ALIAS_BOMB);
      expect(reply.status, route).toBe(400);
      expect(reply.body.error.message).toMatch(/Excessive alias count/);
      expect(reply.body.error.issues).toEqual([expect.objectContaining({ code: 'yaml-syntax', line: 1, column: 1 })]);
    }
  });

  it('3,000-level nesting is a 400 naming the limit and the place on /policies, /rehearsals and /promote', async () => {
    for (const route of routes) {
      const flow = await post(route, DEEP_FLOW);
      expect(flow.status, route).toBe(400);
      expect(flow.body.error.message).toMatch(/YAML nested deeper than 100 levels \(the limit\) at line 4, column 106/);
      const block = await post(route, DEEP_BLOCK);
      expect(block.status, route).toBe(400);
      expect(block.body.error.message).toMatch(
        /YAML nested deeper than 100 levels \(the limit\) at line 104, column 101/,
      );
      expect(block.body.error.issues).toEqual([
        expect.objectContaining({ code: 'yaml-syntax', line: 104, column: 101 }),
      ]);
    }
    expect((await fetch(`${verdict.httpUrl}/livez`)).status).toBe(200);
  });
});
