// Issues #10.6 and #12 "Security" in real Chromium: signing in with a token gives the UI a session
// cookie its fetches and live stream (EventSource sends no headers) ride on; and a page of another
// origin that auto-submits plain HTML forms (text/plain and form-encoded, the two bodies a form can
// send cross-site without CORS) to the write endpoints changes nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningVerdict, resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, WEB_DIR } from './harness.ts';

const TOKEN = 'e2e-read-0123456789abcdef0123';

async function serve(flags: Record<string, unknown>): Promise<RunningVerdict> {
  const resolved = resolveConfig(
    { store: 'memory', 'http-port': '0', 'grpc-port': '-1', 'demo-traffic': true, 'web-dir': WEB_DIR, ...flags },
    {},
  );
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  const running = await startVerdict(resolved.config, silentLogger);
  await running.pipeline.drain();
  return running;
}

describe('signing in with a token, in Chromium', () => {
  let dir: string;
  let verdict: RunningVerdict;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-signin-'));
    writeFileSync(join(dir, 'tokens'), `${TOKEN} read e2e-viewer\n`);
    verdict = await serve({ 'auth-token-file': join(dir, 'tokens') });
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await browser?.close();
    await verdict?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the UI sends a visitor to /signin, a wrong token is refused, the right one opens the live flow table', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${verdict.httpUrl}/flows`);
    await page.waitForURL(/\/signin\?next=%2Fflows$/);
    await page.getByLabel('Access token').fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token is not valid' }).waitFor();
    expect(await browser.context.cookies()).toEqual([]);

    await page.getByLabel('Access token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${verdict.httpUrl}/flows`);
    // The live stream (EventSource) and the table's fetches authenticate with the cookie alone.
    await page.locator('[data-testid="stream-status"][data-status="live"]').waitFor();
    await page.getByRole('grid', { name: 'Flows' }).locator('[data-testid="flow-row"][aria-rowindex="2"]').waitFor();
    const [cookie] = await browser.context.cookies();
    expect(cookie).toMatchObject({ name: 'verdict_session', httpOnly: true, sameSite: 'Strict' });
    // Script on the page cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.close();
  });
});

describe('cross-site writes with real HTML forms, in Chromium', () => {
  let verdict: RunningVerdict;
  let browser: Browser;
  let attacker: Server;
  let attackerPort: number;
  const NAME = 'csrf-form-probe';
  const yaml = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${NAME}}
spec: {selector: all(), types: [Ingress], ingress: [{action: Deny}]}`;

  beforeAll(async () => {
    // Loopback with no auth mode: writes are open to this machine, so only the guard stands between a page and them.
    verdict = await serve({ 'demo-traffic': false });
    /** `/<enctype>/<path>`: a page whose form posts to Verdict's <path> with <enctype>, submitted on load. */
    attacker = createServer((req, res) => {
      const [, kind, ...rest] = (req.url ?? '/').split('/');
      const target = `${verdict.httpUrl}/${rest.join('/')}`;
      const enctype = kind === 'text' ? 'text/plain' : 'application/x-www-form-urlencoded';
      // text/plain sends `name=value`: the YAML in the name and a harmless value, the classic JSON/YAML-smuggling form.
      const field =
        kind === 'text'
          ? `<input type="hidden" name="${yaml.replace(/"/g, '&quot;')}\n#" value="">`
          : `<input type="hidden" name="changeSet" value="${yaml.replace(/"/g, '&quot;')}">`;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><title>prize</title><form method="post" action="${target}" enctype="${enctype}">${field}</form><script>document.forms[0].submit()</script>`,
      );
    });
    await new Promise<void>((done) => attacker.listen(0, '127.0.0.1', done));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => attacker?.close(done));
    await verdict?.close();
  });

  // localhost → 127.0.0.1 is cross-site; 127.0.0.1:<other port> → 127.0.0.1 is same-site but another origin.
  const cases = ['localhost', '127.0.0.1'].flatMap((host) =>
    ['text', 'form'].flatMap((kind) =>
      ['api/v1/policies', 'api/v1/promote', 'api/v1/ingest'].map((path) => ({ host, kind, path })),
    ),
  );

  it.each(cases)(
    'a $kind form from http://$host:<port> to /$path is refused and applies nothing',
    async ({ host, kind, path }) => {
      const page = await browser.context.newPage();
      const submitted = page.waitForResponse((response) => response.url() === `${verdict.httpUrl}/${path}`);
      await page.goto(`http://${host}:${attackerPort}/${kind}/${path}`);
      const response = await submitted;
      expect([403, 415]).toContain(response.status());
      expect(await response.json()).toMatchObject({ error: { code: 'cross-site' } });
      expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, NAME)).toBeUndefined();
      await page.close();
    },
  );
});
