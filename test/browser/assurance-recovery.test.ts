// 忘记密码 in real Chromium: by SMS from a relying party's login page and back to the same sign-in,
// and by a face check on the mock verifier's "phone" (then the old password fails, the new one signs in).
// Shared steps: helpers/assurance-browser.ts.

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import { assertCleanPages, fillSmsCode, pressAndRedeem, pressFace } from '../helpers/browser-journeys.js';
import { strongPassword } from '../helpers/citizens.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { captchaAnswer } from '../helpers/oidc-flow.js';
import { masked, newPassword, person, startAssuranceWorld } from '../helpers/assurance-browser.js';

t.test(`assurance journeys in a real browser: 忘记密码 (${engineName})`, async (t) => {
  const world = await startAssuranceWorld(t);
  const { app, clock, rp, httpRp, register, newPage, shot, text, startFace } = world;

  await t.test('忘记密码 by SMS, from the login page, back to the relying party', async (t) => {
    const who = person('韩婷婷');
    const citizen = await register(who.idNumber, who.name);
    clock.advance(61_000); // the registration code went to this number less than a minute ago
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await rp.authorization();
    await page.goto(flow.url);
    const loginUrl = page.url();
    const uid = /\/interaction\/([\w-]+)$/.exec(loginUrl)?.[1] as string;
    await page.getByRole('link', { name: '忘记密码?', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '忘记密码' }).waitFor();
    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(who.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill(who.name);
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '短信验证码找回' }).waitFor();
    t.match(await text(page), `验证码将发送至账号绑定的手机 ${masked(citizen.phone)}`);
    t.ok(await page.getByRole('heading', { level: 2, name: '人脸识别找回' }).isVisible(), 'both factors are offered');
    await shot(t, page, 'recovery-375x812');
    await fillSmsCode(t, app, page, citizen.phone);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByLabel('确认密码', { exact: true }).waitFor();
    await page.getByLabel('密码', { exact: true }).fill(newPassword);
    await page.getByLabel('确认密码', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByText('密码已重置。其他设备上的登录已全部退出，请使用新密码登录。', { exact: true }).waitFor();

    // 忘记密码 from a relying party's login page carries its interaction through the journey, so
    // 返回登录 leads back to the same sign-in.
    t.equal(await page.getByRole('link', { name: '返回登录', exact: true }).getAttribute('href'), `/interaction/${uid}`, '返回登录 leads back to the same sign-in');
    await page.goto(loginUrl);
    await page.getByLabel('账号', { exact: true }).fill(citizen.phone);
    await page.getByLabel('密码', { exact: true }).fill(newPassword);
    const { claims } = await pressAndRedeem(rp, page, flow, '登录');
    t.same(claims?.amr, ['pwd'], 'the new password signs in within the same authorization request');
    t.equal(claims?.sub, citizen.accountId);
    assertCleanPages(t, tp);
  });

  await t.test('忘记密码 by face', async (t) => {
    const who = person('邓海燕');
    const citizen = await register(who.idNumber, who.name);
    const tp = await newPage(t);
    const { page } = tp;
    await page.goto(`${app.url}/recover`);
    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(who.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill(who.name);
    await page.getByLabel('图形验证码', { exact: true }).fill(await captchaAnswer(app));
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '人脸识别找回' }).waitFor();
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    // face-poll.js continues by itself to the new-password form.
    await page.getByLabel('确认密码', { exact: true }).waitFor();
    await page.getByLabel('密码', { exact: true }).fill(newPassword);
    await page.getByLabel('确认密码', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByText('密码已重置。其他设备上的登录已全部退出，请使用新密码登录。', { exact: true }).waitFor();
    const http = createBrowser(app.url);
    const login = await httpRp.authorize(http);
    const old = await http.post(`${login.page.url}/password`, { _csrf: inputValue(login.page.text, '_csrf') ?? '', account: citizen.phone, password: strongPassword });
    t.equal(old.status, 401, 'the old password no longer works');
    const fresh = await http.post(`${login.page.url}/password`, { _csrf: inputValue(login.page.text, '_csrf') ?? '', account: citizen.phone, password: newPassword });
    t.equal(fresh.status, 303, 'the new one does');
    assertCleanPages(t, tp);
  });
});
