// Building blocks for the browser journeys (test/browser/*): the relying party as openid-client in
// front of a real Chromium page, CSP/error tracking on every tab of a context (the phone pages a
// 模拟扫码 link opens), and the phone-side clicks. The 江苏智慧人社 app's side is helpers/jsrs-app.ts.

import type { Test } from 'tap';
import * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestApp } from './app.js';
import { actionTimeoutMs, catchRedirect, redirectCatcher, type TestPage } from './browser.js';
import { captchaAnswer, demoRedirect, lastSmsCode, openidRelyingParty, type Authorization, type Tokens } from './oidc-flow.js';

export type { Authorization };

/** openid-client as the demo client in front of a real Chromium page: the page follows the URL. */
export interface BrowserRelyingParty {
  config: client.Configuration;
  /** The demo client's authorization URL (PKCE, state, nonce), with extra parameters. */
  authorization(params?: Record<string, string>): Promise<Authorization>;
  /** Redeems the code of the callback URL the browser was sent to; `userinfo` holds the personal claims (the ID token has none). */
  redeem(callbackUrl: string, flow: Authorization): Promise<{ tokens: Tokens; claims: client.IDToken | undefined; userinfo: client.UserInfoResponse }>;
}

export async function browserRelyingParty(app: TestApp): Promise<BrowserRelyingParty> {
  const rp = await openidRelyingParty(app);
  return {
    config: rp.config,
    authorization: rp.authorization,
    async redeem(callbackUrl, flow) {
      const tokens = await rp.redeem(callbackUrl, flow);
      const claims = tokens.claims();
      const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, claims?.sub ?? client.skipSubjectCheck);
      return { tokens, claims, userinfo };
    },
  };
}

/** Presses the page's `button` and redeems the code the browser is then sent to the client with. */
export async function pressAndRedeem(rp: BrowserRelyingParty, page: Page, flow: Authorization, button: string): ReturnType<BrowserRelyingParty['redeem']> {
  const redirected = await catchRedirect(page, demoRedirect);
  await page.getByRole('button', { name: button, exact: true }).click();
  return rp.redeem(await acceptPoliciesInPage(page, redirected), flow);
}

/**
 * Waits for the redirect `redirected` catches; when the provider first asks to agree to the
 * policy texts in force (a new version, or an account created without seeing them), presses
 * 同意并继续 on the way. Resolves with the URL the browser was sent to.
 */
export async function acceptPoliciesInPage(page: Page, redirected: () => Promise<string>): Promise<string> {
  const accept = page.getByRole('button', { name: '同意并继续', exact: true });
  const first = await Promise.race([
    redirected().then((url) => ({ url })),
    accept.waitFor({ state: 'visible' }).then(() => ({ url: undefined }), () => new Promise<{ url: string }>(() => undefined)),
  ]);
  if (first.url !== undefined) return first.url;
  await accept.click();
  return redirected();
}

/** Records CSP violations and page errors of every further tab the context opens into `tp`'s lists. */
export function trackNewTabs(tp: TestPage): void {
  tp.context.on('page', (tab) => {
    tab.on('console', (message) => {
      if (/Content[ -]Security[ -]Policy/i.test(message.text())) tp.cspViolations.push(`[${tab.url()}] ${message.text()}`);
    });
    tab.on('pageerror', (err) => tp.pageErrors.push(`[${tab.url()}] ${err.message}`));
  });
}

/**
 * Makes the page's QR code visible: on a phone (below 48rem) it is folded under the button that
 * opens the app or the check on the device (details.qr-fold), so this unfolds it; on a desktop, or
 * where no such button exists, it is shown already. Waits for the QR image named `name`.
 */
export async function showQr(page: Page, name = '人脸识别二维码'): Promise<void> {
  await page.locator(`img[alt="${name}"]`).first().waitFor({ state: 'attached' });
  await page.waitForLoadState('domcontentloaded'); // qr-fold.js has folded it by then
  await unfoldQr(page);
  await page.getByRole('img', { name, exact: true }).waitFor();
}

/** The face-check QR, unfolded on a phone (showQr). */
export const showFaceQr = (page: Page): Promise<void> => showQr(page, '人脸识别二维码');

