// Issue #12 "Clear errors", /metrics: each series scraped over a socket after causing what it counts
// (route patterns as labels, stream clients of every API, rejected, out-of-range and deduplicated
// flows). Flows a slow stream client missed are scraped in http/sse.test.ts.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowBetween } from '../../test/fixtures.ts';
import { startQuiet, until } from '../../test/harness.ts';
import { flowToProto, loadGoldmaneGrpc } from '../goldmane/index.ts';
import type { RunningVerdict } from '../serve.ts';

/** The value of one sample, by exact name and label set, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics over a socket', () => {
  let verdict: RunningVerdict;
  const scrape = async () => (await fetch(`${verdict.httpUrl}/metrics`)).text();
  beforeAll(async () => {
    verdict = await startQuiet({ 'grpc-port': '0' });
  });
  afterAll(() => verdict?.close());

  it('query durations are labelled with route patterns, never a wildcard', async () => {
    await fetch(`${verdict.httpUrl}/api/v1/flows?pageSize=1`);
    await fetch(`${verdict.httpUrl}/api/v1/flows/no-such-flow/explain`);
    await fetch(`${verdict.httpUrl}/whisker-backend/flows?pageSize=1`);
    const text = await scrape();
    expect(sample(text, 'verdict_query_duration_seconds_count', { route: '/api/v1/flows' })).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'verdict_query_duration_seconds_count', { route: '/whisker-backend/flows' }),
    ).toBeGreaterThanOrEqual(1);
    const routes = [...text.matchAll(/verdict_query_duration_seconds_count\{route="([^"]*)"\}/g)].map((m) => m[1]);
    expect(routes).toContain('/api/v1/flows/:id/explain');
    expect(routes.filter((route) => route?.endsWith('*'))).toEqual([]);
  });

  it('stream clients of /api/v1, /whisker-backend, Goldmane Flows.Stream and FlowCollector.Connect, up and down', async () => {
    const v1 = new AbortController();
    const whisker = new AbortController();
    const v1Stream = await fetch(`${verdict.httpUrl}/api/v1/flows/stream`, { signal: v1.signal });
    const whiskerStream = await fetch(`${verdict.httpUrl}/whisker-backend/flows?watch=true`, {
      signal: whisker.signal,
    });
    expect([v1Stream.status, whiskerStream.status]).toEqual([200, 200]);
    const { Flows, FlowCollector } = loadGoldmaneGrpc();
    const flows = new Flows(verdict.grpcAddress as string, grpc.credentials.createInsecure());
    const collector = new FlowCollector(verdict.grpcAddress as string, grpc.credentials.createInsecure());
    const stream = (flows as unknown as { Stream(r: unknown): grpc.ClientReadableStream<unknown> }).Stream({});
    stream.on('error', () => {});
    const connect = (collector as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    connect.on('error', () => {});
    connect.on('data', () => {});
    const apis = ['v1', 'whisker', 'goldmane', 'goldmane-collector'];
    await until(async () => {
      const text = await scrape();
      return apis.every((api) => sample(text, 'verdict_stream_clients', { api }) === 1) ? true : undefined;
    }, 10);
    v1.abort();
    whisker.abort();
    stream.cancel();
    connect.cancel();
    await until(async () => {
      const text = await scrape();
      return apis.every((api) => sample(text, 'verdict_stream_clients', { api }) === 0) ? true : undefined;
    }, 10);
    flows.close();
    collector.close();
  });

  it('a flow Felix sends twice on one connection is counted as deduplicated, stored once', async () => {
    const { FlowCollector } = loadGoldmaneGrpc();
    const collector = new FlowCollector(verdict.grpcAddress as string, grpc.credentials.createInsecure());
    const connect = (collector as unknown as { Connect(): grpc.ClientDuplexStream<unknown, unknown> }).Connect();
    let receipts = 0;
    connect.on('data', () => receipts++);
    connect.on('error', () => {});
    const now = Math.floor(Date.now() / 1000);
    const flow = flowToProto(flowBetween('shop/a', 'shop/b', {}, { startTime: now - 30, endTime: now - 15 }));
    connect.write({ flow });
    connect.write({ flow });
    await until(async () => (receipts === 2 ? true : undefined), 10);
    expect(sample(await scrape(), 'verdict_ingest_deduplicated_total', { source: 'felix' })).toBe(1);
    connect.end();
    collector.close();
  });

  it('invalid and out-of-range lines are rejected in the reply and counted by reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const reply = await fetch(`${verdict.httpUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: [
        '{"not": "a flow"',
        JSON.stringify({
          source: { ip: '198.51.100.77' },
          destination: { ip: '10.0.0.12' },
          protocol: 'TCP',
          port: 443,
          startTime: now + 3600,
        }),
      ].join('\n'),
    });
    expect(await reply.json()).toMatchObject({ stored: 0, rejected: 2 });
    const text = await scrape();
    expect(sample(text, 'verdict_ingest_dropped_total', { source: 'ndjson', reason: 'invalid-flow' })).toBe(1);
    expect(sample(text, 'verdict_ingest_dropped_total', { source: 'ndjson', reason: 'out-of-range' })).toBe(1);
  });
});
