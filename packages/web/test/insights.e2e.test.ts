// The Insights, Egress and Rollout pages in Chromium against the demo server: real findings, the
// egress lockdown of shop and the rollout report, each fix rehearsed on the Rehearse page, each page
// checked with axe-core and photographed for the README.
import { join } from 'node:path';
import type { RunningVerdict } from '@verdict/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.ts';
import { type Demo, SCREENSHOTS, startDemo } from './harness.ts';

let running: RunningVerdict;
let context: BrowserContext;
let demo: Demo | undefined;
beforeAll(async () => {
  // Writes on: the Egress page imports DNS answers.
  demo = await startDemo({ allowWrites: true });
  ({ running, context } = demo);
}, 90_000);

afterAll(() => demo?.close());

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${running.httpUrl}${path}`);
  return page;
}

const noSeriousViolations = async (page: Page) => expect(await seriousViolations(page)).toEqual([]);

/** The Rehearse page opened by a "Rehearse" button: the draft's origin, then the finished impact report. */
async function expectRehearsed(page: Page, origin: RegExp): Promise<void> {
  await page.waitForURL(/\/rehearse/);
  await expect(page.getByTestId('draft-origin').textContent()).resolves.toMatch(origin);
  await page.getByTestId('impact-report').waitFor({ timeout: 30_000 });
  // The run flag is dropped once the rehearsal started, so a reload does not run it again.
  expect(new URL(page.url()).searchParams.get('run')).toBeNull();
  await expect(page.getByTestId('report-headline').textContent()).resolves.toMatch(/\S/);
}

describe('Insights page', () => {
  it('lists the demo findings of the first seven types by severity, with evidence and the fix in the YAML view', async () => {
    const page = await open('/insights');
    await page.getByTestId('finding').first().waitFor({ timeout: 30_000 });
    const types = new Set(
      await page.getByTestId('finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-type'))),
    );
    for (const type of [
      'policy-selects-nothing',
      'unreachable-rule',
      'unused-rule',
      'staged-would-deny',
      'dns-blocked',
      'public-egress',
      'lateral-movement',
    ]) {
      expect(types, type).toContain(type);
    }
    // Most severe first.
    const severities = await page
      .getByTestId('finding')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));
    const rank = (s: string | null) => ['high', 'medium', 'low'].indexOf(s ?? '');
    expect(severities.map(rank)).toEqual([...severities.map(rank)].sort((a, b) => a - b));

    // The exfiltration to 203.0.113.66: its flows in the evidence, its fix in the CodeMirror view.
    await page.getByTestId('type-filter').selectOption('public-egress');
    await page.waitForURL(/type=public-egress/);
    await page.getByTestId('finding').first().click();
    const detail = page.getByTestId('finding-detail');
    await expect(detail.getByTestId('finding-explanation').textContent()).resolves.toContain('203.0.113.66');
    await expect(detail.getByTestId('finding-flows').textContent()).resolves.toContain('4444/tcp');
    await expect(page.getByTestId('fix-yaml').textContent()).resolves.toContain('kind: Staged');
    await expect(page.getByTestId('fix-yaml-input').getAttribute('aria-readonly')).resolves.toBe('true');
    await page.close();
  });

  it('filters by severity from the URL and passes axe', async () => {
    const page = await open('/insights?severity=high');
    await page.getByTestId('finding').first().waitFor({ timeout: 30_000 });
    const severities = await page
      .getByTestId('finding')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));
    expect(new Set(severities)).toEqual(new Set(['high']));
    await expect(page.getByTestId('severity-high').getAttribute('aria-pressed')).resolves.toBe('true');
    await page.goto(`${running.httpUrl}/insights`);
    await page.getByTestId('finding-detail').waitFor();
    await noSeriousViolations(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'insights.png') });
    await page.close();
  });

  it('"Rehearse this fix" opens the Rehearse page with the change set loaded and rehearsed', async () => {
    const page = await open('/insights?type=staged-would-deny');
    await page.getByTestId('finding').first().click();
    const fix = (await page.getByTestId('fix-yaml').textContent()) ?? '';
    expect(fix).toMatch(/kind: \w+/);
    await page.getByTestId('rehearse-fix').click();
    await expectRehearsed(page, /the fix for/);
    // The editor holds the fix, not the example.
    const editor = (await page.getByTestId('rehearse-editor').textContent()) ?? '';
    expect(editor).not.toContain('application.default-deny\nnamespace: payments');
    expect(editor.replace(/\s/g, '').slice(0, 40)).toBe(fix.replace(/\s/g, '').slice(0, 40));
    await page.close();
  });
});

describe('Egress page', () => {
  it("shows shop's external destinations by network, port, flows and bytes, and the rehearsed lockdown", async () => {
    const page = await open('/egress');
    await page.getByTestId('egress-empty').waitFor();
    await page.getByTestId('egress-namespace').selectOption('shop');
    await page.waitForURL(/namespace=shop/);
    await page.getByTestId('egress-destination').first().waitFor({ timeout: 30_000 });
    const rows = await page.getByTestId('egress-destination').allTextContents();
    const exfil = rows.find((r) => r.includes('203.0.113.66/32'));
    expect(exfil).toContain('4444/tcp');
    await expect(page.getByTestId('egress-rehearsal').textContent()).resolves.toMatch(
      /Rehearsed over [\d,.]+k? flow records: [\d,.]+k? newly denied/,
    );
    const yaml = (await page.getByTestId('lockdown-yaml').textContent()) ?? '';
    expect(yaml).toContain('egress-lockdown');
    expect(yaml).toContain('kind: NetworkSet');
    await noSeriousViolations(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'egress.png') });
    await page.getByTestId('rehearse-lockdown').click();
    await expectRehearsed(page, /the egress lockdown of shop/);
    await page.close();
  });

  it('imports DNS answers from a file: destinations are named by domain, and the Enterprise dialect names them in the NetworkSet', async () => {
    const page = await open('/egress?namespace=shop');
    await page.getByTestId('egress-destination').first().waitFor({ timeout: 30_000 });
    // A bad file is refused whole, with the line and field at fault.
    await page.getByTestId('dns-import').setInputFiles({
      name: 'bad.ndjson',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from('{"name": "exfil.example.net", "addresses": ["203.0.113.999"]}\n'),
    });
    await expect(page.getByTestId('dns-import-status').textContent()).resolves.toContain(
      'bad.ndjson was not imported: 1 of 1 lines are not DNS answers; nothing was stored: line 1: addresses[0]',
    );
    await page.getByTestId('dns-import').setInputFiles({
      name: 'answers.ndjson',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from('{"name": "exfil.example.net", "addresses": ["203.0.113.66"]}\n'),
    });
    await expect(page.getByTestId('dns-import-status').textContent()).resolves.toMatch(
      /Imported 1 addresses of 1 names from answers\.ndjson/,
    );
    const exfil = page.getByTestId('egress-destination').filter({ hasText: '203.0.113.66/32' });
    await exfil.filter({ hasText: 'exfil.example.net' }).waitFor();
    // Open-source Calico: the domain is a comment beside the set; Enterprise: allowedEgressDomains.
    await expect(page.getByTestId('lockdown-yaml').textContent()).resolves.toContain(
      'the addresses of exfil.example.net',
    );
    await page.getByTestId('egress-dialect').selectOption('calico-enterprise');
    await page.waitForURL(/dialect=calico-enterprise/);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="lockdown-yaml"]')?.textContent?.includes('allowedEgressDomains'),
    );
    await expect(page.getByTestId('lockdown-yaml').textContent()).resolves.toContain('- exfil.example.net');
    await noSeriousViolations(page);
    await page.close();
  });

  it('says what went wrong for a namespace the cluster does not have', async () => {
    const page = await open('/egress?namespace=nowhere');
    await expect(page.getByTestId('egress-error').textContent()).resolves.toContain('nowhere is not in the cluster');
    await page.close();
  });
});

describe('Rollout page', () => {
  it('shows isolation and policy-decided shares per namespace, staged denies, the trend and the HTML report', async () => {
    const page = await open('/rollout');
    await page.getByTestId('rollout-namespace').first().waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('cluster-ingress').textContent()).resolves.toMatch(/^\d+%$/);
    await expect(page.getByTestId('cluster-decided').textContent()).resolves.toMatch(/^\d+%$/);
    const payments = page.locator('[data-testid="rollout-namespace"][data-namespace="payments"]');
    await expect(payments.textContent()).resolves.toMatch(/100%/);
    await expect(page.getByTestId('rollout-staged').textContent()).resolves.toContain('application.default-deny');
    await expect(page.getByTestId('rollout-staged').textContent()).resolves.toMatch(/would deny [1-9][\d,]* flow/);
    await page.getByTestId('rollout-trend').locator('circle').first().waitFor();
    await expect(page.getByTestId('rollout-workloads').textContent()).resolves.toContain('payments/');
    const href = await page.getByTestId('rollout-report-link').getAttribute('href');
    expect(href).toBe('/api/v1/coverage?since=86400&format=html');
    const report = await fetch(`${running.httpUrl}${href}`);
    expect(report.headers.get('content-type')).toMatch(/^text\/html/);
    await expect(report.text()).resolves.toContain('Staged policies waiting to be enforced');
    await noSeriousViolations(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'rollout.png'), fullPage: false });
    await page.close();
  });
});