/** Clicks the 模拟扫码 link (target=_blank; unfolding the QR first on a phone) and resolves with the phone page it opened in a new tab. */
export async function openSimulatedScan(page: Page): Promise<Page> {
  await unfoldQr(page);
  const [phone] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: '模拟扫码', exact: true }).click()]);
  await phone.waitForLoadState('domcontentloaded');
  return phone;
}

/**
 * Plays the phone of a face check: opens the page's 模拟扫码 link in a new tab, presses
 * 模拟人脸识别通过 or 模拟人脸识别失败 there and waits for the verifier's result page; returns its heading.
 */
export async function pressFace(page: Page, outcome: 'pass' | 'fail'): Promise<{ phone: Page; heading: string }> {
  const phone = await openSimulatedScan(page);
  await phone.getByRole('heading', { name: '刷脸认证' }).waitFor();
  await phone.getByRole('button', { name: outcome === 'pass' ? '模拟人脸识别通过' : '模拟人脸识别失败', exact: true }).click();
  // The mock's result page: <h1 role="status">认证通过 | 认证未通过</h1>.
  const heading = phone.getByRole('status').filter({ hasText: /认证(通过|未通过)/ });
  await heading.waitFor();
  return { phone, heading: ((await heading.textContent()) ?? '').trim() };
}

/**
 * The SMS step of a page whose phone number is filled in: answers the captcha, presses 获取验证码,
 * waits for the code field and fills in the code the dev outbox holds for `phone` (six digits).
 */
export async function fillSmsCode(t: Test, app: TestApp, page: Page, phone: string): Promise<void> {
  await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
  await page.getByRole('button', { name: '获取验证码', exact: true }).click();
  await page.getByLabel('短信验证码', { exact: true }).waitFor();
  const code = await lastSmsCode(app, phone);
  t.match(code, /^\d{6}$/, 'the dev outbox holds a six-digit code');
  await page.getByLabel('短信验证码', { exact: true }).fill(code as string);
}

/** Opens a folded QR (details.qr-fold) if the page has one; the page is left as it is otherwise. */
export async function unfoldQr(page: Page): Promise<void> {
  const summary = page.locator('details.qr-fold:not([open]) > summary');
  if ((await summary.count()) > 0 && (await summary.first().isVisible())) await summary.first().click();
}

/**
 * On a phone (375 px), where a QR cannot be scanned from its own screen: asserts the button
 * `label` is shown with the QR `qrName` folded under it and opens the QR's own link (the 模拟扫码
 * link's, in development), clicks it and resolves with the page it opened in a new tab.
 */
export async function openOnThisPhone(t: Test, page: Page, label: string, qrName: string): Promise<Page> {
  await page.locator(`img[alt="${qrName}"]`).waitFor({ state: 'attached' });
  await page.waitForLoadState('domcontentloaded'); // qr-fold.js has folded it by then
  const button = page.getByRole('link', { name: label, exact: true });
  t.ok(await button.isVisible(), `${label}: shown on a phone`);
  t.notOk(await page.getByRole('img', { name: qrName, exact: true }).isVisible(), 'the QR folded under it');
  t.equal(await button.getAttribute('href'), await page.locator('#qr-simulate').getAttribute('href'), "it opens the QR's own link");
  const [opened] = await Promise.all([page.context().waitForEvent('page'), button.click()]);
  await opened.waitForLoadState('domcontentloaded');
  return opened;
}

/** Asserts the page has exactly no CSP violation nor script error so far. */
export function assertCleanPages(t: Test, tp: TestPage): void {
  t.same(tp.cspViolations, [], 'no CSP violation on any tab');
  t.same(tp.pageErrors, [], 'no script error on any tab');
}

/**
 * Like catchRedirect (helpers/browser.ts), for a page that opened other tabs: resolves with the
 * first request of any tab of the context to `redirectPrefix`. Once a page has opened a tab
 * (模拟扫码), Chromium's request interception no longer reliably catches its navigations (the
 * request then fails with ERR_CONNECTION_REFUSED as nothing serves the callback), so the URL is
 * taken from the request event itself; the route still answers it with a tiny page when it can.
 */
export async function catchRedirectInContext(context: BrowserContext, redirectPrefix: string, timeoutMs = actionTimeoutMs): Promise<() => Promise<string>> {
  const catcher = redirectCatcher(redirectPrefix, timeoutMs);
  context.on('request', (request) => {
    if (catcher.matches(request.url())) catcher.caught(request.url());
  });
  await context.route(catcher.matches, catcher.route);
  return catcher.first;
}
