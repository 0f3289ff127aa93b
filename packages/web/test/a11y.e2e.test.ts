// Every page, with the state a user reaches on it, passes axe-core with no serious or critical
// violation; the flow table is addressable as an ARIA grid.
import type { RunningVerdict } from '@verdict/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.ts';
import { type Demo, startDemo } from './harness.ts';

let running: RunningVerdict;
let context: BrowserContext;
let demo: Demo | undefined;
beforeAll(async () => {
  demo = await startDemo();
  ({ running, context } = demo);
}, 90_000);
afterAll(() => demo?.close());

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${running.httpUrl}${path}`);
  return page;
}

describe('the flow table is an ARIA grid', () => {
  it('has a header row and virtualized rows with their indexes, and marks the selected row', async () => {
    const page = await open('/');
    const grid = page.getByRole('grid', { name: 'Flows' });
    // A flow row, not the empty-state row that stands at index 2 until the first flows arrive.
    await grid.getByTestId('flow-row').first().waitFor();
    // Paused, so no streamed flow moves the rows between reading the count and clicking the last one.
    await page.getByTestId('pause-button').click();
    await expect(page.getByTestId('pause-button').getAttribute('aria-pressed')).resolves.toBe('true');
    const total = Number(await page.getByTestId('flow-table').getAttribute('data-rows'));
    expect(total).toBeGreaterThan(10);
    await expect(grid.getAttribute('aria-rowcount')).resolves.toBe(String(total + 1));
    const headers = await grid.getByRole('columnheader').allTextContents();
    expect(headers.length).toBeGreaterThan(5);
    await expect(grid.getAttribute('aria-colcount')).resolves.toBe(String(headers.length));
    expect(headers.join('|')).toMatch(/Source namespace/i);
    await expect(grid.getByRole('row').first().getAttribute('aria-rowindex')).resolves.toBe('1');

    // Each rendered flow row's index is its position in the whole list (+1 for the header).
    const rows = grid.locator('[role="row"][data-index]');
    const pairs = await rows.evaluateAll((els) =>
      els.map((e) => [Number(e.getAttribute('data-index')), Number(e.getAttribute('aria-rowindex'))]),
    );
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.length).toBeLessThan(total + 1);
    for (const [index, rowIndex] of pairs) expect(rowIndex).toBe(index! + 2);
    const cells = await rows.first().getByRole('gridcell').count();
    expect(cells).toBe(headers.length);

    // Scrolled to the end, the rows in the DOM are the last ones.
    await page.getByTestId('flow-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await grid.locator(`[role="row"][aria-rowindex="${total + 1}"]`).waitFor();

    await expect(grid.locator('[role="row"][aria-selected="true"]').count()).resolves.toBe(0);
    const last = grid.locator(`[role="row"][aria-rowindex="${total + 1}"]`);
    await last.click();
    await grid.locator(`[role="row"][aria-rowindex="${total + 1}"][aria-selected="true"]`).waitFor();
    await expect(grid.locator('[role="row"][aria-selected="true"]').count()).resolves.toBe(1);
    await page.close();
  });
});

describe('axe-core: no serious or critical violations', () => {
  const check = async (page: Page) => expect(await seriousViolations(page)).toEqual([]);

  it('flow logs, live table', async () => {
    const page = await open('/');
    await page.getByRole('grid').getByRole('row').nth(1).waitFor();
    await check(page);
    await page.close();
  });

  it('flow logs with a flow opened and a filter menu open', async () => {
    const page = await open('/?source_namespace=storefront&dest_namespace=data');
    await page.getByTestId('flow-row').first().click();
    await page.getByTestId('explanation-enforced').waitFor();
    await check(page);
    await page.getByTestId('filter-action').click();
    await check(page);
    await page.close();
  });

  it('policies, with a policy selected', async () => {
    const page = await open('/policies');
    await page.getByTestId('policy-row').first().waitFor();
    await check(page);
    await page.getByTestId('policy-row').first().click();
    await check(page);
    await page.close();
  });

  it('service graph', async () => {
    const page = await open('/graph');
    await page.getByTestId('graph-node').first().waitFor();
    await check(page);
    await page.close();
  });

  it('rehearse, with the example rehearsed', async () => {
    const page = await open('/rehearse');
    await page.getByTestId('rehearse-button').click();
    await page.getByTestId('impact-report').waitFor();
    await check(page);
    await page.close();
  });

  it('recommend, with a recommendation', async () => {
    const page = await open('/recommend?namespace=storefront');
    await page.getByTestId('stage-button').waitFor();
    await check(page);
    await page.close();
  });

  it('dark theme', async () => {
    const page = await open('/');
    await page.getByRole('grid').getByRole('row').nth(1).waitFor();
    await page.getByTestId('theme-toggle').click();
    await check(page);
    await page.close();
  });
});
