// The world of the assurance browser files (test/browser/assurance-*.test.ts): the app with the mock
// face verifier and a controllable clock, one Chromium, the relying party, and the steps those
// journeys share (register, sign in at the RP, start a face check, identify on /appeal).

/// <reference lib="dom" />
import { existsSync, statSync } from 'node:fs';
import type { Test } from 'tap';
import type { Page } from 'playwright-core';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from './app.js';
import { launchBrowser, newTestPage, screenshot, type TestPage } from './browser.js';
import { browserRelyingParty, showFaceQr, trackNewTabs, type Authorization } from './browser-journeys.js';
import { freshPhone, registerThroughPages, strongPassword } from './citizens.js';
import { createTestDatabase } from './database.js';
import { startFaceMock } from './face-mock.js';
import { createBrowser } from './http-client.js';
import { captchaAnswer, demoRelyingParty } from './oidc-flow.js';

export const phoneViewport = { width: 375, height: 812 };
export const newPassword = 'Renew#2026abc';
export const stepUpAcr = 'urn:jsrs:level:real_person';
export const person = (name: string) => {
  const p = loadPopulationRegistry().find((x) => x.name === name);
  if (!p) throw new Error(`fixture ${name} missing`);
  return p;
};
export const masked = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

/** Starts the face mock, the app and Chromium for `t`; returns them with the shared journey steps. */
export async function startAssuranceWorld(t: Test) {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, {
    database: testDb.database,
    env: face.env,
    clock,
    // One loopback IP does every citizen's journey here; the per-IP form limit has its own tests.
    overrides: { rateLimits: { postsPerIpPerMinute: 1000 } },
  });
  const rp = await browserRelyingParty(app);
  const httpRp = await demoRelyingParty(app);
  const browser = await launchBrowser(t);
  const db = testDb.database.db;

  const register = async (documentNumber: string, name: string) => {
    const phone = freshPhone();
    const res = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber, name, phone });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
    const accountId = (await app.container.services.accounts.findAccountIdByPhone(`+86${phone}`)) as string;
    return { phone, documentNumber, name, accountId };
  };
  const levelOf = async (accountId: string) => (await app.container.services.accounts.getAccount(accountId))?.level;
  const newPage = async (t: Test): Promise<TestPage> => {
    const tp = await newTestPage(t, browser, { viewport: phoneViewport });
    trackNewTabs(tp);
    return tp;
  };
  const shot = async (t: Test, page: Page, name: string) => {
    await page.waitForLoadState('load');
    const file = await screenshot(page, name);
    t.ok(existsSync(file) && statSync(file).size > 1000, `screenshot ${name}`);
  };
  const text = async (page: Page) => ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');
  /** The RP asks for `params`; the citizen signs in with a password on the login page. */
  const signIn = async (page: Page, account: string, password: string, params: Record<string, string> = {}): Promise<Authorization> => {
    const flow = await rp.authorization(params);
    await page.goto(flow.url);
    await page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
    await page.getByLabel('账号', { exact: true }).fill(account);
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    return flow;
  };
  /** The real-name form's own guard: the current password and the page's captcha. */
  const proveItIsMe = async (page: Page) => {
    await page.getByLabel('当前密码', { exact: true }).fill(strongPassword);
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
  };
  /** On a page offering 开始人脸识别: starts the check and waits for its QR and live status. */
  const startFace = async (page: Page) => {
    await page.getByRole('button', { name: '开始人脸识别', exact: true }).click();
    await showFaceQr(page);
    await page.getByText('使用支付宝APP或江苏智慧人社APP扫码完成人脸识别', { exact: true }).waitFor();
    return page.getByRole('status').filter({ hasText: /人脸识别/ });
  };
  /** Identifies on /appeal with the given type; resolves on the face step of the appeal. */
  const startAppeal = async (t: Test, page: Page, type: string, who: { idNumber: string; name: string }) => {
    await page.goto(`${app.url}/appeal`);
    await page.getByRole('heading', { level: 1, name: '用户申诉' }).waitFor();
    await page.getByLabel('申诉类型', { exact: true }).selectOption({ label: type });
    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(who.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill(who.name);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.waitForURL(/\/appeal\/flow\/[\w-]+$/);
    await page.getByRole('heading', { level: 2, name: type }).waitFor();
    t.match(await text(page), /请先完成人脸识别，证明您是该证件的持有人。/);
  };
  return { app, clock, db, rp, httpRp, register, levelOf, newPage, shot, text, signIn, proveItIsMe, startFace, startAppeal };
}
