// The six sign-in methods in a real browser (Debian's Chromium via playwright-core), each from the
// relying party's authorization request to its token response: 账号密码, 手机动态码, 扫码登录 (the
// QR tab follows the app's scan and confirm without a reload), 电子社保卡 (the platform's phone page
// in another tab), 江苏政务 and 支付宝 (their own pages) — the mocks running as separate HTTP servers
// on their own ports; a first federated sign-in that creates an account binds a phone first.

/// <reference lib="dom" />
import { existsSync, statSync } from 'node:fs';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { maskIdNumber } from '../../src/mocks/essc/holders.js';
import { startTestApp } from '../helpers/app.js';
import { catchRedirect, launchBrowser, newTestPage, screenshot, type TestPage } from '../helpers/browser.js';
import { acceptPoliciesInPage, assertCleanPages, browserRelyingParty, catchRedirectInContext, fillSmsCode, openOnThisPhone, pressAndRedeem, showQr, trackNewTabs, type Authorization } from '../helpers/browser-journeys.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { appAccessToken, appQrApi } from '../helpers/jsrs-app.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { startUpstreamMocks } from '../helpers/upstreams.js';

const phoneViewport = { width: 375, height: 812 };
const fixtures = loadUpstreamAccounts();

t.test(`the six sign-in methods in a real browser (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const mocks = await startUpstreamMocks(t, { timeoutMs: 5000 });
  const clock = createControllableClock();
  const app = await startTestApp(t, {
    database: testDb.database,
    clock,
    overrides: { ...mocks.overrides, login: { qrPollMs: 1000 } },
  });
  mocks.attach(app);
  const rp = await browserRelyingParty(app);
  const browser = await launchBrowser(t);
  const db = testDb.database.db;
  const count = async (table: 'accounts' | 'upstream_links') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  const register = async (documentNumber = syntheticIdNumber(), name = '测试用户') => {
    const phone = freshPhone();
    const res = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber, name, phone });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
    return { phone, documentNumber, name };
  };
  const citizen = await register();

  /** A fresh context at phone size, the RP's authorization request, the login page. */
  const openLogin = async (t: Test, params: Record<string, string> = {}): Promise<{ tp: TestPage; page: Page; flow: Authorization }> => {
    const tp = await newTestPage(t, browser, { viewport: phoneViewport });
    trackNewTabs(tp);
    const flow = await rp.authorization(params);
    const response = await tp.page.goto(flow.url);
    t.equal(response?.status(), 200, 'the authorization request lands on the login page');
    t.match(tp.page.url(), new RegExp(`^${app.url}/interaction/[\\w-]+$`));
    await tp.page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
    return { tp, page: tp.page, flow };
  };
  const shot = async (t: Test, page: Page, name: string) => {
    await page.waitForLoadState('load');
    const file = await screenshot(page, name);
    t.ok(existsSync(file) && statSync(file).size > 1000, `screenshot ${name}`);
  };
  /** The bind-phone requirement in the browser: number + captcha → code → continue. */
  const bindPhone = async (t: Test, page: Page, phone: string, screenshotName?: string) => {
    await page.waitForURL(/\/bind-phone\?flow=/);
    await page.getByRole('heading', { level: 1, name: '绑定手机号码' }).waitFor();
    t.match(await page.locator('main').textContent(), /首次登录需绑定本人手机号码/);
    if (screenshotName) await shot(t, page, screenshotName);
    await page.getByLabel('手机号码', { exact: true }).fill(phone);
    await fillSmsCode(t, app, page, phone);
    t.match(await page.locator('main').textContent(), new RegExp(`短信验证码已发送至 ${phone.slice(0, 3)}\\*\\*\\*\\*${phone.slice(-4)}`));
    await page.getByRole('button', { name: '确认', exact: true }).click();
  };

  await t.test('账号密码登录', async (t) => {
    const { tp, page, flow } = await openLogin(t);
    t.equal(await page.getByRole('link', { name: '账号密码登录', exact: true }).getAttribute('aria-current'), 'page');
    await page.getByLabel('账号', { exact: true }).fill(citizen.documentNumber);
    await page.getByLabel('密码', { exact: true }).fill(strongPassword);
    const { claims } = await pressAndRedeem(rp, page, flow, '登录');
    t.same(claims?.amr, ['pwd']);
    t.equal(claims?.acr, 'urn:jsrs:level:registered');
    t.equal(claims?.identity_level, 'registered');
    assertCleanPages(t, tp);
  });

  await t.test('手机动态码登录', async (t) => {
    clock.advance(61_000); // the registration code went to this number less than a minute ago
    const { tp, page, flow } = await openLogin(t);
    await page.getByRole('link', { name: '手机动态码登录', exact: true }).click();
    await page.getByLabel('手机号码', { exact: true }).fill(citizen.phone);
    await fillSmsCode(t, app, page, citizen.phone);
    const { claims } = await pressAndRedeem(rp, page, flow, '登录');
    t.same(claims?.amr, ['sms']);
    t.equal(claims?.acr, 'urn:jsrs:level:registered');
    t.equal(claims?.identity_level, 'registered');
    assertCleanPages(t, tp);
  });

  await t.test('扫码登录: the QR tab follows the app scan and confirm without a reload', async (t) => {
    const token = await appAccessToken(app, citizen.phone);
    const { tp, page, flow } = await openLogin(t);
    await page.getByRole('link', { name: '扫码登录', exact: true }).click();
    await page.waitForURL(/method=qr/);
    t.equal(await page.getByRole('link', { name: '扫码登录', exact: true }).getAttribute('aria-current'), 'page');
    const qr = page.getByRole('img', { name: '扫码登录二维码' });
    await showQr(page, '扫码登录二维码'); // folded under 打开江苏智慧人社App on a phone (test/browser/phone-first-qr.test.ts)
    t.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
    t.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR image renders under the CSP');
    const status = page.getByRole('status');
    t.equal((await status.textContent())?.trim(), '待扫码');
    const link = (await page.getByRole('link', { name: '模拟扫码', exact: true }).getAttribute('href')) as string;
    t.match(link, new RegExp(`^${app.url}/qr/l/`), '模拟扫码 carries what the QR encodes');
    await shot(t, page, 'login-qr-375x812');

    // A marker on the window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { marker?: string }).marker = 'same-document'));
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });

    const scanned = await appQrApi(app, 'scan', token, link);
    t.equal(scanned.status, 200);
    await status.filter({ hasText: '已扫码，请在手机上确认' }).waitFor();
    t.equal((await status.textContent())?.trim(), '已扫码，请在手机上确认', 'the status text changed by itself');
    t.equal(await page.evaluate(() => (window as unknown as { marker?: string }).marker), 'same-document', 'without a reload');
    t.same(navigations, [], 'no navigation happened');

    const redirected = await catchRedirect(page, demoRedirect);
    const confirmed = await appQrApi(app, 'confirm', token, link);
    t.equal(confirmed.status, 200);
    const { claims } = await rp.redeem(await redirected(), flow);
    t.same(claims?.amr, ['qr']);
    t.equal(claims?.acr, 'urn:jsrs:level:registered');
    t.equal(claims?.identity_level, 'registered');
    assertCleanPages(t, tp);
  });

  await t.test('电子社保卡登录: the platform phone page in another tab; a new account binds a phone', async (t) => {
    const holder = fixtures.essc[0]!;
    const before = { accounts: await count('accounts'), links: await count('upstream_links') };
    const { tp, page, flow } = await openLogin(t);
    await page.getByRole('button', { name: '电子社保卡登录', exact: true }).click();
    await page.waitForURL(/\/federated\/essc\?flow=/);
    await page.getByRole('heading', { level: 1, name: '电子社保卡登录' }).waitFor();
    const qr = page.locator('img[alt="电子社保卡登录二维码"]'); // folded under the open-here button on a phone
    t.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR image renders');
    const status = page.getByRole('status');
    t.equal((await status.textContent())?.trim(), '待扫码');
    t.ok(((await page.locator('#qr-simulate').getAttribute('href')) as string).startsWith(mocks.urls.essc), 'the QR opens the platform (a separate server)');
    await shot(t, page, 'essc-375x812');
    const esscPage = page.url();
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);

    const phone = await openOnThisPhone(t, page, '在本机打开电子社保卡授权', '电子社保卡登录二维码');
    t.ok(phone.url().startsWith(`${mocks.urls.essc}/`), 'the phone page is served by the mock platform');
    await phone.getByRole('heading', { name: '电子社保卡扫码登录' }).waitFor();
    await status.filter({ hasText: '已扫码，请在手机上确认授权' }).waitFor();
    t.equal(page.url(), esscPage, 'the page learnt of the scan without a reload');
    await phone.getByLabel(`${holder.name} ${maskIdNumber(holder.idNumber)}`, { exact: true }).check();
    await phone.getByRole('button', { name: '确认授权', exact: true }).click();
    await phone.waitForLoadState('domcontentloaded');
    await phone.getByRole('heading', { name: '授权成功' }).waitFor();
    t.match(await phone.locator('main').textContent(), /登录授权已完成，请返回电脑端继续/, 'the phone says it is done');

    // The original page proceeds by itself: first sign-in creates the account, which binds a phone.
    await bindPhone(t, page, freshPhone(), 'bind-phone-375x812');
    // an account created from an upstream never saw the policy texts: asked once (issue 15)
    const { claims, userinfo } = await rp.redeem(await acceptPoliciesInPage(page, redirected), flow);
    t.same(claims?.amr, ['fed', 'essc']);
    t.equal(claims?.acr, 'urn:jsrs:level:real_name');
    t.equal(claims?.identity_level, 'real_name');
    t.equal(userinfo.name, holder.name);
    t.same({ accounts: await count('accounts'), links: await count('upstream_links') }, { accounts: before.accounts + 1, links: before.links + 1 }, 'one account, one link');
    assertCleanPages(t, tp);
  });

  await t.test('江苏政务登录: the upstream login form and consent; links the account holding the document', async (t) => {
    const person = fixtures.jszw.find((a) => a.level === '实人')!;
    const holder = await register(person.idNumber, person.name);
    const before = { accounts: await count('accounts'), links: await count('upstream_links') };
    const { tp, page, flow } = await openLogin(t);
    await page.getByRole('button', { name: '江苏政务登录', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(mocks.urls.jszw));
    const authorize = new URL(page.url());
    t.equal(authorize.searchParams.get('code_challenge_method'), 'S256', 'PKCE towards the upstream');
    t.ok(authorize.searchParams.get('state'), 'with a state');
    await page.getByRole('heading', { name: '江苏政务服务网 统一身份认证' }).waitFor();
    await page.getByLabel('用户名', { exact: true }).fill(person.username);
    await page.getByLabel('密码', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: '授权确认' }).waitFor();
    t.match(await page.locator('main').textContent(), new RegExp(`${person.name}，您好`));
    const { claims, userinfo } = await pressAndRedeem(rp, page, flow, '授权');
    t.same(claims?.amr, ['fed', 'jszw']);
    t.equal(claims?.acr, 'urn:jsrs:level:real_person');
    t.equal(claims?.identity_level, 'real_person');
    t.equal(userinfo.phone_number, `+86${holder.phone}`, 'the existing account (its own phone): linked, no phone to bind');
    t.same({ accounts: await count('accounts'), links: await count('upstream_links') }, { accounts: before.accounts, links: before.links + 1 }, 'linked, not created');
    assertCleanPages(t, tp);
  });

  await t.test('支付宝登录: the mock authorisation page; a certified user gets a new account after binding a phone', async (t) => {
    const user = fixtures.alipay.find((a) => a.certified && a.name === '袁文军')!;
    const before = { accounts: await count('accounts'), links: await count('upstream_links') };
    const { tp, page, flow } = await openLogin(t);
    await page.getByRole('button', { name: '支付宝登录', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(`${mocks.urls.alipay}/oauth2/publicAppAuthorize.htm?`));
    const authorize = new URL(page.url());
    t.equal(authorize.searchParams.get('scope'), 'auth_user');
    t.ok(authorize.searchParams.get('state'));
    await page.getByRole('heading', { name: '授权登录' }).waitFor();
    t.ok(await page.getByRole('img', { name: '授权二维码' }).isVisible(), 'the page shows its QR too');
    await page.getByLabel('账号', { exact: true }).fill(user.login);
    await page.getByLabel('密码', { exact: true }).fill(user.password);
    const redirected = await catchRedirect(page, demoRedirect);
    await page.getByRole('button', { name: '授权', exact: true }).click();
    await bindPhone(t, page, freshPhone());
    const { claims, userinfo } = await rp.redeem(await acceptPoliciesInPage(page, redirected), flow);
    t.same(claims?.amr, ['fed', 'alipay']);
    t.equal(claims?.acr, 'urn:jsrs:level:real_name');
    t.equal(claims?.identity_level, 'real_name');
    t.equal(userinfo.name, user.name);
    t.same({ accounts: await count('accounts'), links: await count('upstream_links') }, { accounts: before.accounts + 1, links: before.links + 1 });
    assertCleanPages(t, tp);
  });
});
