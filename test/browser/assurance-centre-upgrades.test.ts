// The user centre's upgrades in real Chromium: 基本信息修改 raises 注册用户 to 实名用户, the face check on
// the mock verifier's "phone" to 实人用户, each recorded as a proof. Shared steps: helpers/assurance-browser.ts.

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import { assertCleanPages, pressFace } from '../helpers/browser-journeys.js';
import { strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { person, startAssuranceWorld } from '../helpers/assurance-browser.js';

t.test(`assurance journeys in a real browser: user centre upgrades (${engineName})`, async (t) => {
  const world = await startAssuranceWorld(t);
  const { app, db, register, levelOf, newPage, proveItIsMe, startFace } = world;

  await t.test('user centre: 基本信息修改 raises 注册用户 to 实名用户, the face check to 实人用户', async (t) => {
    const citizen = await register(syntheticIdNumber(), '改名前');
    const target = person('姜德明');
    const tp = await newPage(t);
    const { page } = tp;
    await page.goto(`${app.url}/account`);
    await page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
    await page.getByLabel('账号', { exact: true }).fill(citizen.phone);
    await page.getByLabel('密码', { exact: true }).fill(strongPassword);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL(`${app.url}/account`);
    await page.getByText('您当前是注册用户', { exact: true }).waitFor();

    await page.getByRole('link', { name: '基本信息修改（实名认证）', exact: true }).click();
    await page.waitForURL(`${app.url}/account/profile/real-name`);
    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(target.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill(target.name);
    await proveItIsMe(page);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.waitForURL(`${app.url}/account`);
    await page.getByText('您当前是实名用户', { exact: true }).waitFor();

    await page.getByRole('link', { name: '人脸识别（实人认证）', exact: true }).click();
    await page.waitForURL(`${app.url}/account/face`);
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.waitForURL(`${app.url}/account`);
    await page.getByText('您当前是实人用户', { exact: true }).waitFor();
    t.equal(await levelOf(citizen.accountId), 'real_person');
    const proofs = await db.selectFrom('identity_proofs').select(['kind', 'level']).where('account_id', '=', citizen.accountId).orderBy('created_at').execute();
    t.same(proofs.map((p) => [p.kind, p.level]), [['registry_match', 'real_name'], ['face_match', 'real_person']], 'each upgrade is a proof');
    assertCleanPages(t, tp);
  });
});
