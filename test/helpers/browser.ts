// A real browser for tests: Debian's Chromium driven by playwright-core (never a downloaded
// browser). One browser per test file, a fresh context (cookies, storage) per subtest, bounded
// timeouts, and every page's Content-Security-Policy violations collected for assertions.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// A bound against hangs, not a speed check: generous so a loaded machine does not fail a correct page.
export const actionTimeoutMs = 30_000;
export const screenshotDir = join(process.cwd(), 'test-artifacts', 'screenshots');

/** Launches headless Chromium once for the test file `t`; closed when `t` ends. */
export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  return browser;
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Console messages that report a Content Security Policy violation, in order. */
  cspViolations: string[];
  /** Uncaught page errors (JavaScript exceptions), in order. */
  pageErrors: string[];
}

/** A fresh context and page with bounded timeouts; the context is closed when `t` ends. */
export async function newTestPage(t: Test, browser: Browser, options: { viewport?: { width: number; height: number } } = {}): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(actionTimeoutMs);
  context.setDefaultNavigationTimeout(actionTimeoutMs);
  t.teardown(() => context.close());
  const page = await context.newPage();
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (message) => {
    if (/Content[ -]Security[ -]Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return { context, page, cspViolations, pageErrors };
}

/**
 * What catchRedirect and catchRedirectInContext (helpers/browser-journeys.ts) share: `matches`
 * (for page.route / context.route), `route` answering a caught navigation with a tiny page,
 * `caught` to report a URL, and `first()`, the first URL caught, or an error after `timeoutMs`.
 */
export function redirectCatcher(redirectPrefix: string, timeoutMs = actionTimeoutMs) {
  let resolve: (url: string) => void = () => undefined;
  const firstUrl = new Promise<string>((r) => {
    resolve = r;
  });
  return {
    matches: (url: URL | string) => url.toString().startsWith(redirectPrefix),
    caught: (url: string) => resolve(url),
    route: async (route: Route) => {
      resolve(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>callback</title><p>ok</p>' });
    },
    first: () =>
      Promise.race([
        firstUrl,
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`no redirect to ${redirectPrefix} within ${timeoutMs} ms`)), timeoutMs).unref()),
      ]),
  };
}

/**
 * Makes every navigation to `redirectPrefix` (a relying party's callback that nothing serves)
 * resolve with a tiny page, and returns a promise of the first such URL the browser asked for.
 */
export async function catchRedirect(page: Page, redirectPrefix: string): Promise<() => Promise<string>> {
  const catcher = redirectCatcher(redirectPrefix);
  await page.route(catcher.matches, catcher.route);
  return catcher.first;
}

/** Writes a full-page screenshot to test-artifacts/screenshots/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
