// Issue 15, no dead ends (1/2), in Chromium at 375 and 1280 px: the home page is a portal (登录, 注册,
// 个人用户中心, 忘记密码, 用户申诉, 帮助; no discovery link); /register ends signed in, in the user
// centre; a document number that already has an account offers 登录 and 忘记密码 before the appeal.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { assertCleanPages } from '../helpers/browser-journeys.js';
import { checkPage, fillRegistration, viewports } from '../helpers/citizen-pages.js';
import { freshPhone, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';

t.test(`the portal and registration without dead ends (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, clock, overrides: { rateLimits: { postsPerIpPerMinute: 1000 } } });
  const browser = await launchBrowser(t);

  await t.test('the home page is a portal with every way in', async (t) => {
    for (const [label, viewport] of viewports) {
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await page.goto(`${app.url}/`);
      const portal = page.getByRole('navigation', { name: '办事入口' });
      const links = await portal.getByRole('link').evaluateAll((as) => as.map((a) => [a.textContent?.trim(), a.getAttribute('href')]));
      t.same(links, [['登录', '/account'], ['立即注册', '/register'], ['个人用户中心', '/account'], ['忘记密码', '/recover'], ['用户申诉', '/appeal'], ['帮助', '/help']], `${label}: the six ways in`);
      t.equal(await page.locator('a[href*="well-known"]').count(), 0, 'no raw discovery link for citizens');
      for (const name of ['登录', '帮助']) t.ok(await portal.getByRole('link', { name, exact: true }).isVisible(), `${label}: ${name} visible without scrolling sideways`);
      await checkPage(t, page, 'portal-home', label);
      await portal.getByRole('link', { name: '登录', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
      t.match(page.url(), /\/interaction\//, `${label}: 登录 opens the sign-in page`);
      assertCleanPages(t, tp);
    }
  });

  await t.test('/register signs the citizen in and goes on to the user centre', async (t) => {
    for (const [label, viewport] of viewports) {
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      const person: Person = { certType: '01', documentNumber: syntheticIdNumber('19800101'), name: '注册直达', phone: freshPhone() };
      await page.goto(`${app.url}/register`);
      await fillRegistration(t, app, page, person);
      await page.getByRole('button', { name: '注册', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: '注册成功' }).waitFor();
      t.match(await page.locator('main').textContent(), /无需再次登录/);
      await checkPage(t, page, 'register-done', label);
      const form = { _csrf: await page.locator('input[name="_csrf"]').inputValue(), flow: await page.locator('input[name="flow"]').inputValue() };
      await page.getByRole('button', { name: '进入个人中心', exact: true }).click();
      await page.waitForURL(`${app.url}/account`);
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '个人主页', `${label}: in the user centre, no second sign-in`);
      t.match(await page.locator('.account-who').textContent(), '注册直达');

      // The button works once: the same form posted again opens no second session.
      const replay = await page.request.post(`${app.url}/register/continue`, { form, maxRedirects: 0 });
      t.equal(replay.status(), 303);
      t.equal(replay.headers()['location'], '/account', 'the ordinary way in');
      t.notMatch(replay.headers()['set-cookie'] ?? '', /_jsrs_account=[^;]/, 'no centre session from a replay');
      assertCleanPages(t, tp);
      clock.advance(61_000);
    }
  });

  await t.test('a document number that has an account: 登录 and 忘记密码 first, the appeal last with its effect', async (t) => {
    const owner: Person = { certType: '01', documentNumber: syntheticIdNumber('19750505'), name: '重复证件', phone: freshPhone() };
    {
      const tp = await newTestPage(t, browser);
      await tp.page.goto(`${app.url}/register`);
      await fillRegistration(t, app, tp.page, owner);
      await tp.page.getByRole('button', { name: '注册', exact: true }).click();
      await tp.page.getByRole('heading', { level: 1, name: '注册成功' }).waitFor();
    }
    for (const [label, viewport] of viewports) {
      clock.advance(61_000);
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await page.goto(`${app.url}/register`);
      await fillRegistration(t, app, page, { ...owner, phone: freshPhone() });
      await page.getByRole('button', { name: '注册', exact: true }).click();
      const conflict = page.getByRole('region', { name: '这个号码已有账号' });
      await conflict.waitFor();
      const links = await conflict.getByRole('link').evaluateAll((as) => as.map((a) => [a.textContent?.trim(), a.getAttribute('href')]));
      t.same(links, [['登录', '/account'], ['忘记密码', '/recover'], ['用户申诉（证件号码被占用）', '/appeal?type=document']], `${label}: own account first, the appeal last`);
      t.match(await conflict.textContent(), /原绑定的手机号、第三方账号关联和亲情号会被解除/, 'what the appeal does is spelled out');
      t.notMatch(await page.locator('main').textContent(), owner.phone.slice(-4) + '$', 'the holder is not revealed');
      await checkPage(t, page, 'register-conflict', label);
      assertCleanPages(t, tp);
    }
  });
});
