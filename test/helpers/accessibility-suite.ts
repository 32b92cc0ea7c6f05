// The accessibility suite shared by the phone and desktop files (one viewport per file keeps each
// file well inside tap's per-file limit): every page through axe-core in real Chromium, failing on
// any serious or critical violation and on horizontal scrolling. axe runs through the DevTools
// protocol, so the pages' CSP stays enforced.

/// <reference lib="dom" />
import type { Test } from 'tap';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase } from './database.js';
import { startTestApp } from './app.js';
import { createBrowser } from './http-client.js';
import { launchBrowser, newTestPage } from './browser.js';
import { showFaceQr } from './browser-journeys.js';
import { describeViolations, horizontalOverflow, seriousViolations } from './axe.js';
import { listenDemoServer, passwordSignIn, signInToCentre } from './centre-demo-browser.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from './citizens.js';
import { startFaceMock } from './face-mock.js';
import { captchaAnswer } from './oidc-flow.js';
import { thirdPartyRelyingParty } from './security.js';


/** Runs the whole page audit at one viewport, as subtests of `t`. */
export async function auditEveryPage(t: Test, label: string, viewport: { width: number; height: number }, options: { selfCheck: boolean }): Promise<void> {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const demo = await listenDemoServer(t);
  const app = await startTestApp(t, {
    database: testDb.database,
    env: face.env,
    overrides: { devClient: demo.devClient, rateLimits: { postsPerIpPerMinute: 100_000 }, sms: { perNumberPerMinute: 100, perNumberPerHour: 100, perNumberPerDay: 100, perIpPerHour: 100_000 } },
  });
  demo.attach(app);
  const browser = await launchBrowser(t);

  const registryPerson = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '袁文军');
  if (!registryPerson) throw new Error('fixture missing: 袁文军');
  const realName: Person = { certType: '01', documentNumber: registryPerson.idNumber, name: registryPerson.name, phone: freshPhone() };
  const registered: Person = { certType: '01', documentNumber: syntheticIdNumber('19850101'), name: '无障碍测试', phone: freshPhone() };
  for (const person of [realName, registered]) {
    const done = await registerThroughPages(app, createBrowser(app.url), '/register', person);
    if (done.status !== 201) throw new Error(`registration failed: ${done.status}`);
  }
  const thirdParty = await thirdPartyRelyingParty(app);
  const consentUrl = async () =>
    client.buildAuthorizationUrl(thirdParty.config, {
      redirect_uri: demo.devClient.redirectUris[0] as string,
      scope: 'openid profile phone',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'a11y-state',
      nonce: 'a11y-nonce',
    }).toString();

  if (options.selfCheck) {
    await t.test('self-check: axe runs under the CSP and reports a planted violation', async (t) => {
      const { page, cspViolations } = await newTestPage(t, browser);
      await page.goto(`${app.url}/register`);
      t.same(await seriousViolations(page), [], 'the page is clean');
      await page.evaluate(() => {
        const img = document.createElement('img');
        img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
        document.querySelector('main')?.append(img);
      });
      const planted = await seriousViolations(page);
      t.same(planted.map((v) => [v.id, v.impact, v.nodes.length]), [['image-alt', 'critical', 1]], 'an image without alt is found');
      t.same(cspViolations, [], 'evaluating axe through the DevTools protocol raises no CSP violation');
    });
  }

  /** axe on the page as it is now, then the horizontal-scroll check. */
  const audit = async (t: Test, page: Page, name: string) => {
    await page.waitForLoadState('load');
    const violations = await seriousViolations(page);
    t.same(violations.map((v) => `${v.impact} ${v.id}`), [], `${name} (${label}): no serious or critical axe violation${violations.length ? `\n${describeViolations(violations)}` : ''}`);
    const overflow = await horizontalOverflow(page);
    t.ok(overflow <= 0, `${name} (${label}): no horizontal scrolling (${overflow}px too wide)`);
  };

  await t.test(`login, registration, recovery, appeal (${label})`, async (t) => {
    const { page, cspViolations } = await newTestPage(t, browser, { viewport });
    await page.goto(`${demo.url}/items/policy`);
    await page.waitForURL(/\/interaction\/[\w-]+$/);
    const login = page.url();
    await audit(t, page, 'login: 账号密码登录');
    for (const tab of ['手机动态码登录', '扫码登录']) {
      await page.getByRole('link', { name: tab, exact: true }).click();
      await page.waitForURL(/method=/);
      t.equal(await page.getByRole('link', { name: tab, exact: true }).getAttribute('aria-current'), 'page');
      await audit(t, page, `login: ${tab}`);
    }
    await page.goto(login);
    await passwordSignIn(page, realName.phone, 'Wrong#pass1');
    await page.getByRole('alert').waitFor();
    t.equal((await page.getByRole('alert').textContent())?.trim(), '账号或密码错误');
    await audit(t, page, 'login with an error');
    await testDb.database.db.deleteFrom('login_failures').execute();

    await page.getByRole('link', { name: '立即注册', exact: true }).click();
    await page.getByLabel('证件号码', { exact: true }).waitFor();
    await audit(t, page, 'registration (from a relying party)');
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    await audit(t, page, 'registration with field errors');
    await page.goto(`${app.url}/register`);
    await audit(t, page, 'registration (standalone)');
    await page.goto(`${app.url}/recover`);
    t.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
    await audit(t, page, 'recovery');
    await page.goto(`${app.url}/appeal`);
    await audit(t, page, 'appeal');
    await page.goto(`${app.url}/appeal?type=family`);
    await audit(t, page, 'appeal (family)');
    t.same(cspViolations, [], 'no CSP violation (axe does not need one)');
  });

  await t.test(`consent for a third-party client (${label})`, async (t) => {
    const { page } = await newTestPage(t, browser, { viewport });
    await page.goto(await consentUrl());
    await page.waitForURL(/\/interaction\/[\w-]+$/);
    await passwordSignIn(page, realName.phone, strongPassword);
    await page.getByRole('heading', { level: 1, name: /授权/ }).waitFor();
    t.match(await page.locator('main').textContent(), /第三方测试应用/);
    await audit(t, page, 'consent');
  });

  await t.test(`user centre (${label})`, async (t) => {
    const { page } = await newTestPage(t, browser, { viewport });
    await signInToCentre(page, app.url, realName.phone, strongPassword);
    for (const [path, name] of [
      ['/account', '个人主页'],
      ['/account/info', '我的信息'],
      ['/account/password', '修改密码'],
      ['/account/phone', '更换手机号'],
      ['/account/links', '账号关联'],
      ['/account/family', '亲情号'],
      ['/account/apps', '已授权应用'],
      ['/account/activity', '登录记录'],
      ['/account/services', '办事 / 收藏'],
      ['/account/face', '人脸识别'],
      ['/account?lang=en', 'home in English'],
    ] as const) {
      const res = await page.goto(`${app.url}${path}`);
      t.equal(res?.status(), 200, path);
      await audit(t, page, `user centre ${name}`);
    }
    await page.goto(`${app.url}/account/info?lang=zh-CN`);
    await page.getByLabel('当前密码', { exact: true }).fill('Wrong#pass1');
    await page.getByRole('button', { name: '查看完整证件号码' }).click();
    await page.getByLabel('当前密码', { exact: true }).and(page.locator('[aria-invalid="true"]')).waitFor();
    await audit(t, page, 'user centre 我的信息 with an error');
    await page.getByRole('link', { name: '改用短信验证码', exact: true }).click();
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.getByLabel('短信验证码', { exact: true }).waitFor();
    await audit(t, page, 'user centre 我的信息 with an SMS code sent');
    await page.goto(`${app.url}/account/phone`);
    await page.getByRole('button', { name: '人脸识别验证', exact: true }).click();
    await showFaceQr(page);
    await audit(t, page, 'user centre 更换手机号 face check');
    await page.goto(`${app.url}/account/links`);
    await page.getByRole('button', { name: '关联 电子社保卡', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '关联电子社保卡' }).waitFor();
    await audit(t, page, 'user centre 关联电子社保卡 QR');
    await page.goto(`${app.url}/account/links/jszw/complete?code=x&state=forged`);
    await page.getByRole('alert').waitFor();
    await audit(t, page, 'user centre 账号关联 with an error');

    const low = await newTestPage(t, browser, { viewport });
    await signInToCentre(low.page, app.url, registered.phone, strongPassword);
    await audit(t, low.page, 'user centre home (注册用户)');
    for (const path of ['/account/profile/real-name', '/account/family', '/account/phone']) {
      await low.page.goto(`${app.url}${path}`);
      await audit(t, low.page, `user centre ${path} (注册用户)`);
    }
    await low.page.getByRole('button', { name: '退出', exact: true }).first().click();
    await low.page.waitForLoadState('load');
    await audit(t, low.page, 'user centre logged out');
  });

  await t.test(`step-up pages (${label})`, async (t) => {
    const low = await newTestPage(t, browser, { viewport });
    await low.page.goto(`${demo.url}/items/contributions`);
    await low.page.waitForURL(/\/interaction\/[\w-]+$/);
    await passwordSignIn(low.page, registered.phone, strongPassword);
    await low.page.getByRole('heading', { name: '提升身份认证等级' }).waitFor();
    await audit(t, low.page, 'step-up: 实名认证');

    const { page } = await newTestPage(t, browser, { viewport });
    await page.goto(`${demo.url}/items/pension`);
    await page.waitForURL(/\/interaction\/[\w-]+$/);
    await passwordSignIn(page, realName.phone, strongPassword);
    await page.getByRole('button', { name: '开始人脸识别' }).waitFor();
    await audit(t, page, 'step-up: 人脸识别');
    await page.getByRole('button', { name: '开始人脸识别' }).click();
    await showFaceQr(page);
    await audit(t, page, 'step-up: face QR');
    await page.getByRole('button', { name: '放弃并返回应用' }).click();
    await page.waitForURL(`${demo.url}/callback?**`);
    await audit(t, page, 'demo refusal');
  });

  await t.test(`demo relying party (${label})`, async (t) => {
    const { page } = await newTestPage(t, browser, { viewport });
    await page.goto(`${demo.url}/`);
    await audit(t, page, 'demo home');
    await page.goto(`${demo.url}/items/contributions`);
    await page.waitForURL(/\/interaction\/[\w-]+$/);
    await passwordSignIn(page, realName.phone, strongPassword);
    await page.waitForURL(`${demo.url}/items/contributions`);
    // At 375 px the contributions table scrolls sideways inside its wrapper; the wrapper is a
    // focusable, named region so keyboard users can scroll it (axe scrollable-region-focusable).
    await audit(t, page, 'demo item 社保缴费记录查询');
    await page.goto(`${demo.url}/items/policy`);
    await audit(t, page, 'demo item 政策查询');
    await page.goto(`${demo.url}/`);
    await audit(t, page, 'demo home signed in');
  });

  await t.test(`error pages (${label})`, async (t) => {
    const { page } = await newTestPage(t, browser, { viewport });
    for (const [url, status, name] of [
      [`${app.url}/no-such-page`, 404, 'provider 404'],
      [`${app.url}/interaction/not-an-interaction`, 400, 'provider interaction expired'],
      [`${app.url}/account/callback?code=x&state=y`, 400, 'user centre sign-in failed'],
      [`${demo.url}/items/nope`, 404, 'demo 404'],
      [`${demo.url}/callback?code=x&state=unknown`, 400, 'demo stray callback'],
    ] as const) {
      const res = await page.goto(url);
      t.equal(res?.status(), status, `${name} answers ${status}`);
      await audit(t, page, name);
    }
  });
  t.same(demo.errors, [], 'no unexpected demo errors');
}
