// Issue 15 in Chromium at 375 and 1280 px: 帮助 and the two policy pages with the footer (主办单位,
// 网站标识码, ICP); registration's step indicator, consent boxes beside their words with the policy
// links, the password rule once, the SMS code kept after an unrelated error; the user-centre menu
// (every item on a phone, a side navigation on desktop); login tabs never clipped; 长辈版 at 375 px.

/// <reference lib="dom" />
import { sections } from '../../src/pages/account/context.js';
import t from 'tap';
import type { Page } from 'playwright-core';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { assertCleanPages } from '../helpers/browser-journeys.js';
import { signInToCentre } from '../helpers/centre-demo-browser.js';
import { checkPage, phoneViewport, viewports } from '../helpers/citizen-pages.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { captchaAnswer, lastSmsCode } from '../helpers/oidc-flow.js';

/** Whether the element's box lies wholly inside the viewport's width (not clipped, no sideways scroll needed). */
const insideWidth = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((els) => els.map((el) => {
    const r = el.getBoundingClientRect();
    return r.left >= 0 && r.right <= window.innerWidth && r.width > 0;
  }));

t.test(`help, policies, registration form, centre menu and 长辈版 (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 1000 } } });
  const browser = await launchBrowser(t);
  const citizen = { certType: '01', documentNumber: syntheticIdNumber('19660606'), name: '界面测试', phone: freshPhone() };
  if ((await registerThroughPages(app, createBrowser(app.url), '/register', citizen)).status !== 201) throw new Error('registration failed');

  await t.test('帮助 and the policy pages, with the footer on every page', async (t) => {
    for (const [label, viewport] of viewports) {
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await page.goto(`${app.url}/help`);
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '帮助');
      const main = (await page.locator('main').textContent()) ?? '';
      for (const q of ['注册用户、实名用户、实人用户有什么区别？', '注册时提示证件号码已有账号怎么办？', '密码输错被锁定了怎么办？', '怎样更换手机号？']) t.match(main, q, `FAQ: ${q}`);
      t.match(main, /4 小时，到时自动解锁/);
      t.equal(await page.getByRole('link', { name: '人社服务热线：12333' }).getAttribute('href'), 'tel:12333');
      const footer = (await page.locator('footer').textContent()) ?? '';
      t.match(footer, /主办单位：江苏省人力资源和社会保障厅/);
      t.match(footer, /网站标识码：3200000001/);
      t.match(footer, /苏ICP备00000000号/);
      await checkPage(t, page, 'help', label);
      await page.locator('footer').getByRole('link', { name: '隐私政策' }).click();
      await page.getByRole('heading', { level: 1, name: '《隐私政策》' }).waitFor();
      t.match(await page.locator('main').textContent(), /版本：2026-12-01/);
      t.match(await page.locator('main').textContent(), /至少保存六个月[\s\S]*注销账号后/, 'how long, and how to delete');
      await checkPage(t, page, 'privacy', label);
      await page.locator('footer').getByRole('link', { name: '个人证件信息处理规则' }).click();
      await page.getByRole('heading', { level: 1, name: '《个人证件信息处理规则》' }).waitFor();
      await checkPage(t, page, 'document-rules', label);
      assertCleanPages(t, tp);
    }
  });

  await t.test('registration: steps, boxes beside their words with the policies, one password rule, the code kept', async (t) => {
    for (const [label, viewport] of viewports) {
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await page.goto(`${app.url}/register`);
      t.same(await page.getByRole('list', { name: '注册步骤' }).getByRole('listitem').allTextContents(), ['1 身份信息', '2 验证手机', '3 设置密码']);
      t.equal(await page.locator('.steps [aria-current="step"]').textContent(), '1 身份信息');
      const phone = freshPhone();
      await page.getByLabel('证件号码', { exact: true }).fill(syntheticIdNumber('19770707'));
      await page.getByLabel('姓名', { exact: true }).fill('表单测试');
      await page.getByLabel('手机号码', { exact: true }).fill(phone);
      await page.waitForFunction(() => (document.querySelector('input[name="pow"]') as HTMLInputElement | null)?.value !== '');
      await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
      await page.getByRole('button', { name: '获取验证码', exact: true }).click();
      await page.getByLabel('短信验证码', { exact: true }).waitFor();
      t.equal(await page.locator('.steps [aria-current="step"]').textContent(), '2 验证手机');
      t.equal(await page.getByText('密码须为8-20位', { exact: false }).count(), 1, 'the password rule once, beside the password field');
      for (const [box, link, href] of [['我已阅读并同意《隐私政策》', '《隐私政策》', '/privacy'], ['我同意为核验身份处理我的证件号码', '《个人证件信息处理规则》', '/privacy/document-rules']] as const) {
        const input = await page.getByLabel(box).boundingBox();
        const words = await page.locator('.consents label').filter({ hasText: link }).boundingBox();
        t.ok(input && words && input.x + input.width <= words.x && Math.abs(input.y - words.y) < 16, `${label}: the ${link} box sits beside its words`);
        t.equal(await page.locator('.consents').getByRole('link', { name: link }).getAttribute('href'), href);
      }
      await checkPage(t, page, 'register-form', label);
      const code = (await lastSmsCode(app, phone)) as string;
      await page.getByLabel('短信验证码', { exact: true }).fill(code);
      await page.getByLabel('密码', { exact: true }).fill(strongPassword);
      await page.getByLabel('确认密码', { exact: true }).fill(`${strongPassword}x`);
      await page.getByLabel(/我已阅读并同意/).check();
      await page.getByLabel(/我同意为核验身份处理/).check();
      await page.getByRole('button', { name: '注册', exact: true }).click();
      await page.locator('#e-confirmPassword').waitFor();
      t.equal(await page.getByLabel('短信验证码', { exact: true }).inputValue(), code, `${label}: the SMS code is kept after an unrelated error`);
      assertCleanPages(t, tp);
    }
  });

  await t.test('user centre menu: every item on a phone, a side navigation on desktop; login tabs never clipped', async (t) => {
    for (const [label, viewport] of viewports) {
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await page.goto(`${app.url}/account`);
      const tabs = await insideWidth(page, '.login-tabs a');
      t.ok(tabs.length >= 3 && tabs.every(Boolean), `${label}: every login tab inside the screen (${tabs.join()})`);
      const order = await page.locator('.login-tabs a').evaluateAll((as) => as.map((a) => ({ text: a.textContent?.trim(), x: a.getBoundingClientRect().left, y: a.getBoundingClientRect().top })).sort((a, b) => a.y - b.y || a.x - b.x).map((a) => a.text));
      if (viewport === phoneViewport) t.same(order.slice(0, 2), ['账号密码登录', '手机动态码登录'], 'password and SMS first on a phone');
      await signInToCentre(page, app.url, citizen.phone, strongPassword);
      const items = await insideWidth(page, '.account-nav a');
      t.equal(items.length, sections.length, 'every section of the centre is in the menu');
      t.ok(items.every(Boolean), `${label}: every menu item inside the screen`);
      const visible = await page.locator('.account-nav a').evaluateAll((as) => as.filter((a) => { const r = a.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }).length);
      t.equal(visible, sections.length, `${label}: every item visible without scrolling`);
      const nav = await page.locator('.account-nav').boundingBox();
      const main = await page.locator('.account-main').boundingBox();
      if (viewport === phoneViewport) t.ok(nav && main && nav.y + nav.height <= main.y + 1, 'phone: the menu grid above the page');
      else t.ok(nav && main && nav.x + nav.width <= main.x && main.width > 500, 'desktop: a side navigation, the page uses the width');
      await checkPage(t, page, 'centre-menu', label);
      assertCleanPages(t, tp);
    }
  });

  await t.test('长辈版 at 375 px: switchable on every page, remembered, larger type, axe-clean', async (t) => {
    const tp = await newTestPage(t, browser, { viewport: phoneViewport });
    const { page } = tp;
    await page.goto(`${app.url}/`);
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    const before = await size();
    await page.getByRole('link', { name: '长辈版', exact: true }).click();
    await page.waitForURL(/care=1/);
    t.ok(await page.evaluate(() => document.body.classList.contains('care')), 'care mode on');
    t.ok((await size()) >= before * 1.2, `larger type (${before} → ${await size()} px)`);
    t.equal(await page.locator('.portal-item span').first().isVisible(), false, 'fewer words: the portal hints are hidden');
    const target = await page.locator('.portal-item').first().boundingBox();
    t.ok(target && target.height >= 48, 'large tap targets');
    await checkPage(t, page, 'care-home', '375x812');
    for (const path of ['/register', '/help']) {
      await page.goto(`${app.url}${path}`);
      t.ok(await page.evaluate(() => document.body.classList.contains('care')), `${path}: remembered`);
      await checkPage(t, page, `care${path.replace('/', '-')}`, '375x812');
    }
    await signInToCentre(page, app.url, citizen.phone, strongPassword);
    t.ok(await page.evaluate(() => document.body.classList.contains('care')), 'the user centre too');
    await checkPage(t, page, 'care-centre', '375x812');
    await page.getByRole('link', { name: '标准版', exact: true }).click();
    await page.waitForURL(/care=0/);
    t.notOk(await page.evaluate(() => document.body.classList.contains('care')), 'switched back');
    assertCleanPages(t, tp);
  });
});
