import { join } from 'node:path';
import { createTrafficGenerator } from '@verdict/demo';
import { BUCKET_SECONDS, bucketStart } from '@verdict/flows';
import type { RunningVerdict } from '@verdict/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiPolicy, ApiTier, PolicyStats } from '../src/api/types.ts';
import { indexPolicyStats, policyCounts, statsKey } from '../src/data/policyStats.ts';
import { type Demo, SCREENSHOTS, startDemo } from './harness.ts';

let running: RunningVerdict;
let context: BrowserContext;

/** The start of the newest bucket this file has rolled the store over to (0 = none yet). */
let rolledTo = 0;

/**
 * Ingests one bucket of fresh demo traffic into the bucket the store is filling, then rolls the
 * store over twice so that the live stream delivers it (a bucket streams once the next one is
 * complete). Moves the store's clock ahead of the wall clock instead of waiting 30 s.
 */
async function streamFreshBucket(): Promise<number> {
  const start = Math.max(bucketStart(Date.now() / 1000), rolledTo);
  const generator = createTrafficGenerator({ cluster: running.evaluator().state, seed: start, now: start });
  const report = await running.pipeline.submitRaw(generator.next(start + BUCKET_SECONDS), 'e2e');
  rolledTo = start + 2 * BUCKET_SECONDS;
  running.store.tick(rolledTo);
  return report.stored;
}

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${running.httpUrl}${path}`);
  return page;
}

/** The flow grid's row count, less its header row (aria-rowcount counts every row, rendered or not). */
const rowCount = async (page: Page) =>
  Number(await page.getByRole('grid', { name: 'Flows' }).getAttribute('aria-rowcount')) - 1;

/** Waits for the live stream and at least one flow row (grid row 2; row 1 is the header). */
async function waitForRows(page: Page): Promise<number> {
  await page.locator('[data-testid="stream-status"][data-status="live"]').waitFor();
  // The flow row itself: while the table is empty, grid row 2 is the empty-state message.
  await page.getByRole('grid', { name: 'Flows' }).locator('[data-testid="flow-row"][aria-rowindex="2"]').waitFor();
  return rowCount(page);
}

const cellTexts = (page: Page, column: string) =>
  page.$$eval(`[data-testid="flow-row"] .col-${column}`, (cells) => cells.map((c) => c.textContent ?? ''));

const screenshot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

let demo: Demo | undefined;
beforeAll(async () => {
  demo = await startDemo();
  ({ running, context } = demo);
}, 90_000);
afterAll(() => demo?.close());

describe('flow logs', () => {
  it('shows the demo flows in the live table', async () => {
    const page = await open('/');
    const rows = await waitForRows(page);
    expect(rows).toBeGreaterThan(10);
    const actions = await page.$$eval('[data-testid="flow-row"]', (els) => els.map((e) => e.dataset.action));
    expect(new Set(actions)).toEqual(new Set(['Allow', 'Deny']));
    await screenshot(page, 'flow-logs');
    await page.close();
  });

  it('narrows the rows with a source namespace filter set in the UI, and keeps it across a reload', async () => {
    const page = await open('/');
    const unfiltered = await waitForRows(page);
    await page.getByTestId('filter-source-namespace').click();
    await page.getByTestId('filter-source-namespace-options').getByText('storefront', { exact: true }).click();
    await page.waitForURL(/[?&]source_namespace=storefront\b/);

    const check = async () => {
      await page.locator('[data-testid="filter-source-namespace"]', { hasText: 'storefront' }).waitFor();
      await page.waitForFunction(() => {
        const cells = [...document.querySelectorAll('[data-testid="flow-row"] .col-sourceNamespace')];
        return cells.length > 0 && cells.every((c) => c.textContent === 'storefront');
      });
      const namespaces = await cellTexts(page, 'sourceNamespace');
      expect(namespaces.length).toBeGreaterThan(0);
      expect(new Set(namespaces)).toEqual(new Set(['storefront']));
      expect(await rowCount(page)).toBeLessThan(unfiltered);
    };
    await check();
    await page.reload();
    expect(new URL(page.url()).searchParams.getAll('source_namespace')).toEqual(['storefront']);
    await waitForRows(page);
    await check();
    await page.close();
  });

  it('opens a row: the explanation with the deciding rule highlighted in its YAML, and both traces', async () => {
    const page = await open('/?source_namespace=storefront&dest_namespace=storefront&action=Allow');
    await waitForRows(page);
    await page.getByTestId('flow-row').first().click();
    const detail = page.getByTestId('flow-detail');
    await detail.waitFor();

    const enforced = detail.getByTestId('explanation-enforced');
    await enforced.waitFor();
    await expect(enforced.locator('h3').textContent()).resolves.toMatch(/Enforced: Allow/);
    const decided = enforced.locator('[data-testid="explain-step"][data-deciding="true"]').first();
    await expect(decided.getAttribute('data-outcome')).resolves.toBe('matched');
    await expect(decided.textContent()).resolves.toMatch(/application\.(frontend|api-gateway)/);
    const yaml = decided.getByTestId('explain-yaml');
    await expect(yaml.textContent()).resolves.toMatch(/kind: NetworkPolicy[\s\S]*action: Allow/);
    expect(await yaml.locator('[data-highlighted="true"]').count()).toBeGreaterThan(0);
    await expect(detail.getByTestId('explanation-pending').isVisible()).resolves.toBe(true);

    await detail.getByTestId('detail-tabs-policies').click();
    for (const id of ['trace-enforced', 'trace-pending']) {
      const trace = detail.getByTestId(id);
      await trace.waitFor();
      expect(await trace.getByTestId('trace-row').count()).toBeGreaterThan(0);
      await expect(trace.getByTestId('trace-row').last().textContent()).resolves.toMatch(/application\.\S+Allow/);
    }
    await page.close();
  });

  it('holds new flows while paused and adds them on resume', async () => {
    const page = await open('/');
    await waitForRows(page);
    await page.getByTestId('pause-button').click();
    await expect(page.getByTestId('pause-button').getAttribute('aria-pressed')).resolves.toBe('true');
    const before = await rowCount(page);

    expect(await streamFreshBucket()).toBeGreaterThan(0);
    // The stream delivered them (they are held), yet the table did not change.
    await page
      .getByTestId('stream-status')
      .filter({ hasText: /Paused — [1-9][\d.,k]* new flows waiting/ })
      .waitFor();
    expect(await rowCount(page)).toBe(before);
    expect(await streamFreshBucket()).toBeGreaterThan(0);
    await page.waitForTimeout(1_000); // two batcher flushes: nothing may reach the table
    expect(await rowCount(page)).toBe(before);

    await page.getByTestId('pause-button').click();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount')) - 1 > n,
      before,
    );
    await expect(page.getByTestId('stream-status').textContent()).resolves.toBe('Live');
    await page.close();
  });
});

describe('a fixed time range', () => {
  it('says which roll-up level answered it, as the list API reported', async () => {
    const now = Math.floor(Date.now() / 1000);
    const [start, end] = [now - 600, now - 30];
    const page = await open(`/?start=${start}&end=${end}`);
    await page.locator('[data-testid="stream-status"][data-status="history"]').waitFor();
    const listed = (await (
      await fetch(`${running.httpUrl}/api/v1/flows?start=${start}&end=${end}&pageSize=1`)
    ).json()) as { resolution: number };
    const shown = page.getByTestId('resolution');
    expect(Number(await shown.getAttribute('data-seconds'))).toBe(listed.resolution);
    expect(await shown.textContent()).toBe(
      `· ${listed.resolution % 60 === 0 ? `${listed.resolution / 60} min` : `${listed.resolution} s`} buckets`,
    );
    await page.close();
  });
});

describe('flow addresses', () => {
  it("lists a flow's source and destination addresses and filters the table to one of them", async () => {
    const listed = (await (await fetch(`${running.httpUrl}/api/v1/flows?start=-3600&pageSize=1000`)).json()) as {
      items: { id: number; sourceIps: string[]; destIps: string[]; sourceNamespace: string }[];
    };
    const withIps = listed.items.find((f) => f.destIps.length > 0 && f.sourceIps.length > 0);
    expect(withIps, 'the demo reports addresses').toBeDefined();
    const ip = withIps!.destIps[0]!;

    const page = await open('/');
    const unfiltered = await waitForRows(page);
    // The address columns are in the chooser (hidden by default).
    await page.getByTestId('column-chooser').click();
    await page.getByLabel('Dest IPs', { exact: true }).check();
    await page.keyboard.press('Escape');
    const grid = page.getByRole('grid', { name: 'Flows' });
    await grid.getByRole('columnheader', { name: 'Dest IPs' }).waitFor();

    const row = grid.locator('[data-testid="flow-row"]').filter({ hasText: ip }).first();
    await row.click();
    const detail = page.getByTestId('flow-detail');
    await detail.getByTestId('detail-tabs-fields').click();
    await expect(detail.getByTestId('dest-ips').textContent()).resolves.toContain(ip);
    await screenshot(page, 'flow-addresses');
    await detail.getByTestId('dest-ips').locator(`[data-ip="${ip}"]`).click();
    await page.waitForURL((u) => u.searchParams.getAll('dest_cidr').includes(ip));
    await page.waitForFunction((addr) => {
      const cells = [...document.querySelectorAll('[data-testid="flow-row"] .col-destIps')];
      return cells.length > 0 && cells.every((c) => c.textContent?.includes(addr) || c.textContent?.includes('+'));
    }, ip);
    expect(await rowCount(page)).toBeLessThan(unfiltered);
    expect(await rowCount(page)).toBeGreaterThan(0);
    await page.close();
  });
});

describe('the new user: why was frontend → postgres denied?', () => {
  it('filters to the flow, opens it and reads the end-of-tier deny of tier application', async () => {
    const page = await open('/?source_namespace=storefront&dest_namespace=data');
    await waitForRows(page);
    await page.getByTestId('filter-action').click();
    // A click, not check(): the box follows the URL, which the router updates after the click event.
    await page.getByTestId('filter-action-Deny').click();
    await page.waitForURL(/[?&]action=Deny\b/);
    await expect.poll(() => page.getByTestId('filter-action-Deny').isChecked()).toBe(true);
    await page.keyboard.press('Escape');

    const row = page.locator('[data-testid="flow-row"][data-action="Deny"]', { hasText: 'postgres' }).first();
    await row.click();
    const detail = page.getByTestId('flow-detail');
    await expect(detail.locator('.side-title').textContent()).resolves.toMatch(
      /storefront\/frontend.*data\/postgres.*5432/,
    );

    const enforced = detail.getByTestId('explanation-enforced');
    await enforced.waitFor();
    await expect(enforced.locator('h3').textContent()).resolves.toMatch(/Enforced: Deny/);
    const endOfTier = enforced.locator('[data-testid="explain-step"][data-outcome="end-of-tier"]');
    expect(await endOfTier.count()).toBeGreaterThan(0);
    const text = await endOfTier.first().textContent();
    expect(text).toContain('tier application');
    expect(text).toContain('storefront/application.frontend');
    expect(text).toMatch(/end of tier.*Deny/);
    expect(text).toContain('no rule in tier application matched; its default action is Deny');
    await expect(endOfTier.first().getAttribute('data-deciding')).resolves.toBe('true');
    await expect(enforced.getByTestId('decided-by').first().textContent()).resolves.toBe(
      'Decided by the end of tier application after storefront/application.frontend: no rule matched (Deny)',
    );
    await screenshot(page, 'flow-detail');
    await page.close();
  });
});

describe('policies board', () => {
  it('lists the tiers in evaluation order with flow counts', async () => {
    const tiers = (await (await fetch(`${running.httpUrl}/api/v1/tiers`)).json()) as { items: ApiTier[] };
    const orders = tiers.items.map((t) => t.order ?? Number.POSITIVE_INFINITY);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));

    const page = await open('/policies');
    await page.getByTestId('tier').first().waitFor();
    const shown = await page.$$eval('[data-testid="tier"]', (els) => els.map((e) => e.dataset.tier));
    expect(shown).toEqual(tiers.items.map((t) => t.name));
    expect(shown.slice(0, 3)).toEqual(['security', 'platform', 'application']);

    // Counts arrive after the tiers; wait for any non-zero policy count.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="policy-counts"] .count')].some((c) => c.textContent !== '0'),
    );
    const frontend = page.locator('[data-testid="policy-row"][data-policy="storefront/application.frontend"]');
    const [allowed, denied] = await frontend.locator('.count').allTextContents();
    expect(Number(allowed)).toBeGreaterThan(0);
    expect(Number(denied)).toBeGreaterThan(0); // the end-of-tier denies it owns (postgres)

    // Pending counts next to the enforced ones; the policies whose pending counts differ are marked,
    // and staged policies show only pending counts.
    const stats = (await (await fetch(`${running.httpUrl}/api/v1/policy-stats?start=-3600&end=0`)).json()) as {
      items: PolicyStats[];
    };
    const byKey = indexPolicyStats(stats.items);
    const policies = tiers.items.flatMap((t) => t.policies);
    const label = (p: ApiPolicy) => `${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
    const expected = policies.filter((p) => policyCounts(byKey.get(statsKey(p)), p.staged).changes).map(label);
    expect(expected.length).toBeGreaterThan(0);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="policy-changes"]').length === n,
      expected.length,
    );
    const marked = await page.$$eval('[data-testid="policy-row"][data-changes="true"]', (els) =>
      els.map((e) => (e as HTMLElement).dataset.policy),
    );
    expect(marked.sort()).toEqual(expected.sort());
    const changed = page.locator(`[data-testid="policy-row"][data-policy="${expected[0]}"]`);
    const enforcedText = await changed.getByTestId('policy-counts').textContent();
    const pendingText = await changed.getByTestId('policy-pending-counts').textContent();
    expect(pendingText).not.toBe(enforcedText);
    const staged = policies.find((p) => p.staged)!;
    const stagedRow = page.locator(`[data-testid="policy-row"][data-policy="${label(staged)}"]`);
    await expect(stagedRow.getByTestId('policy-counts').textContent()).resolves.toBe('not enforced (staged)');
    const stagedPending = policyCounts(byKey.get(statsKey(staged)), true).pending;
    await expect(stagedRow.getByTestId('policy-pending-counts').locator('.count').allTextContents()).resolves.toEqual(
      [stagedPending.allowed, stagedPending.denied, stagedPending.passed].map(String),
    );
    expect(await stagedRow.getByTestId('policy-changes').count()).toBe(0);
    await screenshot(page, 'policies');
    await page.close();
  });
});

describe('service graph', () => {
  it('draws workloads and the traffic between them', async () => {
    const page = await open('/graph');
    await page.getByTestId('graph-node').first().waitFor();
    expect(await page.getByTestId('graph-node').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('graph-edge').count()).toBeGreaterThan(5);
    expect(await page.locator('[data-testid="graph-edge"][data-verdict="deny"]').count()).toBeGreaterThan(0);
    await screenshot(page, 'service-graph');
    await page.close();
  });

  it('asks the server for the node budget and draws what it folded', async () => {
    const page = await context.newPage();
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/graph?'));
    await page.goto(`${running.httpUrl}/graph?group=workload&nodes=5`);
    const url = new URL((await asked).url());
    expect(url.searchParams.get('limit')).toBe('5');
    expect(url.searchParams.get('group')).toBe('workload');
    await page.getByTestId('graph-node').first().waitFor();
    expect(await page.getByTestId('graph-node').count()).toBe(5);
    await expect(page.getByTestId('graph-stats').textContent()).resolves.toMatch(/quieter nodes folded into one/);
    await page.close();
  });
});
