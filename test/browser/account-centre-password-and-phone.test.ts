// 个人用户中心 (/account) in real Chromium, 修改密码 and 更换手机号: the old password stops working,
// the phone changes by the old number's code or by a face check on the "phone", and a 注册用户 is
// told why only the old phone can prove it.

/// <reference lib="dom" />
import t from 'tap';
import type { Page } from 'playwright-core';
import { engineName } from '../helpers/database.js';
import { newTestPage } from '../helpers/browser.js';
import { captchaAnswer, lastSmsCode } from '../helpers/oidc-flow.js';
import { faceOnPhone, passwordSignIn } from '../helpers/centre-demo-browser.js';
import { showFaceQr } from '../helpers/browser-journeys.js';
import { freshPhone, strongPassword } from '../helpers/citizens.js';
import { alert, notice, screenshotsOf, startCentreWorld } from '../helpers/account-centre-browser.js';

/** The new-number step of 更换手机号: a fresh number, its captcha and SMS code, 确认; waits for the notice. */
async function enterNewPhone(app: { url: string }, page: Page): Promise<string> {
  const newPhone = freshPhone();
  await page.getByLabel('新手机号码', { exact: true }).fill(newPhone);
  await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
  await page.getByRole('button', { name: '获取验证码', exact: true }).click();
  await page.getByLabel('短信验证码', { exact: true }).waitFor();
  await page.getByLabel('短信验证码', { exact: true }).fill((await lastSmsCode(app, newPhone)) as string);
  await page.getByRole('button', { name: '确认', exact: true }).click();
  await page.getByRole('status').waitFor();
  return newPhone;
}

t.test(`user centre in a real browser: password and phone (${engineName})`, async (t) => {
  const world = await startCentreWorld(t, ['changer', 'facer']);
  const { app, services, browser, auditRows, centre, people: { changer, facer } } = world;
  const changerId = await world.accountIdOf(changer);

  const newPassword = 'Centre#2027key';
  await t.test('修改密码: the old password stops working, the new one signs in', async (t) => {
    const { page } = await centre(t, changer, '/account/password');
    await page.getByLabel('当前密码', { exact: true }).fill(strongPassword);
    await page.getByLabel('新密码', { exact: true }).fill(newPassword);
    await page.getByLabel('确认密码', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByRole('status').waitFor();
    t.equal(await notice(page), '密码已修改，下次请使用新密码登录');
    t.equal((await auditRows(changerId, 'account.password_changed')).length, 1);

    const old = await newTestPage(t, browser);
    await old.page.goto(`${app.url}/account`);
    await old.page.waitForURL(/\/interaction\/[\w-]+$/);
    await passwordSignIn(old.page, changer.phone, strongPassword);
    await old.page.getByRole('alert').waitFor();
    t.equal(await alert(old.page), '账号或密码错误', 'the old password is refused');
    await passwordSignIn(old.page, changer.phone, newPassword);
    await old.page.waitForURL(`${app.url}/account`);
    t.equal(await old.page.getByRole('heading', { level: 1 }).textContent(), '个人主页', 'the new password signs in');
    changer.password = newPassword;
  });

  await t.test('更换手机号: old number code, then new number code', async (t) => {
    const { page } = await centre(t, changer, '/account/phone');
    t.match(await page.locator('main').textContent(), /当前绑定手机号：139\*{4}\d{4}/);
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.getByLabel('短信验证码', { exact: true }).waitFor();
    await page.getByLabel('短信验证码', { exact: true }).fill((await lastSmsCode(app, changer.phone)) as string);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    const newPhone = await enterNewPhone(app, page);
    t.equal(await notice(page), `手机号已更换为 ${newPhone.slice(0, 3)}****${newPhone.slice(-4)}`);
    t.equal(await services.accounts.findAccountIdByPhone(`+86${newPhone}`), changerId);
    t.equal(await services.accounts.findAccountIdByPhone(`+86${changer.phone}`), undefined, 'the old number is released');
    changer.phone = newPhone;
  });

  await t.test('更换手机号 by face: the check on the "phone", then the new number\'s code', async (t) => {
    const facerId = (await services.accounts.findAccountIdByDocument(facer.documentNumber)) as string;
    const { context, page, cspViolations, pageErrors } = await centre(t, facer, '/account/phone', { width: 375, height: 812 });
    t.equal(await page.getByRole('heading', { level: 2, name: '方式二：原手机号无法接收短信时，通过人脸识别验证本人' }).count(), 1);
    await page.getByRole('button', { name: '人脸识别验证', exact: true }).click();
    await showFaceQr(page);
    t.match(page.url(), /\/account\/phone\?flow=/);
    t.equal(await page.getByLabel('新手机号码').count(), 0, 'no new number before the check');
    await screenshotsOf(page, 'account-phone-face');
    await faceOnPhone(context, page, '模拟人脸识别通过');
    // face-poll.js learns of the pass from the server and continues by itself.
    await page.getByLabel('新手机号码', { exact: true }).waitFor();
    t.match(await page.locator('main').textContent(), /人脸识别已通过，请输入新手机号。/);
    const newPhone = await enterNewPhone(app, page);
    t.equal(await notice(page), `手机号已更换为 ${newPhone.slice(0, 3)}****${newPhone.slice(-4)}`);
    t.equal(await services.accounts.findAccountIdByPhone(`+86${newPhone}`), facerId);
    t.same((await auditRows(facerId, 'account.phone_changed')).map((r) => (r.details as { via?: string }).via), ['face'], 'audited as proven by face');
    t.same(cspViolations, []);
    t.same(pageErrors, []);
  });

  await t.test('更换手机号 for a 注册用户: the old phone only, and why', async (t) => {
    const { page } = await centre(t, changer, '/account/phone');
    t.equal(await page.getByRole('button', { name: '人脸识别验证' }).count(), 0, 'no face way');
    t.match(await page.locator('main').textContent(), /您当前是注册用户，只能通过原手机号的短信验证码验证；完成实名认证后即可使用人脸识别。/);
    t.equal(await page.getByRole('link', { name: '基本信息修改（实名认证）', exact: true }).getAttribute('href'), '/account/profile/real-name');
  });
});
