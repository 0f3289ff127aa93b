// Regression tests for issue #12 "Clear errors": each test is named after the defect it reproduces,
// over real sockets against a running `verdict serve` with a SQLite store in a real file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FILTER_LIST_LIMIT } from '@verdict/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowBetween } from '../test/fixtures.ts';
import { NDJSON, scannerLine, startQuiet } from '../test/harness.ts';
import { flowToProto, loadGoldmaneGrpc, type PbFlow } from './goldmane/index.ts';
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

/** Felix's push: one FlowUpdate on a FlowCollector stream; resolves with the receipt or the stream's error. */
function felixPush(address: string, flow: PbFlow): Promise<'receipt' | { code: number; details: string }> {
  const { FlowCollector } = loadGoldmaneGrpc();
  const client = new FlowCollector(address, grpc.credentials.createInsecure());
  const call = (client as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
  return new Promise((done) => {
    const finish = (result: 'receipt' | { code: number; details: string }) => {
      call.cancel();
      client.close();
      done(result);
    };
    call.on('data', () => finish('receipt'));
    call.on('error', (e: grpc.ServiceError) => finish({ code: e.code, details: e.details }));
    call.write({ flow });
  });
}

describe('#12 clear errors: raw-flow validation', () => {
  let verdict: RunningVerdict;
  const at = now - 60;
  beforeAll(async () => {
    verdict = await startQuiet({ 'grpc-port': '0', 'grpc-host': '127.0.0.1' });
  });
  afterAll(() => verdict?.close());

  async function ingest(lines: readonly unknown[]) {
    const response = await fetch(`${verdict.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: NDJSON,
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      stored: number;
      rejected: number;
      errors: { line: number; code: string; message: string }[];
    };
  }
  const scanner = (extra: Record<string, unknown>) => ({ ...JSON.parse(scannerLine(443, at)), ...extra });

  it('raw flows with negative or absurd counters (packetsIn: -5, bytesIn: 1e300) are rejected naming field and line', async () => {
    const reply = await ingest([
      scanner({}),
      scanner({ packetsIn: -5 }),
      scanner({ bytesIn: 1e300 }),
      scanner({ connectionsLive: 1.5 }),
      scanner({ sourcePort: 70_000 }),
      scanner({ startTime: -3 }),
    ]);
    expect(reply.stored).toBe(1);
    expect(reply.rejected).toBe(5);
    expect(reply.errors).toEqual([
      { line: 2, code: 'invalid-flow', message: 'packetsIn: expected a count (an integer 0-2^53), got -5' },
      { line: 3, code: 'invalid-flow', message: 'bytesIn: expected a count (an integer 0-2^53), got 1e+300' },
      { line: 4, code: 'invalid-flow', message: 'connectionsLive: expected a count (an integer 0-2^53), got 1.5' },
      { line: 5, code: 'invalid-flow', message: 'sourcePort: expected an integer 0-65535, got 70000' },
      { line: 6, code: 'invalid-flow', message: 'startTime: expected Unix seconds (a positive integer), got -3' },
    ]);
  });

  it('a raw flow to port 99999 is an invalid flow naming the field, over HTTP; a Felix push with port 99999 is refused over gRPC', async () => {
    const reply = await ingest([scanner({ port: 99_999 }), scanner({ port: undefined, destPort: -1 })]);
    expect(reply.errors).toEqual([
      { line: 1, code: 'invalid-flow', message: 'port: expected an integer 0-65535, got 99999' },
      { line: 2, code: 'invalid-flow', message: 'destPort: expected an integer 0-65535, got -1' },
    ]);
    const flow = flowToProto(
      flowBetween('shop/frontend-*', 'shop/checkout-*', { destPort: 99_999 }, { startTime: at }),
    );
    expect(await felixPush(verdict.grpcAddress as string, flow)).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'invalid FlowUpdate: flow.Key.dest_port: expected a port 0-65535, got 99999',
    });
    const fine = flowToProto(flowBetween('shop/frontend-*', 'shop/checkout-*', {}, { startTime: at, endTime: at }));
    expect(await felixPush(verdict.grpcAddress as string, fine)).toBe('receipt');
  });

  it('a label a=b,c=d is rejected (over NDJSON and gRPC) instead of becoming two labels', async () => {
    const flow = flowBetween('shop/frontend-*', 'shop/checkout-*', {}, { startTime: at, endTime: at });
    const bad = { ...flow, sourceLabels: ['app=web', 'a=b,c=d'] };
    const reply = await ingest([flowToProto(bad)]);
    expect(reply.errors).toEqual([
      {
        line: 1,
        code: 'invalid-flow',
        message: expect.stringMatching(/source_labels\[1\]: expected a label key=value without ','.*"a=b,c=d"/),
      },
    ]);
    expect(await felixPush(verdict.grpcAddress as string, flowToProto(bad))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('source_labels[1]: expected a label key=value without'),
    });
  });

  it('an IP→IP raw line (neither side in the cluster) is rejected with a reason, not silently dropped', async () => {
    const outside = { source: { ip: '198.51.100.7' }, destination: { ip: '203.0.113.9' }, port: 443, startTime: at };
    const reply = await ingest([outside, scanner({})]);
    expect(reply).toEqual({
      stored: 1,
      rejected: 1,
      errors: [
        {
          line: 1,
          code: 'not-in-cluster',
          message:
            'source, destination: neither address is an endpoint of the cluster, so no node would report this flow',
        },
      ],
    });
    const metrics = await (await fetch(`${verdict.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/reason="not-in-cluster"[^\n]* 1/);
  });

  it('a bad startTimeGte is reported as startTimeGte (not startTimeGt) on whisker-backend', async () => {
    for (const query of ['startTimeGte=abc', 'startTimeGte=5&startTimeLt=3']) {
      const reply = await getJson(`${verdict.httpUrl}/whisker-backend/flows?${query}`);
      expect(reply.status).toBe(400);
      const message = (reply.body as { error: string }).error;
      expect(message).toMatch(/^startTimeGte: /);
      expect(message).not.toMatch(/startTimeGt\b/);
    }
  });
});
