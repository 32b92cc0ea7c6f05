// The citizens' main paths through a real browser (Debian's Chromium via playwright-core): register
// a registry citizen from a relying party, password sign-in, SMS sign-in, a wrong password, no CSP
// violation on any page, and screenshots of the login and registration pages on a phone and a desktop.
// openid-client is the relying party: it builds the authorization URL and redeems the code the
// browser brings back to http://localhost:3001/callback (caught with page.route, nothing serves it).

/// <reference lib="dom" />
import { existsSync, statSync } from 'node:fs';
import t, { type Test } from 'tap';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { catchRedirect, launchBrowser, newTestPage, screenshot, type TestPage } from '../helpers/browser.js';
import { browserRelyingParty, fillSmsCode, pressAndRedeem, type Authorization } from '../helpers/browser-journeys.js';
import { captchaAnswer, demoRedirect, lastSmsCode } from '../helpers/oidc-flow.js';
import { freshPhone, strongPassword } from '../helpers/citizens.js';

t.test(`citizens in a real browser (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app: TestApp = await startTestApp(t, { database: testDb.database, clock });
  const browser = await launchBrowser(t);
  const rp = await browserRelyingParty(app);
  /** Opens the RP's authorization URL; resolves on the login page. */
  const openLogin = async (t: Test, tp: TestPage, flow: Authorization): Promise<Page> => {
    const response = await tp.page.goto(flow.url);
    t.equal(response?.status(), 200, 'the authorization request lands on a page');
    t.match(tp.page.url(), new RegExp(`^${app.url}/interaction/[\\w-]+$`), 'on the interaction page');
    return tp.page;
  };
  const peekCaptcha = () => captchaAnswer(app);

  const registryPerson = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '袁文军');
  if (!registryPerson) throw new Error('fixture missing: 袁文军 in population-registry.json');
  const citizen = { documentNumber: registryPerson.idNumber, name: registryPerson.name, phone: freshPhone() };

  await t.test('换一张 swaps the captcha in place with JavaScript and reloads the page without it; without JavaScript the send says why it was refused', async (t) => {
    const tp = await newTestPage(t, browser);
    await tp.page.goto(`${app.url}/register`);
    await tp.page.getByLabel('手机号码', { exact: true }).fill('13900001111');
    const image = tp.page.getByRole('img', { name: /图形验证码/ });
    const before = await image.getAttribute('src');
    await tp.page.getByRole('link', { name: '换一张', exact: true }).click();
    await tp.page.waitForFunction((old) => document.querySelector('img[data-captcha-image]')?.getAttribute('src') !== old, before);
    t.equal(tp.page.url(), `${app.url}/register`, 'no navigation');
    t.equal(await tp.page.getByLabel('手机号码', { exact: true }).inputValue(), '13900001111', 'what was typed stays');
    t.ok(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 160), 'the new PNG loads under the CSP');
    t.same(tp.cspViolations, [], 'no CSP violation');

    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
    t.teardown(() => context.close());
    const page = await context.newPage();
    await page.goto(`${app.url}/register`);
    const first = await page.getByRole('img', { name: /图形验证码/ }).getAttribute('src');
    await page.getByRole('link', { name: '换一张', exact: true }).click();
    await page.waitForLoadState();
    t.not(await page.getByRole('img', { name: /图形验证码/ }).getAttribute('src'), first, 'without JavaScript 换一张 loads the page with a new picture');
    const phone = freshPhone();
    await page.getByLabel('证件号码', { exact: true }).fill(citizen.documentNumber);
    await page.getByLabel('姓名', { exact: true }).fill(citizen.name);
    await page.getByLabel('手机号码', { exact: true }).fill(phone);
    await page.getByLabel('图形验证码', { exact: true }).fill(await peekCaptcha());
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.waitForLoadState();
    t.equal(await page.locator('#e-captcha').textContent(), '浏览器未完成发送短信前的安全校验：请启用 JavaScript 后重新输入图形验证码并获取验证码');
    t.equal(await lastSmsCode(app, phone), undefined, 'no SMS without the proof of work');
  });

  await t.test('register a registry citizen from the relying party → real_name in the ID token', async (t) => {
    const tp = await newTestPage(t, browser);
    const flow = await rp.authorization();
    const page = await openLogin(t, tp, flow);
    await page.getByRole('link', { name: '立即注册', exact: true }).click();
    await page.waitForURL(/\/interaction\/[\w-]+\/register$/);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '用户注册');

    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(citizen.documentNumber);
    await page.getByLabel('姓名', { exact: true }).fill(citizen.name);
    await page.getByLabel('手机号码', { exact: true }).fill(citizen.phone);
    await page.getByLabel('图形验证码', { exact: true }).fill(await peekCaptcha());
    await page.waitForFunction(() => (document.querySelector('input[name="pow"]') as HTMLInputElement | null)?.value !== '');
    t.match(await page.locator('input[name="pow"]').inputValue(), /^[A-Za-z0-9+/]+=*$/, "the page's script solved the proof of work");
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.getByLabel('短信验证码', { exact: true }).waitFor();
    t.match(await page.getByRole('status').first().textContent(), /验证码已发送/, 'the page says the code was sent');
    t.equal(await page.getByLabel('证件号码', { exact: true }).inputValue(), citizen.documentNumber, 'the identity fields are kept');

    const code = await lastSmsCode(app, citizen.phone);
    t.match(code, /^\d{6}$/, 'the dev outbox holds the code');
    await page.getByLabel('短信验证码', { exact: true }).fill(code as string);
    await page.getByLabel('密码', { exact: true }).fill(strongPassword);
    await page.getByLabel('确认密码', { exact: true }).fill(strongPassword);
    await page.getByLabel('我已阅读并同意《隐私政策》').check();
    await page.getByLabel('我同意为核验身份处理我的证件号码（个人敏感信息）').check();

    const redirected = await catchRedirect(page, demoRedirect);
    await page.getByRole('button', { name: '注册', exact: true }).click();
    const callback = await redirected();
    const { tokens, claims } = await rp.redeem(callback, flow);
    t.equal(claims?.identity_level, 'real_name');
    t.equal(claims?.acr, 'urn:jsrs:level:real_name');
    t.same(claims?.amr, ['pwd', 'sms']);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, claims?.sub as string);
    t.equal(info.name, citizen.name);
    t.equal(info.phone_number, `+86${citizen.phone}`);
    t.same(tp.cspViolations, [], 'no CSP violation on the way');
    t.same(tp.pageErrors, [], 'no script error on the way');
  });

  await t.test('password sign-in', async (t) => {
    const tp = await newTestPage(t, browser);
    const flow = await rp.authorization();
    const page = await openLogin(t, tp, flow);
    t.equal(await page.getByRole('link', { name: '账号密码登录', exact: true }).getAttribute('aria-current'), 'page', 'the password tab is the default');
    await page.getByLabel('账号', { exact: true }).fill(citizen.phone);
    await page.getByLabel('密码', { exact: true }).fill(strongPassword);
    const { claims } = await pressAndRedeem(rp, page, flow, '登录');
    t.same(claims?.amr, ['pwd']);
    t.equal(claims?.identity_level, 'real_name');
    t.same(tp.cspViolations, []);
  });

  await t.test('a wrong password shows the neutral message and keeps the account', async (t) => {
    const tp = await newTestPage(t, browser);
    const flow = await rp.authorization();
    const page = await openLogin(t, tp, flow);
    await page.getByLabel('账号', { exact: true }).fill(citizen.documentNumber);
    await page.getByLabel('密码', { exact: true }).fill('Wrong#pass1');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/password')),
      page.getByRole('button', { name: '登录', exact: true }).click(),
    ]);
    t.equal(response.status(), 401);
    await page.waitForLoadState('domcontentloaded');
    t.equal((await page.getByRole('alert').textContent())?.trim(), '账号或密码错误');
    t.equal(await page.getByLabel('账号', { exact: true }).inputValue(), citizen.documentNumber, 'the account is kept');
    t.equal(await page.getByLabel('密码', { exact: true }).inputValue(), '', 'the password is not echoed');
    t.same(tp.cspViolations, []);
    await testDb.database.db.deleteFrom('login_failures').execute(); // leave no count behind
  });

  await t.test('SMS sign-in', async (t) => {
    clock.advance(61_000); // the registration code went to this number less than a minute ago
    const tp = await newTestPage(t, browser);
    const flow = await rp.authorization();
    const page = await openLogin(t, tp, flow);
    await page.getByRole('link', { name: '手机动态码登录', exact: true }).click();
    await page.getByLabel('手机号码', { exact: true }).waitFor();
    t.equal(await page.getByRole('link', { name: '手机动态码登录', exact: true }).getAttribute('aria-current'), 'page');
    await page.getByLabel('手机号码', { exact: true }).fill(citizen.phone);
    await fillSmsCode(t, app, page, citizen.phone);
    t.match(await page.locator('main').textContent(), /短信验证码已发送至 139\*\*\*\*\d{4}/);
    const { claims } = await pressAndRedeem(rp, page, flow, '登录');
    t.same(claims?.amr, ['sms']);
    t.equal(claims?.acr, 'urn:jsrs:level:real_name');
    t.same(tp.cspViolations, []);
  });

  await t.test('the CSP listener sees a violation (self-check of this suite)', async (t) => {
    const tp = await newTestPage(t, browser);
    await tp.page.goto(`${app.url}/register`);
    // Waits for the violation's console message (bounded by the context's timeout), not a fixed 200 ms.
    const reported = tp.page.waitForEvent('console', { predicate: (m) => /Content[ -]Security[ -]Policy/i.test(m.text()) }).catch(() => undefined);
    await tp.page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    await reported;
    t.equal(await tp.page.evaluate(() => (window as unknown as { injected?: boolean }).injected ?? false), false, 'an injected inline script does not run');
    t.equal(tp.cspViolations.length, 1, 'and its violation is reported on the console');
  });

  await t.test('login and registration pages: no CSP violation, screenshots at phone and desktop sizes', async (t) => {
    for (const [label, viewport] of [
      ['375x812', { width: 375, height: 812 }],
      ['1280x800', { width: 1280, height: 800 }],
    ] as const) {
      const tp = await newTestPage(t, browser, { viewport });
      const flow = await rp.authorization();
      const page = await openLogin(t, tp, flow);
      await page.waitForLoadState('load');
      t.ok(await page.getByRole('img', { name: /图形验证码/ }).count() === 0, 'the password tab shows no captcha');
      const login = await screenshot(page, `login-${label}`);
      await page.getByRole('link', { name: '手机动态码登录', exact: true }).click();
      await page.getByLabel('图形验证码', { exact: true }).waitFor();
      await page.waitForLoadState('load');
      t.ok(await page.getByRole('img', { name: /图形验证码/ }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the captcha image (a data: URI) loads under the CSP');
      const sms = await screenshot(page, `login-sms-${label}`);
      await page.getByRole('link', { name: '立即注册', exact: true }).click();
      await page.getByLabel('证件号码', { exact: true }).waitFor();
      await page.waitForLoadState('load');
      const register = await screenshot(page, `register-${label}`);
      const standalone = await page.goto(`${app.url}/register`);
      t.equal(standalone?.status(), 200);
      await page.waitForLoadState('load');
      // The stylesheet is applied (a same-origin file, allowed by the CSP).
      t.not(await page.locator('body').evaluate((b) => getComputedStyle(b).fontFamily), '', 'the stylesheet applies');
      const docWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      t.ok(docWidth <= viewport.width, `no horizontal scrolling at ${label} (document ${docWidth}px wide)`);
      for (const file of [login, sms, register]) t.ok(existsSync(file) && statSync(file).size > 1000, `screenshot ${file}`);
      t.same(tp.cspViolations, [], `no CSP violation at ${label}`);
      t.same(tp.pageErrors, []);
    }
  });
});
