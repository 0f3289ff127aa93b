// The ClusterNetworkPolicy example in the UI: the flow detail highlights the deciding CNP rule with
// each clause's sentence on the line it checked (the matching peer, the protocols), once each.
import { join } from 'node:path';
import { BUCKET_SECONDS, bucketStart } from '@verdict/flows';
import { type RunningVerdict, resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.ts';
import { type Browser, launchBrowser, ROOT, SCREENSHOTS, WEB_DIR } from './harness.ts';

let verdict: RunningVerdict;
let browser: Browser;

beforeAll(async () => {
  const resolved = resolveConfig(
    {
      cluster: [join(ROOT, 'examples/cluster-network-policy')],
      store: 'memory',
      'http-port': '0',
      'grpc-port': '-1',
      'demo-traffic': false,
      'web-dir': WEB_DIR,
    },
    {},
  );
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  verdict = await startVerdict(resolved.config, silentLogger);
  // The example's flows in one bucket, then the store rolled over so the live stream delivers them.
  const start = bucketStart(Date.now() / 1000);
  const flow = (name: string) => ({
    source: { namespace: 'web', name },
    destination: { namespace: 'db', name: 'postgres-0' },
    protocol: 'TCP',
    destPort: 5432,
    startTime: start + 1,
  });
  const report = await verdict.pipeline.submitRaw(
    [flow('api-6f8d7c9b5-fghij'), flow('frontend-7c5d9b8f6-abcde'), flow('debug-shell')],
    'e2e',
  );
  // Each flow is stored once per reporter (source and destination side).
  expect(report.stored).toBe(6);
  verdict.store.tick(start + 2 * BUCKET_SECONDS);
  browser = await launchBrowser({ width: 1500, height: 950 });
  browser.context.setDefaultTimeout(15_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await verdict?.close();
});

describe('ClusterNetworkPolicy in the flow detail', () => {
  it('puts each clause of the deciding rule on its own line: the matching peer and the protocols', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${verdict.httpUrl}/?source_name=frontend-7c5d9b8f6-abcde`);
    const row = page.locator('[data-testid="flow-row"][data-action="Deny"]').first();
    await row.click();
    const enforced = page.getByTestId('explanation-enforced');
    // The ingress side's deciding step (the egress side is decided by the namespace profile).
    const step = enforced
      .locator('[data-testid="explain-step"][data-deciding="true"]')
      .filter({ hasText: 'deny-frontend-to-db' });
    await expect(step.textContent()).resolves.toMatch(/ClusterNetworkPolicy deny-frontend-to-db/);
    const because = await step.locator('ul.because li').allTextContents();
    expect(because.length).toBeGreaterThanOrEqual(3);

    const yaml = step.getByTestId('explain-yaml');
    const highlighted = yaml.locator('[data-highlighted="true"]');
    expect(await highlighted.count()).toBeGreaterThan(because.length);
    const noted = await highlighted.evaluateAll((els) =>
      els
        .map((e) => ({
          text: e.querySelector('.code-text')?.textContent?.trim() ?? '',
          why: e.querySelector('.code-why')?.textContent?.replace(/^← /, '') ?? '',
        }))
        .filter((l) => l.why !== '')
        // Two notes on one line are joined with "; ".
        .flatMap((l) => l.why.split('; ').map((why) => ({ text: l.text, why }))),
    );
    // One note per sentence of the explanation, none repeated down the rule.
    expect(noted.map((l) => l.why).sort()).toEqual([...because].sort());
    const lineOf = (prefix: string) => noted.find((l) => l.why.startsWith(prefix))?.text;
    expect(lineOf('protocol:')).toBe('protocols:');
    expect(lineOf('destination.ports:')).toBe('protocols:');
    expect(lineOf('source.selector:')).toBe('- pods:');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'cluster-network-policy.png') });
    await page.close();
  });
});
