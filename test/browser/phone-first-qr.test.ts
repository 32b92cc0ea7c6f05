// Issue 15, phone first, in Chromium: a phone cannot scan its own screen. At 375 px the 扫码登录 tab
// offers 打开江苏智慧人社App (a link carrying only the QR's ticket; in development the simulator at
// /dev/app) with the QR folded under it, and tapping it signs in through the simulator while the
// page follows by itself; at 1280 px the QR shows as before and there is no button.

/// <reference lib="dom" />
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage, screenshot, type TestPage } from '../helpers/browser.js';
import { assertCleanPages, browserRelyingParty, catchRedirectInContext, showQr, trackNewTabs, type Authorization } from '../helpers/browser-journeys.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { demoRedirect } from '../helpers/oidc-flow.js';

const phoneViewport = { width: 375, height: 812 };
const desktopViewport = { width: 1280, height: 800 };
const qrName = '扫码登录二维码';
const openApp = '打开江苏智慧人社App';

t.test(`phone first: 扫码登录 opens the app on a phone, shows the QR on a desktop (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { login: { qrPollMs: 1000 } } });
  const rp = await browserRelyingParty(app);
  const browser = await launchBrowser(t);
  const citizen = { phone: freshPhone(), documentNumber: syntheticIdNumber(), name: '扫码用户' };
  const registered = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', ...citizen });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.status}`);

  /** The RP's authorization request in a fresh context of `viewport`, then the 扫码登录 tab. */
  const openQrTab = async (t: Test, viewport: { width: number; height: number }): Promise<{ tp: TestPage; page: Page; flow: Authorization }> => {
    const tp = await newTestPage(t, browser, { viewport });
    trackNewTabs(tp);
    const flow = await rp.authorization();
    await tp.page.goto(flow.url);
    await tp.page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
    await tp.page.getByRole('link', { name: '扫码登录', exact: true }).click();
    await tp.page.waitForURL(/method=qr/);
    await tp.page.locator(`img[alt="${qrName}"]`).waitFor({ state: 'attached' });
    await tp.page.waitForLoadState('load');
    return { ...tp, tp, flow };
  };
  const ticketOfQr = async (page: Page) => ((await page.locator('#qr-simulate').getAttribute('href')) ?? '').split('/qr/l/')[1];

  await t.test('375 px: the button opens the simulator with the same ticket; the QR is folded; the sign-in completes', async (t) => {
    const { tp, page, flow } = await openQrTab(t, phoneViewport);
    const shownOrder = await page.getByRole('navigation', { name: '登录方式' }).evaluate((nav) =>
      Array.from(nav.querySelectorAll('a'))
        .map((a) => ({ text: (a.textContent ?? '').trim(), box: a.getBoundingClientRect() }))
        .sort((x, y) => x.box.top - y.box.top || x.box.left - y.box.left)
        .map((a) => a.text),
    );
    t.same(shownOrder, ['账号密码登录', '手机动态码登录', '扫码登录'], 'the password and SMS tabs come first on a phone');
    const button = page.getByRole('link', { name: openApp, exact: true });
    t.ok(await button.isVisible(), 'the button is visible');
    const href = (await button.getAttribute('href')) as string;
    t.match(href, new RegExp(`^${app.url}/dev/app\\?ticket=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`), 'the simulator in development, with the ticket and nothing else');
    t.equal(new URL(href).searchParams.get('ticket'), await ticketOfQr(page), 'the same ticket the QR encodes');
    t.notOk(href.includes(citizen.phone) || href.includes(citizen.documentNumber), 'no personal data in the link');
    t.equal(await page.locator('details.qr-fold').evaluate((d: HTMLDetailsElement) => d.open), false, 'the QR is folded');
    t.notOk(await page.getByRole('img', { name: qrName }).isVisible(), 'the QR is not shown');
    t.ok(await page.getByText('显示二维码（用另一台设备扫码）', { exact: true }).isVisible(), 'it can be unfolded');
    t.equal((await page.getByRole('status').textContent())?.trim(), '待扫码', 'the page follows the ticket');
    await screenshot(page, 'phone-first-qr-375x812');

    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    const [appTab] = await Promise.all([tp.context.waitForEvent('page'), button.click()]);
    await appTab.waitForLoadState('domcontentloaded');
    t.ok(appTab.url().startsWith(`${app.url}/dev/app?ticket=`), 'the simulator opened in its own tab');
    await appTab.getByRole('button', { name: '登录App', exact: true }).click();
    // The app signs in through this provider as its native client (prompt=login), then scans the ticket.
    await appTab.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
    await appTab.getByLabel('账号', { exact: true }).fill(citizen.phone);
    await appTab.getByLabel('密码', { exact: true }).fill(strongPassword);
    await appTab.getByRole('button', { name: '登录', exact: true }).click();
    const consent = appTab.getByRole('button', { name: '同意授权', exact: true });
    const confirm = appTab.getByRole('button', { name: '确认登录', exact: true });
    await consent.or(confirm).first().waitFor();
    if (await consent.isVisible()) await consent.click(); // oidc-provider asks native clients every time
    await confirm.click();
    await appTab.getByText('已确认登录，请回到原页面继续').waitFor();

    const { claims } = await rp.redeem(await redirected(), flow);
    t.same(claims?.amr, ['qr'], 'the original page proceeded by itself, as after a scan');
    t.equal(claims?.identity_level, 'registered');
    assertCleanPages(t, tp);
  });

  await t.test('375 px: unfolding shows the QR for another device', async (t) => {
    const { tp, page } = await openQrTab(t, phoneViewport);
    await showQr(page, qrName);
    t.ok(await page.getByRole('img', { name: qrName }).isVisible(), 'shown once unfolded');
    t.ok(await page.getByRole('link', { name: openApp, exact: true }).isVisible(), 'the button stays');
    assertCleanPages(t, tp);
  });

  await t.test('1280 px: the QR as before, no button; a renewed ticket brings its own app link', async (t) => {
    const { tp, page } = await openQrTab(t, desktopViewport);
    t.ok(await page.getByRole('img', { name: qrName }).isVisible(), 'the QR is shown');
    t.notOk(await page.getByRole('link', { name: openApp, exact: true }).isVisible(), 'no button on a desktop');
    t.notOk(await page.getByText('显示二维码（用另一台设备扫码）', { exact: true }).isVisible(), 'nothing to unfold');
    await screenshot(page, 'phone-first-qr-1280x800');
    const renewed = await page.evaluate(async () => {
      const url = `${location.pathname}/qr/ticket.json`;
      const r = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      return (await r.json()) as { ticket: string; link: string; app_link: string | null };
    });
    const token = renewed.link.split('/qr/l/')[1] as string;
    t.equal(token.split('.')[0], renewed.ticket);
    t.equal(renewed.app_link, `${app.url}/dev/app?ticket=${token}`, 'ticket.json answers the app link of the new ticket');
    assertCleanPages(t, tp);
  });
});
