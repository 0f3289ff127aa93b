// Debian's Chromium driven by playwright-core, as every browser test and benchmark launches it
// (headless, no network chatter of its own, a fresh profile removed on close), and the demo server
// the browser tests run against.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningVerdict, resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** A 1400×900 light-theme page context in UTC and en-GB, so screenshots and times are stable. */
export async function launchBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'verdict-chromium-'));
  // launchPersistentContext is playwright's way of passing --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    colorScheme: 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const ROOT = resolve(import.meta.dirname, '../../..');
export const WEB_DIR = join(ROOT, 'packages/web/dist');
export const SCREENSHOTS = join(ROOT, 'docs/screenshots');

export interface Demo {
  running: RunningVerdict;
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** Generate demo traffic (default true); without it the store is empty until a test ingests. */
  demoTraffic?: boolean;
  /** `--stream-buffer`: flows queued per stream client before the server announces a gap. */
  streamBuffer?: number;
  /** `--allow-writes` (default false, as `verdict serve`). */
  allowWrites?: boolean;
}

/** The real `verdict serve` in process on the demo (memory store, demo traffic, no gRPC) and a browser. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  if (!existsSync(join(WEB_DIR, 'index.html'))) {
    // `npm test` builds the UI in `pretest`; a direct `vitest run` may not have.
    const { build } = await import('vite');
    await build({ root: join(ROOT, 'packages/web'), logLevel: 'warn' });
  }
  const resolved = resolveConfig(
    {
      store: 'memory',
      'http-port': '0',
      'grpc-port': '-1',
      'demo-traffic': options.demoTraffic ?? true,
      'web-dir': WEB_DIR,
      ...(options.streamBuffer !== undefined ? { 'stream-buffer': String(options.streamBuffer) } : {}),
      ...(options.allowWrites ? { 'allow-writes': true } : {}),
    },
    {},
  );
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  const running = await startVerdict(resolved.config, silentLogger);
  await running.pipeline.drain();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await launchBrowser();
  browser.context.setDefaultTimeout(15_000);
  return {
    running,
    browser,
    context: browser.context,
    async close() {
      await browser.close();
      await running.close();
    },
  };
}
