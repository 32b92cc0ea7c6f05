// Issue 15, in Chromium at 375 px: after a first 江苏政务 sign-in that created the account, the
// bind-phone page offers the number 江苏政务 has on record, masked (使用江苏政务登记的手机号 136****9420),
// chosen by default with the number field out of the way; choosing 使用其他手机号码 brings the field
// back. Binding the offered number still takes its SMS code; the sign-in then reaches the client
// (after the policy texts, which an account created from an upstream has not agreed to yet).

/// <reference lib="dom" />
import t from 'tap';
import { loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { catchRedirect, launchBrowser, newTestPage } from '../helpers/browser.js';
import { acceptPoliciesInPage, assertCleanPages, browserRelyingParty, fillSmsCode, trackNewTabs } from '../helpers/browser-journeys.js';
import { checkPage } from '../helpers/citizen-pages.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { startUpstreamMocks } from '../helpers/upstreams.js';

const phoneViewport = { width: 375, height: 812 };

t.test(`bind a phone: the number 江苏政务 has on record is offered (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const mocks = await startUpstreamMocks(t, { timeoutMs: 5000 });
  const app = await startTestApp(t, { database: testDb.database, overrides: mocks.overrides });
  mocks.attach(app);
  const rp = await browserRelyingParty(app);
  const browser = await launchBrowser(t);
  const person = loadUpstreamAccounts().jszw[0]!;
  const masked = `${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`;

  const tp = await newTestPage(t, browser, { viewport: phoneViewport });
  trackNewTabs(tp);
  const { page } = tp;
  const flow = await rp.authorization();
  await page.goto(flow.url);
  await page.getByRole('button', { name: '江苏政务登录', exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(mocks.urls.jszw));
  await page.getByLabel('用户名', { exact: true }).fill(person.username);
  await page.getByLabel('密码', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('heading', { name: '授权确认' }).waitFor();
  await page.getByRole('button', { name: '授权', exact: true }).click();

  await page.waitForURL(/\/bind-phone\?flow=/);
  await page.getByRole('heading', { level: 1, name: '绑定手机号码' }).waitFor();
  t.notOk(page.url().includes(person.phone), 'the number is not in the URL');
  t.notOk((await page.content()).includes(person.phone), 'nor anywhere in the page');
  const offered = page.getByLabel(`使用江苏政务登记的手机号 ${masked}`, { exact: true });
  t.ok(await offered.isChecked(), 'the number 江苏政务 has on record is offered first, masked');
  const number = page.getByLabel('手机号码', { exact: true });
  t.notOk(await number.isVisible(), 'the number field is out of the way while it is chosen');
  await page.getByLabel('使用其他手机号码', { exact: true }).check();
  t.ok(await number.isVisible(), '使用其他手机号码 brings the field back');
  await checkPage(t, page, 'bind-phone-offer', '375x812');
  await offered.check();
  t.notOk(await number.isVisible());

  await fillSmsCode(t, app, page, person.phone);
  t.match(await page.locator('main').textContent(), new RegExp(`短信验证码已发送至 ${masked.replace(/\*/g, '\\*')}`), 'the code went to the offered number');
  const redirected = await catchRedirect(page, demoRedirect);
  await page.getByRole('button', { name: '确认', exact: true }).click();
  // an account created from an upstream has agreed to no policy version yet: asked once
  const { claims, userinfo } = await rp.redeem(await acceptPoliciesInPage(page, redirected), flow);
  t.same(claims?.amr, ['fed', 'jszw']);
  t.equal(userinfo.phone_number, `+86${person.phone}`, 'bound after its code');
  assertCleanPages(t, tp);
});
