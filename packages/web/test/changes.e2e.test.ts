// The policy change log in the UI, in Chromium: the flow-logs timeline marks each change and links to
// it, the Policies page shows a policy's history with readable diffs, and the header warns about
// cluster APIs that are absent — on the demo (changes backfilled at start) and on a live cluster
// (the API emulator, followed through `verdict serve --kubeconfig`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeListResponse, ClusterStatusResponse } from '@verdict/api';
import { type RunningVerdict, resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEmulator, startApiEmulator } from '../../cluster/test/emulator.ts';
import {
  allowOnly,
  globalDeny,
  NO_ADMIN_POLICIES,
  namespace,
  pod,
  servedResources,
} from '../../cluster/test/fixtures.ts';
import { seriousViolations } from './axe.ts';
import { type Browser, type Demo, launchBrowser, SCREENSHOTS, startDemo, WEB_DIR } from './harness.ts';

/** expect.poll waits 1 s by default; a loaded CI machine needs longer for a fetch and a render. */
const WAIT = { timeout: 15_000 };

const getJson = async <T>(base: string, path: string): Promise<T> =>
  (await (await fetch(`${base}${path}`)).json()) as T;

const markerLabels = (page: Page) =>
  page.getByTestId('change-marker').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));

const diffLines = (page: Page, kind: 'added' | 'removed') =>
  page.getByTestId('policy-change-diff').first().locator(`[data-kind="${kind}"] .code-text`).allTextContents();

