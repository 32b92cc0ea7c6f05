// 注销账号 in Chromium at 375 and 1280 px: from 修改密码 to the page that lists what goes and what the
// law keeps, an unticked box refused with its reason, then the password and the box, the 账号已注销
// page with its button to the home portal, and the centre asking for a new sign-in — each page
// checked with axe, for sideways scrolling, CSP and script errors, screenshots under test-artifacts/.

import t from 'tap';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { assertCleanPages } from '../helpers/browser-journeys.js';
import { signInToCentre } from '../helpers/centre-demo-browser.js';
import { checkPage, viewports } from '../helpers/citizen-pages.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';

t.test(`注销账号 in a browser (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 1000 } } });
  const browser = await launchBrowser(t);
  const fixture = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '梁佳怡');
  if (!fixture) throw new Error('fixture missing');
  // one 注册用户 on the phone, one 实名 on the desktop
  const people: Record<string, Person> = {
    '375x812': { certType: '01', documentNumber: syntheticIdNumber('19880808'), name: '注销浏览', phone: freshPhone() },
    '1280x800': { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone: freshPhone() },
  };

  for (const [label, viewport] of viewports) {
    await t.test(label, async (t) => {
      const person = people[label] as Person;
      if ((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status !== 201) throw new Error('registration failed');
      const accountId = (await app.container.services.accounts.findAccountIdByDocument(person.documentNumber)) as string;
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await signInToCentre(page, app.url, person.phone, strongPassword, '/account/password');
      await page.getByRole('link', { name: '注销账号', exact: true }).click();
      await page.waitForURL(`${app.url}/account/delete`);
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '注销账号');
      t.equal(await page.getByRole('heading', { level: 2, name: '将被删除的内容' }).count(), 1);
      t.equal(await page.getByRole('heading', { level: 2, name: '依法保留的内容' }).count(), 1);
      t.match(await page.locator('main').textContent(), /安全审计记录.*保存 180 天/);
      await checkPage(t, page, 'account-delete', label);

      await page.getByLabel('当前密码', { exact: true }).fill(strongPassword);
      await page.getByRole('button', { name: '确认注销', exact: true }).click();
      await page.locator('#e-confirm').waitFor();
      t.match(await page.locator('#e-confirm').textContent(), /请先勾选/, 'an unticked box is refused with its reason');
      t.equal(await page.getByLabel('我已了解上述内容，确认注销本账号').getAttribute('aria-invalid'), 'true');
      t.ok(await app.container.services.accounts.getAccount(accountId), 'nothing deleted');
      await checkPage(t, page, 'account-delete-unticked', label);

      await page.getByLabel('当前密码', { exact: true }).fill(strongPassword);
      await page.getByLabel('我已了解上述内容，确认注销本账号').check();
      await page.getByRole('button', { name: '确认注销', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: '账号已注销' }).waitFor();
      t.equal(await app.container.services.accounts.getAccount(accountId), undefined, 'the account is gone');
      await checkPage(t, page, 'account-deleted', label);

      await page.getByRole('link', { name: '返回首页', exact: true }).click();
      await page.waitForURL(`${app.url}/`);
      await page.goto(`${app.url}/account`);
      await page.waitForURL(/\/interaction\/[\w-]+$/);
      t.pass('the centre asks for a new sign-in');
      assertCleanPages(t, tp);
    });
  }
});
