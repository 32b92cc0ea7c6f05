// The user centre's upper half in real Chromium at 375 and 1280 px, through axe: the empty states,
// 个人主页's counts and latest cases, the paginated lists, a case's detail (timeline, the service's
// link), the rating form with its errors, and a rating with the 整改反馈 term it starts.

/// <reference lib="dom" />
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { describeViolations, horizontalOverflow, seriousViolations } from '../helpers/axe.js';
import { signInToCentre } from '../helpers/centre-demo-browser.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`我的办件 in a real browser (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const { services } = app.container;
  const browser = await launchBrowser(t);
  const person = { certType: '01' as const, documentNumber: syntheticIdNumber(), name: '办件浏览', phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
  const sub = (await services.accounts.findAccountIdByDocument(person.documentNumber)) as string;
  const client = { clientId: 'centre-cases-service', redirectOrigins: ['https://svc.example.gov.cn'] };
  const put = (no: string, status: string, service = '失业保险金申领') =>
    services.cases.put(client, no, { sub, service, department: '南京市人社局', status, status_note: status === 'completed' ? '已发放到账' : '审核中', detail_url: `https://svc.example.gov.cn/cases/${no}` }, {});

  const audit = async (t: Test, page: Page, name: string, label: string) => {
    await page.waitForLoadState('load');
    const violations = await seriousViolations(page);
    t.same(violations.map((v) => `${v.impact} ${v.id}`), [], `${name} (${label}): no serious or critical axe violation${violations.length ? `\n${describeViolations(violations)}` : ''}`);
    t.ok((await horizontalOverflow(page)) <= 0, `${name} (${label}): no horizontal scrolling`);
  };
  const section = (page: Page, name: string) => page.getByRole('region', { name: new RegExp(`^${name}`) });

  await t.test('375 px: empty states, then counts, lists and the rating form', async (t) => {
    const label = '375x812';
    const { page } = await newTestPage(t, browser, { viewport: { width: 375, height: 812 } });
    await signInToCentre(page, app.url, person.phone, strongPassword);
    t.match(await section(page, '办件信息').textContent(), /暂无办理中的办件[\s\S]*暂无已办结的办件[\s\S]*暂无待评价的办件/, 'each list says what will appear there');
    await audit(t, page, '个人主页 without cases', label);

    for (let i = 1; i <= 12; i += 1) await put(`P${String(i).padStart(2, '0')}`, 'in_progress', `在办事项${i}`);
    await put('D1', 'accepted', '职业技能补贴申领');
    await put('D1', 'completed', '职业技能补贴申领');
    await put('D2', 'completed', '社保卡补办');
    await page.reload();
    t.match(await section(page, '办理中').textContent(), /12 件/, '办理中 counts 12');
    t.match(await section(page, '已办结').textContent(), /2 件/);
    t.match(await section(page, '待评价').textContent(), /2 件/);
    t.match(await section(page, '待评价').textContent(), /职业技能补贴申领/, 'the latest cases are listed');
    await audit(t, page, '个人主页 with cases', label);

    await section(page, '办理中').getByRole('link', { name: '查看全部办理中办件' }).click();
    await page.waitForURL(/\/account\/cases\?status=in_progress/);
    t.equal(await page.getByRole('list', { name: '办理中办件列表' }).getByRole('listitem').count(), 10, 'ten per page');
    await audit(t, page, '办理中 list', label);
    await page.getByRole('link', { name: '下一页' }).click();
    await page.waitForURL(/page=2/);
    t.equal(await page.getByRole('list', { name: '办理中办件列表' }).getByRole('listitem').count(), 2, 'the rest on page 2');
    t.match(await page.getByRole('navigation', { name: '分页' }).textContent(), /第 2 页，共 2 页/);

    await page.getByRole('link', { name: '待评价', exact: true }).first().click();
    await page.getByRole('link', { name: '职业技能补贴申领' }).click();
    await page.getByRole('heading', { level: 1, name: '职业技能补贴申领' }).waitFor();
    t.match(await page.getByRole('region', { name: '办理进度' }).textContent(), /已受理[\s\S]*已办结/, 'the timeline');
    t.equal(await page.getByRole('link', { name: '前往办理单位查看' }).getAttribute('href'), 'https://svc.example.gov.cn/cases/D1', "the service's own link");
    await audit(t, page, 'case detail with the rating form', label);
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.getByText('请选择总体评价').waitFor();
    await audit(t, page, 'rating form with an error', label);
  });

  await t.test('1280 px: a bad rating needs a comment, then the 整改反馈 term shows', async (t) => {
    const label = '1280x800';
    const { page } = await newTestPage(t, browser, { viewport: { width: 1280, height: 800 } });
    await signInToCentre(page, app.url, person.phone, strongPassword, '/account/cases');
    await page.getByRole('link', { name: '待评价', exact: true }).click();
    await page.waitForURL(/status=pending_rating/);
    await audit(t, page, '待评价 list', label);
    await page.getByRole('link', { name: '社保卡补办' }).click();
    await page.getByRole('heading', { level: 1, name: '社保卡补办' }).waitFor();
    await page.getByRole('radio', { name: '不满意', exact: true }).check();
    for (const indicator of ['整体满意度', '办事效率', '办事指南精确度', '办事便捷度', '平台操作性']) {
      await page.getByLabel(indicator, { exact: true }).selectOption('2');
    }
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.getByText('选择“不满意”或“非常不满意”时请填写评价内容').waitFor();
    t.equal(await page.getByRole('radio', { name: '不满意', exact: true }).isChecked(), true, 'the choice is kept');
    await audit(t, page, 'rating form: comment required', label);
    await page.getByLabel('评价内容').fill('补办等了三周');
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.getByRole('status').filter({ hasText: '感谢您的评价' }).waitFor();
    t.match(await page.getByRole('region', { name: '我的评价' }).textContent(), /不满意[\s\S]*补办等了三周[\s\S]*前答复整改情况/, 'the rating and the rectification term');
    t.equal(await page.getByRole('button', { name: '提交评价' }).count(), 0, 'no second rating (一事一评)');
    await audit(t, page, 'rated case', label);
    await page.goto(`${app.url}/account`);
    t.match(await section(page, '待评价').textContent(), /1 件/, 'one case left to rate');
    await page.goto(`${app.url}/account/cases/00000000-0000-4000-8000-000000000000`);
    t.match(await page.locator('main').textContent(), /没有找到这个办件/, "an unknown or another citizen's case: a clear page");
  });
});