describe('on the demo', () => {
  let demo: Demo | undefined;
  let running: RunningVerdict;
  let context: BrowserContext;
  beforeAll(async () => {
    demo = await startDemo();
    ({ running, context } = demo);
  }, 90_000);
  afterAll(() => demo?.close());

  const open = async (path: string) => {
    const page = await context.newPage();
    await page.goto(`${running.httpUrl}${path}`);
    return page;
  };

  it('marks the three backfilled policy changes on the flow-logs timeline, in time order, beside the deny bars', async () => {
    const { items } = await getJson<ChangeListResponse>(running.httpUrl, '/api/v1/changes');
    expect(items).toHaveLength(3);
    const page = await open('/?start=-900');
    await page.locator('[data-testid="stream-status"][data-status="live"]').waitFor();
    await page.getByTestId('flow-row').first().waitFor();
    await expect.poll(() => page.getByTestId('change-marker').count(), WAIT).toBe(3);
    const labels = await markerLabels(page);
    expect(labels.map((l) => l.replace(/ at .*/, ''))).toEqual([
      'added GlobalNetworkPolicy security.block-known-bad',
      'modified NetworkPolicy shop/application.catalog',
      'modified GlobalNetworkPolicy security.block-known-bad',
    ]);
    const lefts = await page
      .getByTestId('change-marker')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
    expect(lefts[0]).toBeLessThan(lefts[1]!);
    expect(lefts[1]).toBeLessThan(lefts[2]!);
    // The demo denies some flows every bucket: the deny bars are drawn on the same axis.
    await expect.poll(() => page.getByTestId('timeline-deny-bar').count(), WAIT).toBeGreaterThan(0);
    await expect(page.getByTestId('timeline-summary').textContent()).resolves.toMatch(/3 policy changes/);

    // The tooltip names the change on hover.
    const last = page.getByTestId('change-marker').nth(2);
    await last.hover();
    await expect(last.getByRole('tooltip').isVisible()).resolves.toBe(true);
    await expect(last.getByRole('tooltip').textContent()).resolves.toMatch(
      /^modified GlobalNetworkPolicy security\.block-known-bad at /,
    );
    await page.screenshot({
      path: join(SCREENSHOTS, 'flow-logs-timeline.png'),
      clip: { x: 0, y: 0, width: 1400, height: 330 },
    });
    await page.close();
  });

  it('a marker opens the policy with its history, the marked change first, and a readable diff', async () => {
    const page = await open('/?start=-900');
    const marker = page.getByTestId('change-marker').nth(2);
    await marker.waitFor();
    const changeId = await marker.getAttribute('data-change-id');
    await marker.click();
    await page.waitForURL(/\/policies\?/);
    const detail = page.getByTestId('policy-detail');
    await expect(detail.locator('.side-title').textContent()).resolves.toBe('security.block-known-bad');
    const changes = detail.getByTestId('policy-change');
    await expect.poll(() => changes.count(), WAIT).toBe(2);
    await expect(changes.evaluateAll((els) => els.map((e) => e.dataset.op))).resolves.toEqual(['modified', 'added']);
    await expect(changes.first().getAttribute('aria-current')).resolves.toBe('true');
    await expect(changes.first().getAttribute('data-change-id')).resolves.toBe(changeId);
    expect((await diffLines(page, 'added')).map((l) => l.trim())).toEqual(['- 192.0.2.0/24']);
    expect(await diffLines(page, 'removed')).toEqual([]);
    await expect(detail.getByTestId('policy-change-rv').first().textContent()).resolves.toMatch(/^\S+$/);
    // The added change's diff is the whole policy as added lines.
    const addedDiff = changes.nth(1).getByTestId('policy-change-diff');
    await expect(addedDiff.locator('[data-kind="added"]').allTextContents()).resolves.toEqual(
      expect.arrayContaining([expect.stringContaining('198.51.100.0/24')]),
    );
    await expect(addedDiff.locator('[data-kind="removed"]').count()).resolves.toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'policy-history.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('selecting a policy on the board shows its history too; a policy never changed says so', async () => {
    const page = await open('/policies');
    await page.locator('[data-policy="shop/application.catalog"]').getByTestId('policy-open').click();
    await expect.poll(() => page.getByTestId('policy-change').count(), WAIT).toBe(1);
    await expect(page.getByTestId('policy-change').getAttribute('data-op')).resolves.toBe('modified');
    const added = (await diffLines(page, 'added')).join('\n');
    const removed = (await diffLines(page, 'removed')).join('\n');
    expect(added).toMatch(/change-ticket: CHG-1042/);
    expect(removed).toMatch(/order: 100/);
    expect(added).toMatch(/order: 90/);

    await page.locator('[data-policy="shop/application.default-deny"]').getByTestId('policy-open').click();
    await expect.poll(() => page.getByTestId('policy-history').textContent(), WAIT).toMatch(/No changes seen/);
    await page.close();
  });

  it('the header stays quiet on the demo (no cluster API is watched)', async () => {
    const page = await open('/');
    await page.getByTestId('cluster-summary').waitFor();
    await expect(page.getByTestId('cluster-warnings').count()).resolves.toBe(0);
    await page.close();
  });
});

