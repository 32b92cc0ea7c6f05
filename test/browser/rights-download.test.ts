// 下载权益单 in Chromium at 375 and 1280 px: the 实名 citizen's 我的权益单 page with its download
// form, the PDF the browser saves (its code read back), the public /verify pages (authentic, not
// found, the form), and the amounts behind the shared re-authentication block — by SMS code at
// 375 px (captcha and proof of work in the page), by password at 1280 px, then the download with
// amounts — each checked with axe, for sideways scrolling, CSP and script errors.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { maskName } from '../../src/domain/masking.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { assertCleanPages } from '../helpers/browser-journeys.js';
import { signInToCentre } from '../helpers/centre-demo-browser.js';
import { captchaAnswer, lastSmsCode } from '../helpers/oidc-flow.js';
import { checkPage, viewports } from '../helpers/citizen-pages.js';
import { freshPhone, registerThroughPages, strongPassword } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { pdfText } from '../helpers/pdf.js';

t.test(`下载权益单 and /verify in a browser (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 1000 }, sms: { perNumberPerMinute: 100, perNumberPerHour: 100, perNumberPerDay: 100, perIpPerHour: 100_000 } } });
  const browser = await launchBrowser(t);
  const fixture = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '梁佳怡');
  if (!fixture) throw new Error('fixture missing');
  const citizen = { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone: freshPhone() };
  if ((await registerThroughPages(app, createBrowser(app.url), '/register', citizen)).status !== 201) throw new Error('registration failed');

  for (const [label, viewport] of viewports) {
    await t.test(label, async (t) => {
      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      await signInToCentre(page, app.url, citizen.phone, strongPassword, '/account/rights');
      await checkPage(t, page, 'rights-download', label);
      const saved = page.waitForEvent('download');
      await page.getByRole('button', { name: '下载权益单（不含金额）' }).click();
      const download = await saved;
      t.match(download.suggestedFilename(), /^rights-record-\d{8}\.pdf$/);
      const text = await pdfText(new Uint8Array(readFileSync(await download.path())));
      const code = /验证码：([0-9A-Z]{4}(?:-[0-9A-Z]{4}){5})/.exec(text)?.[1];
      if (!code) throw new Error(`no code in the PDF:\n${text}`);

      await page.goto(`${app.url}/verify/${code}`);
      t.match(await page.locator('main').textContent(), /真实有效/);
      t.equal(await page.locator('#masked-name').textContent(), maskName(fixture.name));
      await checkPage(t, page, 'verify-authentic', label);
      await page.getByLabel('验证码').fill('0000-0000-0000-0000-0000-0000');
      await page.getByRole('button', { name: '核验' }).click();
      await page.waitForURL(/\/verify\?code=/);
      t.match(await page.getByRole('alert').textContent(), /未找到与此验证码对应的权益单/);
      await checkPage(t, page, 'verify-not-found', label);
      await page.goto(`${app.url}/verify`);
      await checkPage(t, page, 'verify-form', label);

      // The amounts: the SMS way on the phone, the password way on the desktop.
      await page.goto(`${app.url}/account/rights`);
      t.equal(await page.getByText('验证后显示').count() > 0, true, 'amounts hidden at first');
      if (viewport.width < 600) {
        await page.getByRole('link', { name: '改用短信验证码' }).click();
        await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
        await checkPage(t, page, 'rights-reauth-sms', label);
        await page.getByRole('button', { name: '获取验证码', exact: true }).click();
        await page.getByLabel('短信验证码', { exact: true }).waitFor();
        await page.getByLabel('短信验证码', { exact: true }).fill((await lastSmsCode(app, citizen.phone)) as string);
      } else {
        await page.getByLabel('当前密码', { exact: true }).fill(strongPassword);
      }
      await page.getByRole('button', { name: '查看金额', exact: true }).click();
      await page.getByRole('table', { name: /历年缴费情况/ }).waitFor();
      t.equal(await page.getByText('验证后显示').count(), 0, 'the amounts are shown');
      await checkPage(t, page, 'rights-amounts', label);
      const withAmounts = page.waitForEvent('download');
      await page.getByRole('button', { name: '下载权益单（含金额）' }).click();
      const amountsText = await pdfText(new Uint8Array(readFileSync(await (await withAmounts).path())));
      t.match(amountsText, /历年缴费情况/, 'the PDF carries the amounts');
      t.notMatch(amountsText, /本权益单不含金额信息/);
      assertCleanPages(t, tp);
    });
  }
});
