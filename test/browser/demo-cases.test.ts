// The demo 人社 service closes the 办件 loop in real Chromium: applying for an item creates a case
// (办理中) through the cases API, the simulated staff action completes it (已办结), the citizen finds
// it under 待评价 in the user centre and rates it, and the demo shows the rating it received,
// signed, through its webhook.

/// <reference lib="dom" />
import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { listenDemoServer, passwordSignIn } from '../helpers/centre-demo-browser.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`the demo's 办件 loop: apply → 办理中 → 已办结 → 待评价 → rated → the demo sees it (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const demo = await listenDemoServer(t);
  const app = await startTestApp(t, { database: testDb.database, overrides: { devClient: demo.devClient } });
  demo.attach(app);
  const browser = await launchBrowser(t);
  const person = { certType: '01' as const, documentNumber: syntheticIdNumber(), name: '办件闭环', phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);

  const { page } = await newTestPage(t, browser);
  await page.goto(`${demo.url}/items/policy`);
  await page.waitForURL(/\/interaction\/[\w-]+$/);
  await passwordSignIn(page, person.phone, strongPassword);
  await page.getByRole('button', { name: '申请办理' }).click();
  await page.waitForURL(/\/cases\/DEMO-/);
  const caseUrl = page.url();
  t.match(await page.locator('main').textContent(), /办理状态：办理中/, 'applying created a case 办理中');

  await page.getByRole('button', { name: '模拟工作人员办结' }).click();
  await page.getByText('办理状态：已办结').waitFor();

  // The citizen's centre: the case waits under 待评价.
  await page.getByRole('link', { name: '去评价' }).click();
  await page.waitForURL(new RegExp(`^${app.url}/(account|interaction)`));
  if (/\/interaction\//.test(page.url())) await passwordSignIn(page, person.phone, strongPassword);
  await page.waitForURL(new RegExp(`^${app.url}/account`));
  await page.goto(`${app.url}/account/cases?status=pending_rating`);
  await page.getByRole('link', { name: '政策查询' }).click();
  await page.getByRole('heading', { level: 1, name: '政策查询' }).waitFor();
  t.match(await page.getByRole('region', { name: '办理进度' }).textContent(), /办理中[\s\S]*已办结/, 'the timeline the demo reported');
  t.equal(await page.getByRole('link', { name: '前往办理单位查看' }).getAttribute('href'), caseUrl, "the link back to the demo's case page");
  await page.getByRole('radio', { name: '非常满意', exact: true }).check();
  for (const indicator of ['整体满意度', '办事效率', '办事指南精确度', '办事便捷度', '平台操作性']) {
    await page.getByLabel(indicator, { exact: true }).selectOption('5');
  }
  await page.getByLabel('评价内容').fill('办理很快');
  await page.getByRole('button', { name: '提交评价' }).click();
  await page.getByRole('status').filter({ hasText: '感谢您的评价' }).waitFor();

  // The demo shows the rating once the webhook (sent right after the rating) has arrived.
  let shown = '';
  for (let i = 0; i < 50 && !/收到的评价/.test(shown); i += 1) {
    await page.goto(caseUrl);
    shown = (await page.locator('main').textContent()) ?? '';
    if (!/收到的评价/.test(shown)) await page.waitForTimeout(200);
  }
  t.match(shown, /收到的评价（好差评）[\s\S]*非常满意[\s\S]*办理很快/, 'the demo received the signed rating through its webhook');
  t.same(demo.errors, [], 'the demo reported no failure');
});
