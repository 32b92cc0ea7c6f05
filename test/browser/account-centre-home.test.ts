// 个人用户中心 (/account) in real Chromium, the home page and 我的信息: the level badge and the way to
// the next level, the audited reveal of the document number (password or SMS code), and English.
// The other centre journeys are the sibling account-centre-*.test.ts files (helpers/account-centre-browser.ts).

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import { captchaAnswer, lastSmsCode } from '../helpers/oidc-flow.js';
import { strongPassword } from '../helpers/citizens.js';
import { describedBy, masked, notice, startCentreWorld } from '../helpers/account-centre-browser.js';

t.test(`user centre in a real browser: home and 我的信息 (${engineName})`, async (t) => {
  const world = await startCentreWorld(t, ['binder']);
  const { app, auditRows, centre, people: { binder } } = world;
  const binderId = await world.accountIdOf(binder);

  await t.test('个人主页: the name, the level badge and the way to the next level', async (t) => {
    const { page, cspViolations, pageErrors } = await centre(t, binder);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '个人主页');
    t.equal(await page.locator('.account-who strong').textContent(), binder.name);
    t.equal((await page.locator('.account-who .badge').textContent())?.trim(), '实名用户', 'the level badge');
    t.match(await page.locator('main').textContent(), /您当前是实名用户/);
    const next = page.getByRole('link', { name: '人脸识别（实人认证）', exact: true });
    t.equal(await next.getAttribute('href'), '/account/face', 'offers the face check');
    t.equal(await page.getByRole('link', { name: '个人主页', exact: true }).getAttribute('aria-current'), 'page');
    t.match(await page.getByRole('heading', { name: '最近动态' }).locator('xpath=..').textContent(), /注册账号/, 'recent activity lists the registration');
    await next.click();
    await page.waitForURL(`${app.url}/account/face`);
    t.equal(await page.getByRole('button', { name: '开始人脸识别' }).count(), 1, 'the face page offers to start');
    t.same(cspViolations, []);
    t.same(pageErrors, []);
  });

  await t.test('我的信息: masked; the password reveals the full number; both attempts are audited', async (t) => {
    const { page } = await centre(t, binder, '/account/info');
    const main = page.locator('main');
    t.notMatch(await main.textContent(), binder.documentNumber, 'masked by default');
    t.match(await main.textContent(), masked(binder.documentNumber));
    t.match(await main.textContent(), /人口信息库核验/, 'how the level was proven');
    t.equal(await page.getByRole('heading', { level: 2, name: '验证身份' }).count(), 1, 'behind the shared re-authentication block');
    t.equal(await page.getByLabel('图形验证码').count(), 0, 'no captcha until the SMS way is chosen');
    await page.getByLabel('当前密码', { exact: true }).fill('Wrong#pass1');
    await page.getByRole('button', { name: '查看完整证件号码', exact: true }).click();
    await page.getByLabel('当前密码', { exact: true }).and(page.locator('[aria-invalid="true"]')).waitFor();
    t.equal(await describedBy(page, '当前密码'), '当前密码错误', 'the wrong password is marked on its field');
    t.notMatch(await main.textContent(), binder.documentNumber);
    await page.getByLabel('当前密码', { exact: true }).fill(strongPassword);
    await page.getByRole('button', { name: '查看完整证件号码', exact: true }).click();
    await page.getByText(binder.documentNumber, { exact: true }).waitFor();
    t.equal(await page.locator('#document-full').textContent(), binder.documentNumber, 'the full number shows');
    t.equal(await page.getByRole('button', { name: '查看完整证件号码' }).count(), 0, 'the reveal form is gone');
    const rows = await auditRows(binderId, 'account.document_revealed');
    t.same(rows.map((r) => r.outcome), ['failure', 'success'], 'an account.document_revealed row for each attempt');
    t.notMatch(JSON.stringify(rows), binder.documentNumber, 'the audit trail never holds the number');
    await page.goto(`${app.url}/account/info`);
    t.notMatch(await main.textContent(), binder.documentNumber, 'opening the page again masks it again');
  });

  await t.test('我的信息: an SMS code to the bound phone reveals the number too, audited with the method', async (t) => {
    const { page } = await centre(t, binder, '/account/info');
    const main = page.locator('main');
    await page.getByRole('link', { name: '改用短信验证码', exact: true }).click();
    await page.getByText(`为保护您的账号，请先获取发送到 ${binder.phone.slice(0, 3)}****${binder.phone.slice(-4)} 的短信验证码。`).waitFor();
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.getByLabel('短信验证码', { exact: true }).waitFor();
    t.equal(await notice(page), `短信验证码已发送至 ${binder.phone.slice(0, 3)}****${binder.phone.slice(-4)}`);
    await page.getByLabel('短信验证码', { exact: true }).fill('000000' === (await lastSmsCode(app, binder.phone)) ? '111111' : '000000');
    await page.getByRole('button', { name: '查看完整证件号码', exact: true }).click();
    await page.getByLabel('短信验证码', { exact: true }).and(page.locator('[aria-invalid="true"]')).waitFor();
    t.equal(await describedBy(page, '短信验证码'), '短信验证码错误或已失效', 'the wrong code is marked on its field');
    t.notMatch(await main.textContent(), binder.documentNumber);
    await page.getByLabel('短信验证码', { exact: true }).fill((await lastSmsCode(app, binder.phone)) as string);
    await page.getByRole('button', { name: '查看完整证件号码', exact: true }).click();
    await page.locator('#document-full').waitFor();
    t.equal(await page.locator('#document-full').textContent(), binder.documentNumber, 'the full number shows');
    const rows = await auditRows(binderId, 'account.document_revealed');
    t.same(rows.slice(-2).map((r) => [r.outcome, (r.details as { method?: string }).method]), [['failure', 'sms'], ['success', 'sms']], 'both attempts audited with method sms');
  });

  await t.test('English with ?lang=en, and the switch back', async (t) => {
    const { page } = await centre(t, binder, '/account/info');
    await page.getByRole('link', { name: 'English', exact: true }).click();
    await page.waitForURL(/lang=en/);
    t.equal(await page.locator('html').getAttribute('lang'), 'en');
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'My details');
    t.equal(await page.getByRole('link', { name: 'Overview', exact: true }).count(), 1);
    t.equal(await page.getByRole('button', { name: 'Show the full document number' }).count(), 1);
    t.equal((await page.locator('.account-who .badge').textContent())?.trim(), 'Real-name verified user');
    t.notMatch(await page.locator('body').textContent(), /account\.[a-z_]+\.[a-z_.]+/, 'no untranslated key');
    await page.goto(`${app.url}/account?lang=zh-CN`);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '个人主页');
  });
});
