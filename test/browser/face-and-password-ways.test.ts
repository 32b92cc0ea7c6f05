// Issue 15, no dead ends (2/2), in Chromium: a failed face check in 忘记密码 names and links the other
// ways (SMS recovery; the service desk and 12333), on a phone it opens on the device instead of a QR
// to scan, the SMS way finishes with 立即登录; from the third
// wrong password the login page says how many tries remain. Screenshots at 375 and 1280 px.

import t from 'tap';
import type { Page } from 'playwright-core';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { assertCleanPages, fillSmsCode, pressFace, showFaceQr, trackNewTabs } from '../helpers/browser-journeys.js';
import { passwordSignIn } from '../helpers/centre-demo-browser.js';
import { checkPage, phoneViewport, viewports } from '../helpers/citizen-pages.js';
import { freshPhone, registerThroughPages } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startFaceMock } from '../helpers/face-mock.js';
import { createBrowser } from '../helpers/http-client.js';
import { captchaAnswer } from '../helpers/oidc-flow.js';

const newPassword = 'Renew#2026abc';

t.test(`other ways after a failed face check; tries left before the lock (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, env: face.env, clock, overrides: { rateLimits: { postsPerIpPerMinute: 1000 } } });
  const browser = await launchBrowser(t);
  const who = loadPopulationRegistry().find((p) => p.name === '姜德明');
  if (!who) throw new Error('fixture 姜德明 missing');
  const phone = freshPhone();
  const registered = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: who.idNumber, name: who.name, phone });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.status}`);
  clock.advance(61_000);

  const identify = async (page: Page) => {
    await page.goto(`${app.url}/recover`);
    await page.getByLabel('证件号码', { exact: true }).fill(who.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill(who.name);
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '人脸识别找回' }).waitFor();
  };

  await t.test('忘记密码: the face check fails, the page names the other ways, SMS finishes, 立即登录 signs in', async (t) => {
    for (const [label, viewport] of viewports) {
      const tp = await newTestPage(t, browser, { viewport });
      trackNewTabs(tp);
      const { page } = tp;
      await identify(page);
      await page.getByRole('button', { name: '开始人脸识别', exact: true }).click();
      await page.locator('img[alt="人脸识别二维码"]').waitFor({ state: 'attached' });
      await page.waitForLoadState('domcontentloaded');
      // a phone cannot scan its own screen: there the check opens on the device (the same ticket; the simulator in development)
      const openHere = page.getByRole('link', { name: '在本机打开人脸识别', exact: true });
      t.equal(await openHere.isVisible(), viewport === phoneViewport, `${label}: the open-here button only on a phone`);
      t.equal(await page.getByRole('img', { name: '人脸识别二维码', exact: true }).isVisible(), viewport !== phoneViewport, `${label}: the QR folded under it on a phone, shown on a desktop`);
      await showFaceQr(page);
      t.equal(await page.locator('.face-open a').getAttribute('href'), await page.getByRole('link', { name: '模拟扫码', exact: true }).getAttribute('href'), 'the same check');
      t.equal((await pressFace(page, 'fail')).heading, '认证未通过');
      await page.getByRole('status').filter({ hasText: '人脸识别未通过，可重新发起，或选择下方的其他方式' }).waitFor();
      const other = page.locator('.face-alternatives');
      t.match(await other.textContent(), /其他方式/);
      t.match(await other.textContent(), /持护照的外籍人员[\s\S]*12333/, 'the service desk and 12333 for those who cannot pass a face check');
      t.equal(await other.getByRole('link', { name: '服务窗口和常见问题' }).getAttribute('href'), '/help#service-desk');
      await checkPage(t, page, 'face-failed-alternatives', label);
      if (viewport !== phoneViewport) continue;

      await other.getByRole('link', { name: '改用短信验证码找回（发送到账号绑定的手机号）', exact: true }).click();
      await page.getByRole('heading', { level: 2, name: '短信验证码找回' }).waitFor();
      await fillSmsCode(t, app, page, phone);
      await page.getByRole('button', { name: '下一步', exact: true }).click();
      await page.getByLabel('确认密码', { exact: true }).waitFor();
      await page.getByLabel('密码', { exact: true }).fill(newPassword);
      await page.getByLabel('确认密码', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: '确认', exact: true }).click();
      await page.getByText('密码已重置。其他设备上的登录已全部退出，请使用新密码登录。', { exact: true }).waitFor();
      await checkPage(t, page, 'recovery-done', label);
      await page.getByRole('link', { name: '立即登录', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
      await passwordSignIn(page, phone, newPassword);
      await page.waitForURL(`${app.url}/account`);
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '个人主页', 'signed in, in the user centre');
      assertCleanPages(t, tp);
    }
  });

  await t.test('from the third wrong password the login page says how many tries remain', async (t) => {
    for (const [label, viewport] of viewports) {
      await testDb.database.db.deleteFrom('login_failures').execute();
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await page.goto(`${app.url}/account`);
      const answers: string[] = [];
      for (let i = 1; i <= 3; i += 1) {
        const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/password'));
        await passwordSignIn(page, phone, 'Wrong#pass1');
        await answered;
        await page.waitForLoadState('domcontentloaded');
        await page.getByRole('alert').waitFor();
        answers.push(((await page.getByRole('alert').textContent()) ?? '').trim());
      }
      t.same(answers, ['账号或密码错误', '账号或密码错误', '账号或密码错误。再错 2 次，账号将被锁定 4 小时（可改用手机动态码登录或找回密码）'], label);
      await checkPage(t, page, 'login-tries-left', label);
      assertCleanPages(t, tp);
    }
  });
});
