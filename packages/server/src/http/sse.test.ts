// Regression test for issue #12 "SSE delivers at most N flows per bucket, silently": both flow streams,
// over a real socket, deliver every flow or announce the ones a slow reader missed, and count them.
import { serve } from '@hono/node-server';
import { demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createMemoryStore } from '@verdict/flows';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { flowBetween, T0, testClock } from '../../test/fixtures.ts';
import { createApiRoutes } from '../api/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { createWhiskerRoutes } from '../whisker/index.ts';
import type { StreamGap } from './sse.ts';

/** Reads SSE frames until `done(frames)` or the stream ends. */
async function readFrames(res: Response, done: (frames: string[]) => boolean): Promise<string[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const frames: string[] = [];
  let buffer = '';
  while (!done(frames)) {
    const { done: ended, value } = await reader.read();
    if (ended) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      frames.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  await reader.cancel();
  return frames;
}

const FLOWS = 1000;
const BUFFER = 100;

describe('#12 SSE drops flows silently under load', () => {
  it.each([
    ['whisker', '/whisker-backend/flows?watch=true&startTimeGte=-300'],
    ['v1', '/api/v1/flows/stream?start=-300'],
  ])(
    '%s: a reader slower than the backfill gets every flow or a gap event naming the missed ones, and drops are counted',
    async (api, path) => {
      const clock = testClock(T0 + 1);
      const store = createMemoryStore({ now: clock.now });
      await store.ingest(
        Array.from({ length: FLOWS }, (_, i) =>
          flowBetween('shop/a', `shop/b${i}`, {}, { startTime: T0, endTime: T0 + 15 }),
        ),
      );
      clock.set(T0 + 31);
      store.rollover();
      store.rollover();
      const metrics = createMetrics();
      const app = new Hono();
      app.route('/whisker-backend', createWhiskerRoutes({ store, sseBuffer: BUFFER, metrics, now: clock.now }));
      const evaluator = createEvaluator(loadResources(demoClusterFiles()).state);
      app.route(
        '/api/v1',
        createApiRoutes({ store, evaluator: () => evaluator, sseBuffer: BUFFER, metrics, now: clock.now }),
      );
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise((ready) => server.once('listening', ready));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        const frames = await readFrames(res, (f) => f.some((frame) => frame.startsWith('event: gap')));
        const data = frames.filter((f) => f.startsWith('data: '));
        const gaps = frames
          .filter((f) => f.startsWith('event: gap'))
          .map((f) => JSON.parse(f.split('\n')[1]?.slice(6) ?? '{}') as StreamGap);
        const missed = gaps.reduce((sum, g) => sum + g.missed, 0);
        // The queue holds BUFFER flows besides the batch being written.
        expect(data.length).toBeGreaterThanOrEqual(BUFFER);
        expect(data.length).toBeLessThan(FLOWS);
        expect(data.length + missed).toBe(FLOWS);
        expect(gaps[0]).toEqual({ missed, startTimeGte: T0, startTimeLt: T0 + 15 });
        expect(await metrics.scrape()).toContain(`verdict_stream_dropped_total{api="${api}"} ${missed}`);
      } finally {
        server.close();
        await store.close();
      }
    },
  );
});
