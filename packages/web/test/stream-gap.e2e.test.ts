// When the server's flow stream falls behind the page (its per-client queue is full), the dropped
// flows are announced in an `event: gap`, the page says how many it is not showing, and "refresh"
// loads exactly those from the list API. Provoked with a 20-flow stream buffer and one bucket of
// demo traffic delivered at once.
import { createTrafficGenerator } from '@verdict/demo';
import { BUCKET_SECONDS, bucketStart } from '@verdict/flows';
import type { RunningVerdict } from '@verdict/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowListResponse } from '../src/api/types.ts';
import { seriousViolations } from './axe.ts';
import { type Demo, startDemo } from './harness.ts';

const STREAM_BUFFER = 20;
const WAIT = { timeout: 15_000 };

let demo: Demo | undefined;
let running: RunningVerdict;
beforeAll(async () => {
  demo = await startDemo({ demoTraffic: false, streamBuffer: STREAM_BUFFER });
  running = demo.running;
}, 90_000);
afterAll(() => demo?.close());

/** Flows (keys per bucket) the list API holds with a start time in [gte, lt). */
async function listed(gte: number, lt: number): Promise<number> {
  const res = await fetch(`${running.httpUrl}/api/v1/flows?start=${gte}&end=${lt}&page=0&pageSize=1`);
  return ((await res.json()) as FlowListResponse).total.totalResults ?? 0;
}

/** One bucket of demo traffic, then the store rolled over so the live stream sends it all at once. */
async function burst(): Promise<{ gte: number; lt: number }> {
  const start = bucketStart(Date.now() / 1000);
  const generator = createTrafficGenerator({ cluster: running.evaluator().state, seed: start, now: start });
  await running.pipeline.submitRaw(generator.next(start + BUCKET_SECONDS), 'e2e');
  running.store.tick(start + 2 * BUCKET_SECONDS);
  return { gte: start, lt: start + BUCKET_SECONDS };
}

const rowCount = async (page: Page) => Number(await page.getByTestId('flow-table').getAttribute('data-rows'));

describe('stream gap', () => {
  it('shows how many flows the stream dropped, and refresh loads exactly those', async () => {
    const page = await demo!.context.newPage();
    await page.goto(`${running.httpUrl}/?start=-60`);
    await page.locator('[data-testid="stream-status"][data-status="live"]').waitFor();
    await expect(page.getByTestId('stream-gap').count()).resolves.toBe(0);

    const range = await burst();
    const total = await listed(range.gte, range.lt);
    expect(total).toBeGreaterThan(STREAM_BUFFER * 3);

    const notice = page.getByTestId('stream-gap');
    await notice.waitFor();
    // Every flow of the bucket is either in the table or counted in the notice.
    await expect
      .poll(async () => (await rowCount(page)) + Number(await notice.getAttribute('data-missed')), WAIT)
      .toBe(total);
    const shown = await rowCount(page);
    expect(shown).toBeGreaterThanOrEqual(1);
    expect(shown).toBeLessThan(total);
    const missed = total - shown;
    await expect(notice.textContent()).resolves.toMatch(new RegExp(`^${missed} flows not shown .*— refresh`));
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId('stream-gap-refresh').click();
    await expect.poll(() => rowCount(page), WAIT).toBe(total);
    await expect.poll(() => notice.count(), WAIT).toBe(0);
    // No row twice: the loaded flows and the streamed ones are merged by key.
    const keys = await page.getByTestId('flow-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    expect(new Set(keys).size).toBe(keys.length);
    await page.close();
  });

  it('the server counts the dropped flows in verdict_stream_dropped_total', async () => {
    const metrics = await (await fetch(`${running.httpUrl}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('verdict_stream_dropped_total') && l.includes('v1'));
    expect(line, metrics.slice(0, 2000)).toBeDefined();
    expect(Number(line?.split(' ').pop())).toBeGreaterThan(0);
  });
});
