import { join } from 'node:path';
import { createTrafficGenerator, SCAN_PORTS } from '@verdict/demo';
import { BUCKET_SECONDS, bucketStart } from '@verdict/flows';
import type { RunningVerdict } from '@verdict/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, SCREENSHOTS, startDemo } from './harness.ts';

/** payments has only Kubernetes policies: selecting its pods in tier application ends them in its end-of-tier deny. */
const PAYMENTS_DEFAULT_DENY = `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: application.default-deny
  namespace: payments
spec:
  tier: application
  order: 1
  selector: all()
  types: [Ingress]
`;
const SELECTOR_LINE = PAYMENTS_DEFAULT_DENY.split('\n').findIndex((l) => l.includes('selector:')) + 1;

let running: RunningVerdict;
let context: BrowserContext;

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${running.httpUrl}${path}`);
  return page;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${running.httpUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface FlowItem {
  destNamespace: string;
  destPort: number;
  action: string;
  policies: { pending: { name: string }[] };
}
const flowsWhere = (filters: object, start = -3600) =>
  getJson<{ items: FlowItem[] }>(
    `/api/v1/flows?start=${start}&pageSize=1000&filters=${encodeURIComponent(JSON.stringify(filters))}`,
  );
const exact = (value: string) => [{ value, type: 'Exact' }];

const stagedPolicyNames = async () =>
  (await getJson<{ items: { policies: { kind: string; namespace: string; name: string }[] }[] }>('/api/v1/tiers')).items
    .flatMap((t) => t.policies)
    .filter((p) => p.kind === 'StagedNetworkPolicy' && p.namespace === 'shop')
    .map((p) => p.name);

/** Ingests fresh demo traffic, evaluated against the cluster as it is now, and rolls the store over so it is listed. */
async function ingestFreshBucket(): Promise<void> {
  const start = bucketStart(Date.now() / 1000);
  // A minute and a quarter of traffic, so every call-graph edge shows up whatever the seed.
  const generator = createTrafficGenerator({
    cluster: running.evaluator().state,
    seed: start,
    now: start - 4 * BUCKET_SECONDS,
  });
  await running.pipeline.submitRaw(generator.next(start + BUCKET_SECONDS), 'e2e-rehearse');
  running.store.tick(start + 2 * BUCKET_SECONDS);
}

const editor = (page: Page) => page.getByRole('textbox', { name: 'Change set YAML' });
/** The editor's text, as the page keeps it for a reload (sessionStorage). */
const editorText = (page: Page) =>
  page.evaluate(() => {
    const stored = sessionStorage.getItem('verdict-rehearse-draft');
    return stored ? (JSON.parse(stored) as { changeSet: string }).changeSet : '';
  });
const section = (page: Page, id: string) => page.locator(`[data-testid="impact-section"][data-section="${id}"]`);

async function rehearseAndWait(page: Page): Promise<void> {
  await page.getByTestId('rehearse-button').click();
  await page.getByTestId('impact-report').waitFor();
}

let demo: Demo | undefined;
beforeAll(async () => {
  demo = await startDemo();
  ({ running, context } = demo);
}, 90_000);
afterAll(() => demo?.close());

describe('the new user rehearses a default-deny for payments', () => {
  it('sees which live flows break and the policy that would deny them, then promotes it', async () => {
    // Live demo traffic into payments is allowed today: there is something to break.
    const live = await flowsWhere({ destNamespaces: exact('payments'), destPorts: [8443], reporter: 'Dst' });
    expect(live.items.filter((f) => f.action === 'Allow').length).toBeGreaterThan(0);

    const page = await open('/rehearse');
    await expect(page.getByTestId('nav-rehearse').getAttribute('aria-current')).resolves.toBe('page');
    await page.getByTestId('rehearse-empty').waitFor();
    await editor(page).fill(PAYMENTS_DEFAULT_DENY);
    // Tab indents instead of leaving the editor.
    await editor(page).press('Control+End');
    await editor(page).press('Tab');
    await expect(editorText(page)).resolves.toBe(`${PAYMENTS_DEFAULT_DENY}  `);
    await expect(page.evaluate(() => document.activeElement?.classList.contains('cm-content'))).resolves.toBe(true);
    await editor(page).fill(PAYMENTS_DEFAULT_DENY);

    await rehearseAndWait(page);
    await expect(page.getByTestId('report-semantics').textContent()).resolves.toContain("Verdict's what-if scope");
    const denied = Number(await page.getByTestId('total-newlyDenied').getAttribute('data-value'));
    expect(denied).toBeGreaterThan(0);
    // "Would be denied" comes first.
    const order = await page.$$eval('[data-testid="impact-section"]', (els) => els.map((e) => e.dataset.section));
    expect(order).toEqual(['newlyDenied', 'newlyAllowed', 'decidedDifferently', 'unexercisedRules']);

    const rows = section(page, 'newlyDenied').getByTestId('impact-row');
    const endpoints = await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.endpoint ?? ''));
    expect(endpoints.some((e) => e.startsWith('payments/payments-'))).toBe(true);
    expect(endpoints.every((e) => e.startsWith('payments/'))).toBe(true);
    const checkoutRow = rows.filter({ hasText: 'shop/checkout' }).first();
    await expect(checkoutRow.getAttribute('data-ports')).resolves.toBe('8443');
    await expect(checkoutRow.getByTestId('impact-decided-by').textContent()).resolves.toContain(
      'end of tier application after payments/application.default-deny',
    );

    // Expand: example flows with both traces, and a link to their flow logs.
    await checkoutRow.getByTestId('impact-expand').click();
    const example = section(page, 'newlyDenied').getByTestId('impact-example').first();
    await example.waitFor();
    await expect(example.getByTestId('example-before').getByTestId('trace-row').last().textContent()).resolves.toMatch(
      /Allow/,
    );
    const after = example.getByTestId('example-after').getByTestId('trace-row');
    await expect(after.last().textContent()).resolves.toMatch(
      /EndOfTier.*application.*Deny.*application\.default-deny/,
    );
    // Tall enough for the editor, the totals and the expanded group's traces.
    await page.setViewportSize({ width: 1400, height: 1250 });
    await page.screenshot({ path: join(SCREENSHOTS, 'rehearse.png') });
    await page.setViewportSize({ width: 1400, height: 900 });

    await example.getByTestId('example-flows-link').click();
    await page.waitForURL(/\/\?.*dest_namespace=payments/);
    const url = new URL(page.url());
    expect(url.searchParams.get('dest_port')).toBe('8443');
    expect(url.searchParams.get('source_namespace')).toBe('shop');
    await page.getByTestId('flow-row').first().waitFor();
    const destNamespaces = await page.$$eval('[data-testid="flow-row"] .col-destNamespace', (c) =>
      c.map((x) => x.textContent),
    );
    expect(new Set(destNamespaces)).toEqual(new Set(['payments']));
    await page.goBack();

    // Promote: the enforced NetworkPolicy to apply.
    await page.getByTestId('promote-button').click();
    const promoted = await page.getByTestId('promoted-yaml').textContent();
    expect(promoted).toMatch(/kind: NetworkPolicy/);
    expect(promoted).not.toMatch(/Staged/);
    expect(promoted).toMatch(/namespace: payments/);
    await page.close();
  });

  it('shows an invalid selector on its line, and keeps the text and range across a reload', async () => {
    const page = await open('/rehearse');
    await editor(page).fill(PAYMENTS_DEFAULT_DENY.replace('selector: all()', 'selector: app =='));
    await page.getByTestId('rehearse-range').selectOption('-900');
    await page.waitForURL(/[?&]start=-900\b/);
    await page.getByTestId('rehearse-button').click();

    const annotated = page.getByTestId('editor-annotated-line');
    await annotated.first().waitFor();
    expect(await annotated.count()).toBe(1);
    await expect(annotated.getAttribute('data-line')).resolves.toBe(String(SELECTOR_LINE));
    await expect(annotated.textContent()).resolves.toMatch(/spec\.selector: .*selector/);
    // The same issue as a lint diagnostic: a gutter marker and the underlined text from its column.
    const box = page.getByTestId('rehearse-editor');
    expect(await box.locator('.cm-lint-marker-error').count()).toBe(1);
    await expect(box.locator('.cm-lintRange-error').first().textContent()).resolves.toContain('app ==');
    const issue = page.getByTestId('issue-list').getByTestId('issue');
    await expect(issue.getAttribute('data-line')).resolves.toBe(String(SELECTOR_LINE));
    // Search and folding come with the editor.
    await editor(page).press('Control+f');
    await box.getByRole('textbox', { name: 'Find' }).waitFor();
    await page.keyboard.press('Escape');
    expect(await box.locator('.cm-foldGutter').count()).toBe(1);
    await expect(page.getByTestId('impact-report').count()).resolves.toBe(0);

    await page.reload();
    await expect(editor(page).textContent()).resolves.toContain('selector: app ==');
    await expect(page.getByTestId('rehearse-range').inputValue()).resolves.toBe('-900');
    await page.close();
  });
});

describe('the new user drafts policies for shop, stages, rehearses and promotes them', () => {
  it('recommends, stages (new flows get pending traces), rehearses without breaking traffic, promotes, unstages', async () => {
    const page = await open('/recommend');
    await page.getByTestId('recommend-empty').waitFor();
    await page.getByTestId('recommend-namespace').selectOption('shop');
    await page.getByTestId('recommend-dialect').selectOption('calico');
    await page.getByTestId('recommend-tier').selectOption('application');
    await page.getByTestId('recommend-button').click();
    await page.waitForURL(/[?&]namespace=shop\b.*tier=application/);

    const drafts = page.getByTestId('recommended-policy');
    await drafts.first().waitFor();
    const names = await drafts.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.policy));
    expect(names).toEqual(
      expect.arrayContaining(['shop/application.verdict-cart', 'shop/application.verdict-checkout']),
    );
    await expect(page.getByTestId('coverage-sentence').textContent()).resolves.toMatch(/^(\d+) of \1 observed/);
    const cart = drafts.filter({ hasText: 'shop/application.verdict-cart' });
    await expect(cart.getByTestId('recommended-yaml').textContent()).resolves.toMatch(/kind: StagedNetworkPolicy/);
    const redisRule = cart.getByTestId('recommended-rule').filter({ hasText: 'data/redis' });
    await expect(redisRule.textContent()).resolves.toContain('shop/cart → data/redis:6379/tcp');
    // Long examples stay inside the rules table (wrapped, the whole line in a tooltip).
    const overflow = await page.$$eval('.draft-rules', (els) => els.map((e) => e.scrollWidth - e.clientWidth));
    expect(overflow.every((o) => o <= 0)).toBe(true);
    const examples = await page
      .getByTestId('rule-example')
      .evaluateAll((els) => els.map((e) => ({ title: e.getAttribute('title'), text: e.textContent })));
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) expect(e.title).toBe(e.text);
    await page.screenshot({ path: join(SCREENSHOTS, 'recommend.png') });

    // Stage: the drafts join Verdict's cluster state, and new flows get pending traces with them.
    const stagedInHeader = async () =>
      Number((await page.getByTestId('cluster-summary').textContent())?.match(/\((\d+) staged\)/)?.[1] ?? 0);
    const stagedBefore = await stagedInHeader();
    await page.getByTestId('stage-button').click();
    await page.getByTestId('staged-list').waitFor();
    // The header summary reloads after staging.
    await page.waitForFunction((n) => {
      const text = document.querySelector('[data-testid="cluster-summary"]')?.textContent ?? '';
      return n === 0 ? text !== '' && !text.includes(' staged)') : text.includes(`(${n} staged)`);
    }, stagedBefore + names.length);
    expect(await page.getByTestId('staged-policy').count()).toBe(names.length);
    expect((await stagedPolicyNames()).filter((n) => n.startsWith('application.verdict-')).sort()).toEqual(
      names.map((n) => n?.replace('shop/', '')).sort(),
    );
    await ingestFreshBucket();
    const fresh = await flowsWhere({ sourceNamespaces: exact('shop'), reporter: 'Src' }, -120);
    expect(fresh.items.some((f) => f.policies.pending.some((h) => h.name.startsWith('application.verdict-')))).toBe(
      true,
    );

    // Rehearse the same YAML: no business traffic breaks. The only flows it would deny are the
    // demo's port scan from catalog into payments, which payments' ingress already denies.
    await page.getByTestId('rehearse-recommendation').click();
    await page.waitForURL(/\/rehearse$/);
    await expect(page.getByTestId('draft-origin').textContent()).resolves.toContain(
      'the recommendation for shop (calico)',
    );
    await expect(editor(page).textContent()).resolves.toContain('name: application.verdict-cart');
    await rehearseAndWait(page);
    await expect(page.getByTestId('total-newlyAllowed').getAttribute('data-value')).resolves.toBe('0');
    const deniedRows = await section(page, 'newlyDenied')
      .getByTestId('impact-row')
      .evaluateAll((els) =>
        els.map((e) => ({
          endpoint: (e as HTMLElement).dataset.endpoint ?? '',
          ports: ((e as HTMLElement).dataset.ports ?? '').split(',').map(Number),
          text: e.textContent ?? '',
        })),
      );
    for (const row of deniedRows) {
      expect(row.endpoint).toMatch(/^shop\/catalog-/);
      expect(row.text).toMatch(/to payments\//);
      expect(SCAN_PORTS).toEqual(expect.arrayContaining(row.ports));
    }

    await page.getByTestId('promote-button').click();
    const promoted = await page.getByTestId('promoted-yaml').textContent();
    expect(promoted).toMatch(/kind: NetworkPolicy\n[\s\S]*name: application.verdict-cart/);
    expect(promoted).not.toMatch(/StagedNetworkPolicy/);

    // Back on Recommend the staged list survived the navigation; Unstage takes them back out.
    await page.getByTestId('nav-recommend').click();
    await page.getByTestId('staged-list').waitFor();
    await page.getByTestId('unstage-button').click();
    await page.getByTestId('staged-list').waitFor({ state: 'detached' });
    expect((await stagedPolicyNames()).filter((n) => n.startsWith('application.verdict-'))).toEqual([]);
    // ... and after unstaging.
    await page.waitForFunction((n) => {
      const text = document.querySelector('[data-testid="cluster-summary"]')?.textContent ?? '';
      return n === 0 ? text !== '' && !text.includes(' staged)') : text.includes(`(${n} staged)`);
    }, stagedBefore);
    await page.close();
  });
});