describe('on a live cluster without the admin policy APIs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-web-live-'));
  let emulator: ApiEmulator;
  let verdict: RunningVerdict;
  let browser: Browser;

  beforeAll(async () => {
    emulator = await startApiEmulator({ resources: servedResources(NO_ADMIN_POLICIES) });
    emulator.apply(namespace('shop'));
    emulator.apply(pod('shop', 'web', '10.0.0.1', { app: 'web' }));
    emulator.apply(pod('shop', 'api', '10.0.0.2', { app: 'api' }));
    emulator.apply(allowOnly('shop', 'api-from-web', 'api', 'web'));
    emulator.writeKubeconfig(join(dir, 'kubeconfig'));
    const resolved = resolveConfig(
      {
        kubeconfig: join(dir, 'kubeconfig'),
        store: 'memory',
        'http-port': '0',
        'grpc-port': '-1',
        'web-dir': WEB_DIR,
      },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    verdict = await startVerdict(resolved.config, silentLogger);
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(15_000);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await verdict?.close();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the header warns that the admin policy APIs are absent and lists each one the server names', async () => {
    const status = await getJson<ClusterStatusResponse>(verdict.httpUrl, '/api/v1/cluster/status');
    const absent = status.kinds.filter((k) => k.state === 'absent').map((k) => k.kind);
    expect(absent).toContain('AdminNetworkPolicy.policy.networking.k8s.io');
    const page = await browser.context.newPage();
    await page.goto(`${verdict.httpUrl}/`);
    const warning = page.getByTestId('cluster-warnings');
    await expect(warning.locator('summary').textContent()).resolves.toMatch(
      new RegExp(`Cluster: ${absent.length} APIs absent`),
    );
    await warning.locator('summary').click();
    const items = await warning.getByRole('listitem').allTextContents();
    expect(items).toEqual(status.warnings);
    expect(items.some((i) => i.startsWith('AdminNetworkPolicy.policy.networking.k8s.io:'))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('a policy added, changed and deleted on the watch: three markers, and the history of the deleted policy', async () => {
    const deny = globalDeny('projectcalico.org/v3', 'deny-api', 'api');
    const added = emulator.apply(deny);
    const modified = emulator.apply({ ...deny, spec: { ...deny.spec, order: 20 } });
    emulator.remove('projectcalico.org/v3', 'GlobalNetworkPolicy', undefined, 'deny-api');
    await expect
      .poll(
        async () =>
          (
            await getJson<ChangeListResponse>(
              verdict.httpUrl,
              '/api/v1/policies/GlobalNetworkPolicy/-/deny-api/history',
            )
          ).items.length,
        WAIT,
      )
      .toBe(3);

    const page = await browser.context.newPage();
    await page.goto(`${verdict.httpUrl}/?start=-300`);
    const denyMarkers = page
      .getByTestId('change-marker')
      .filter({ has: page.locator('[role="tooltip"]', { hasText: 'deny-api' }) });
    await expect.poll(() => denyMarkers.count(), WAIT).toBe(3);
    const labels = (await markerLabels(page)).filter((l) => l.includes('deny-api')).map((l) => l.replace(/ at .*/, ''));
    expect(labels).toEqual([
      'added GlobalNetworkPolicy deny-api',
      'modified GlobalNetworkPolicy deny-api',
      'deleted GlobalNetworkPolicy deny-api',
    ]);

    await denyMarkers.nth(2).click();
    await page.waitForURL(/\/policies\?/);
    const detail = page.getByTestId('policy-detail');
    await expect(detail.locator('.side-sub').textContent()).resolves.toMatch(/not in the cluster now/);
    const changes = detail.getByTestId('policy-change');
    await expect.poll(() => changes.count(), WAIT).toBe(3);
    await expect(changes.evaluateAll((els) => els.map((e) => e.dataset.op))).resolves.toEqual([
      'deleted',
      'modified',
      'added',
    ]);
    const rvs = await detail.getByTestId('policy-change-rv').allTextContents();
    expect(rvs.slice(1)).toEqual([modified.metadata?.resourceVersion, added.metadata?.resourceVersion]);
    const modifiedDiff = changes.nth(1).getByTestId('policy-change-diff');
    await expect(modifiedDiff.locator('[data-kind="removed"] .code-text').allTextContents()).resolves.toEqual([
      '  order: 10',
    ]);
    await expect(modifiedDiff.locator('[data-kind="added"] .code-text').allTextContents()).resolves.toEqual([
      '  order: 20',
    ]);
    expect(await seriousViolations(page)).toEqual([]);

    // A Kubernetes NetworkPolicy from the initial list is found by its board entry.
    await page.goto(`${verdict.httpUrl}/policies`);
    await page.locator('[data-policy="shop/api-from-web"]').getByTestId('policy-open').click();
    await expect.poll(() => page.getByTestId('policy-change').count(), WAIT).toBe(1);
    await expect(page.getByTestId('policy-change').getAttribute('data-op')).resolves.toBe('added');
    await page.close();
  });
});
