// The demo 人社 service in real Chromium, on its own port (reached as localhost) in front of the
// provider: the three business items with a registered, a real_name and a real_person account,
// the step-up to 实人 from 养老待遇资格认证 with the face mock (模拟扫码 opens the "phone" tab, the
// original page advances by itself), the refusal page when the citizen gives up, and screenshots.

/// <reference lib="dom" />
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { launchBrowser, newTestPage, screenshot, type TestPage } from '../helpers/browser.js';
import { faceOnPhone, listenDemoServer, passwordSignIn } from '../helpers/centre-demo-browser.js';
import { showFaceQr } from '../helpers/browser-journeys.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { startFaceMock } from '../helpers/face-mock.js';
import { englishWords } from '../helpers/page-text.js';

const viewports = [
  ['375x812', { width: 375, height: 812 }],
  ['1280x800', { width: 1280, height: 800 }],
] as const;
const masked = (n: string) => `${n.slice(0, 4)}${'*'.repeat(n.length - 8)}${n.slice(-4)}`;

t.test(`demo relying party in a real browser (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const demo = await listenDemoServer(t);
  const app = await startTestApp(t, { database: testDb.database, env: face.env, overrides: { devClient: demo.devClient } });
  demo.attach(app);
  const browser = await launchBrowser(t);

  const fixture = (name: string) => {
    const p = loadPopulationRegistry().find((x) => x.certType === '01' && x.name === name);
    if (!p) throw new Error(`fixture ${name} missing`);
    return p;
  };
  const registered: Person = { certType: '01', documentNumber: syntheticIdNumber('19880512'), name: '测试注册', phone: freshPhone() };
  const realName: Person = { certType: '01', documentNumber: fixture('周若溪').idNumber, name: '周若溪', phone: freshPhone() };
  const realPerson: Person = { certType: '01', documentNumber: fixture('龚美玲').idNumber, name: '龚美玲', phone: freshPhone() };
  for (const person of [registered, realName, realPerson]) {
    const done = await registerThroughPages(app, createBrowser(app.url), '/register', person);
    if (done.status !== 201) throw new Error(`registration failed: ${done.status}`);
  }
  const levelOf = async (p: Person) => (await app.container.services.accounts.getAccount((await app.container.services.accounts.findAccountIdByDocument(p.documentNumber)) as string))?.level;

  /** Opens an item; on the provider's login page signs in with the password. */
  const openItem = async (tp: TestPage, item: string, person?: Person): Promise<Page> => {
    const { page } = tp;
    await page.goto(`${demo.url}/items/${item}`);
    if (person) {
      await page.waitForURL(/\/interaction\/[\w-]+$/);
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '统一身份认证登录');
      await passwordSignIn(page, person.phone, strongPassword);
    }
    return page;
  };
  /** The claims table's value for a row label. */
  const claim = async (page: Page, label: string) => (await page.locator('.rp-claim').filter({ has: page.getByText(label, { exact: true }) }).locator('dd').textContent())?.trim();
  const assertRefused = async (t: Test, page: Page, title: string) => {
    await page.getByRole('heading', { name: `暂时无法办理「${title}」` }).waitFor();
    t.equal(new URL(page.url()).origin, demo.url, 'back at the demo');
    // access_denied, worded for the citizen: no raw code, no English (the provider's description)
    t.match(await page.getByRole('alert').textContent(), '统一身份认证平台未能完成所需等级的认证：您放弃了认证，或认证未通过。');
    t.same(englishWords(await page.content()), [], 'no English or raw code on the refusal page');
    t.equal(await page.getByRole('heading', { name: /最新政策|近 12 个月缴费记录|待遇资格认证结果/ }).count(), 0, 'never the business data');
    t.equal(await page.getByRole('link', { name: '前往个人用户中心' }).getAttribute('href'), `${app.url}/account`);
  };

  await t.test('home page: the three items with the level each needs; screenshots', async (t) => {
    for (const [label, viewport] of viewports) {
      const { page, cspViolations, pageErrors } = await newTestPage(t, browser, { viewport });
      const res = await page.goto(`${demo.url}/`);
      t.equal(res?.status(), 200);
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '江苏人社网上办事（示例）');
      t.same(await page.getByRole('heading', { level: 2 }).allTextContents(), ['政策查询', '社保缴费记录查询', '养老待遇资格认证']);
      t.same((await page.locator('.rp-badge').allTextContents()).map((s) => s.trim()), ['注册用户', '实名用户', '实人用户']);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      t.ok(width <= viewport.width, `no horizontal scrolling at ${label} (${width}px)`);
      await screenshot(page, `demo-home-${label}`);
      t.same(cspViolations, []);
      t.same(pageErrors, []);
    }
  });

  await t.test('registered: 政策查询 granted; 社保缴费记录查询 asks to step up, giving up shows the refusal', async (t) => {
    const tp = await newTestPage(t, browser);
    const page = await openItem(tp, 'policy', registered);
    await page.waitForURL(`${demo.url}/items/policy`);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '政策查询');
    t.equal(await page.getByRole('heading', { name: '最新政策' }).count(), 1, 'the business data');
    t.equal(await claim(page, '姓名'), registered.name);
    t.equal(await claim(page, '账号等级 (identity_level)'), '注册用户（registered）');
    t.equal(await claim(page, '认证方式 (amr)'), '密码（pwd）');
    t.match(await claim(page, '本次认证等级 (acr)'), /urn:jsrs:level:registered/);

    await page.goto(`${demo.url}/items/contributions`);
    await page.getByRole('heading', { name: '提升身份认证等级' }).waitFor();
    t.equal(new URL(page.url()).origin, app.url, 'the provider asks for the real-name check');
    t.match(await page.locator('main').textContent(), /「人社业务示例 \(demo\)」要求实名用户及以上的身份认证等级/);
    t.equal(await page.getByLabel('证件号码', { exact: true }).count(), 1);
    await page.getByRole('button', { name: '放弃并返回应用', exact: true }).click();
    await assertRefused(t, page, '社保缴费记录查询');
    for (const [label, viewport] of viewports) {
      await page.setViewportSize(viewport);
      await screenshot(page, `demo-refused-${label}`);
    }
    t.equal(await levelOf(registered), 'registered', 'giving up changed nothing');
    t.same(tp.cspViolations, []);
  });

  await t.test('real_name: 社保缴费记录查询 granted with the number masked; 养老待遇资格认证 refused on giving up', async (t) => {
    const tp = await newTestPage(t, browser);
    const page = await openItem(tp, 'contributions', realName);
    await page.waitForURL(`${demo.url}/items/contributions`);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '社保缴费记录查询');
    t.equal(await page.getByRole('heading', { name: '近 12 个月缴费记录' }).count(), 1);
    t.equal(await page.getByRole('table', { name: '企业职工基本养老保险' }).getByRole('row').count(), 13, 'a header and 12 months');
    t.equal(await claim(page, '账号等级 (identity_level)'), '实名用户（real_name）');
    t.equal(await claim(page, '证件号码'), masked(realName.documentNumber));
    t.notMatch(await page.locator('body').textContent(), realName.documentNumber, 'never the full number');
    for (const [label, viewport] of viewports) {
      await page.setViewportSize(viewport);
      await screenshot(page, `demo-item-${label}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.goto(`${demo.url}/items/policy`);
    t.equal(await page.getByRole('heading', { name: '最新政策' }).count(), 1, '政策查询 needs no new sign-in');

    await page.goto(`${demo.url}/items/pension`);
    await page.getByRole('heading', { name: '提升身份认证等级' }).waitFor();
    t.equal(await page.getByRole('button', { name: '开始人脸识别' }).count(), 1, 'a real_name account goes straight to the face check');
    await page.getByRole('button', { name: '放弃并返回应用', exact: true }).click();
    await assertRefused(t, page, '养老待遇资格认证');
    t.match(await page.getByRole('alert').textContent(), '实人用户', 'names the level needed');
    t.same(tp.cspViolations, []);
  });

  await t.test('step-up from the demo: 养老待遇资格认证 through the face check, the page advances by itself', async (t) => {
    const tp = await newTestPage(t, browser);
    const page = await openItem(tp, 'pension', realPerson);
    await page.getByRole('heading', { name: '提升身份认证等级' }).waitFor();
    await page.getByRole('button', { name: '开始人脸识别', exact: true }).click();
    await showFaceQr(page);
    t.equal((await page.getByRole('status').textContent())?.trim(), '等待完成人脸识别…');
    const stepUpUrl = page.url();
    await faceOnPhone(tp.context, page, '模拟人脸识别通过');
    // Nobody touches the original page: face-poll.js sees "passed" and submits the continue form.
    await page.waitForURL(`${demo.url}/items/pension`, { timeout: 15_000 });
    t.not(page.url(), stepUpUrl);
    t.equal(await page.getByRole('heading', { name: '待遇资格认证结果' }).count(), 1, 'the business data');
    t.equal(await claim(page, '账号等级 (identity_level)'), '实人用户（real_person）');
    t.match(await claim(page, '本次认证等级 (acr)'), /urn:jsrs:level:real_person:face/);
    t.match(await claim(page, '认证方式 (amr)'), /人脸识别（face）/);
    t.equal(await levelOf(realPerson), 'real_person', 'the account is now 实人用户');
    t.same(tp.cspViolations, []);
    t.same(tp.pageErrors, []);
  });

  await t.test('real_person: all three items in a new browser session', async (t) => {
    const tp = await newTestPage(t, browser);
    const page = await openItem(tp, 'pension', realPerson);
    // The account is 实人用户 now: a password sign-in meets real_person, no new face check.
    await page.waitForURL(`${demo.url}/items/pension`);
    t.equal(await claim(page, '账号等级 (identity_level)'), '实人用户（real_person）');
    t.equal(await claim(page, '认证方式 (amr)'), '密码（pwd）');
    t.match(await claim(page, '本次认证等级 (acr)'), /（urn:jsrs:level:real_person）$/);
    t.equal(await page.getByRole('heading', { name: '待遇资格认证结果' }).count(), 1);
    for (const [item, heading] of [['contributions', '近 12 个月缴费记录'], ['policy', '最新政策']] as const) {
      await page.goto(`${demo.url}/items/${item}`);
      t.equal(await page.getByRole('heading', { name: heading }).count(), 1, `${item} without a new sign-in`);
    }
  });

  t.same(demo.errors, [], 'no unexpected demo errors');
});
