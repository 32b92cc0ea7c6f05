// Assurance journeys in a real browser (Debian's Chromium via playwright-core): step-up by acr from
// registered (real-name form, then face) and from real_name (face) inside one authorization
// request, and the refusal (access_denied); 忘记密码 by SMS and by face; the three appeals; the user
// centre's upgrades. Every face check is played on the mock verifier's phone page (its own HTTP
// server) in another tab while the original page follows the result by itself (face-poll.js).

/// <reference lib="dom" />
import { existsSync, statSync } from 'node:fs';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { launchBrowser, newTestPage, screenshot, type TestPage } from '../helpers/browser.js';
import { assertCleanPages, browserRelyingParty, catchRedirectInContext, fillSmsCode, pressAndRedeem, pressFace, trackNewTabs, type Authorization } from '../helpers/browser-journeys.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startFaceMock } from '../helpers/face-mock.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';

const phoneViewport = { width: 375, height: 812 };
const newPassword = 'Renew#2026abc';
const stepUpAcr = 'urn:jsrs:level:real_person';
const person = (name: string) => {
  const p = loadPopulationRegistry().find((x) => x.name === name);
  if (!p) throw new Error(`fixture ${name} missing`);
  return p;
};
const masked = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

t.test(`assurance journeys in a real browser (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, {
    database: testDb.database,
    env: face.env,
    clock,
    // One loopback IP does every citizen's journey here; the per-IP form limit has its own tests.
    overrides: { rateLimits: { postsPerIpPerMinute: 1000 } },
  });
  const rp = await browserRelyingParty(app);
  const httpRp = await demoRelyingParty(app);
  const browser = await launchBrowser(t);
  const db = testDb.database.db;

  const register = async (documentNumber: string, name: string) => {
    const phone = freshPhone();
    const res = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber, name, phone });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
    const accountId = (await app.container.services.accounts.findAccountIdByPhone(`+86${phone}`)) as string;
    return { phone, documentNumber, name, accountId };
  };
  const levelOf = async (accountId: string) => (await db.selectFrom('accounts').select('level').where('id', '=', accountId).executeTakeFirstOrThrow()).level;
  const newPage = async (t: Test): Promise<TestPage> => {
    const tp = await newTestPage(t, browser, { viewport: phoneViewport });
    trackNewTabs(tp);
    return tp;
  };
  const shot = async (t: Test, page: Page, name: string) => {
    await page.waitForLoadState('load');
    const file = await screenshot(page, name);
    t.ok(existsSync(file) && statSync(file).size > 1000, `screenshot ${name}`);
  };
  const text = async (page: Page) => ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');
  /** The RP asks for `params`; the citizen signs in with a password on the login page. */
  const signIn = async (page: Page, account: string, password: string, params: Record<string, string> = {}): Promise<Authorization> => {
    const flow = await rp.authorization(params);
    await page.goto(flow.url);
    await page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
    await page.getByLabel('账号', { exact: true }).fill(account);
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    return flow;
  };
  /** On a page offering 开始人脸识别: starts the check and waits for its QR and live status. */
  const startFace = async (page: Page) => {
    await page.getByRole('button', { name: '开始人脸识别', exact: true }).click();
    await page.getByRole('img', { name: '人脸识别二维码' }).waitFor();
    await page.getByText('使用支付宝APP或江苏智慧人社APP扫码完成人脸识别', { exact: true }).waitFor();
    return page.getByRole('status').filter({ hasText: /人脸识别/ });
  };
  /** Identifies on /appeal with the given type; resolves on the face step of the appeal. */
  const startAppeal = async (t: Test, page: Page, type: string, who: { idNumber: string; name: string }) => {
    await page.goto(`${app.url}/appeal`);
    await page.getByRole('heading', { level: 1, name: '用户申诉' }).waitFor();
    await page.getByLabel('申诉类型', { exact: true }).selectOption({ label: type });
    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(who.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill(who.name);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.waitForURL(/\/appeal\/flow\/[\w-]+$/);
    await page.getByRole('heading', { level: 2, name: type }).waitFor();
    t.match(await text(page), /请先完成人脸识别，证明您是该证件的持有人。/);
  };

  await t.test('step-up from registered: real-name form, then face, in one authorization request', async (t) => {
    const citizen = await register(syntheticIdNumber(), '待实名');
    const target = person('龚美玲');
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await signIn(page, citizen.phone, strongPassword, { acr_values: stepUpAcr });
    await page.waitForURL(/\/step-up\?flow=/);
    const uid = /\/interaction\/([\w-]+)\//.exec(page.url())?.[1];
    await page.getByRole('heading', { level: 1, name: '提升身份认证等级' }).waitFor();
    t.match(await text(page), /「人社业务示例 \(demo\)」要求实人用户及以上的身份认证等级/);
    await page.getByRole('heading', { level: 2, name: '实名认证（基本信息修改）' }).waitFor();
    await shot(t, page, 'step-up-real-name-375x812');

    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(target.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill('错误姓名');
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByText('未通过人口信息库核验', { exact: false }).first().waitFor();
    t.equal(await page.getByLabel('证件号码', { exact: true }).inputValue(), target.idNumber, 'the fields are kept');
    await page.getByLabel('姓名', { exact: true }).fill(target.name);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '人脸识别' }).waitFor();
    t.equal(await levelOf(citizen.accountId), 'real_name', 'the registry check raised the account to real_name');

    const status = await startFace(page);
    t.equal((await status.textContent())?.trim(), '等待完成人脸识别…');
    t.match(page.url(), new RegExp(`/interaction/${uid}/step-up\\?flow=`), 'still inside the same interaction');
    await shot(t, page, 'face-check-375x812');
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    const { heading } = await pressFace(page, 'pass');
    t.equal(heading, '认证通过', 'the phone page says the check passed');
    // Nothing is clicked on the original page: face-poll.js sees the result and continues.
    const { claims } = await rp.redeem(await redirected(), flow);
    t.equal(claims?.acr, 'urn:jsrs:level:real_person:face', 'the client gets the higher acr');
    t.equal(claims?.identity_level, 'real_person');
    t.same(claims?.amr, ['pwd', 'face']);
    t.equal(claims?.name, target.name);
    t.equal(await levelOf(citizen.accountId), 'real_person');
    assertCleanPages(t, tp);
  });

  await t.test('step-up from real_name: face only', async (t) => {
    const who = person('林俊杰');
    const citizen = await register(who.idNumber, who.name);
    t.equal(await levelOf(citizen.accountId), 'real_name');
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await signIn(page, citizen.phone, strongPassword, { acr_values: stepUpAcr });
    await page.waitForURL(/\/step-up\?flow=/);
    await page.getByRole('heading', { level: 2, name: '人脸识别' }).waitFor();
    t.equal(await page.getByLabel('证件号码', { exact: true }).count(), 0, 'no real-name form for a real_name account');
    t.match(await text(page), /实人认证需要完成一次人脸识别。/);
    await startFace(page);
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    const { claims } = await rp.redeem(await redirected(), flow);
    t.equal(claims?.acr, 'urn:jsrs:level:real_person:face');
    t.equal(claims?.identity_level, 'real_person');
    t.same(claims?.amr, ['pwd', 'face']);
    assertCleanPages(t, tp);
  });

  await t.test('the refusal path: a failed face check, then 放弃并返回应用 → access_denied', async (t) => {
    const who = person('于嘉琪');
    const citizen = await register(who.idNumber, who.name);
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await signIn(page, citizen.phone, strongPassword, { acr_values: stepUpAcr });
    await page.waitForURL(/\/step-up\?flow=/);
    const status = await startFace(page);
    const { heading } = await pressFace(page, 'fail');
    t.equal(heading, '认证未通过');
    await status.filter({ hasText: '人脸识别未通过，可重新发起或选择其他方式' }).waitFor();
    t.ok(await page.getByRole('button', { name: '重新发起人脸识别', exact: true }).isVisible(), 'the retry is offered');
    t.match(page.url(), /\/step-up\?flow=/, 'the page stays on the face step');
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    await page.getByRole('button', { name: '放弃并返回应用', exact: true }).click();
    const callback = new URL(await redirected());
    t.equal(callback.searchParams.get('error'), 'access_denied', 'the client gets access_denied');
    t.ok(callback.searchParams.get('error_description'), 'with a description');
    t.equal(callback.searchParams.get('code'), null, 'and no code');
    t.equal(callback.searchParams.get('state'), flow.state);
    t.equal(await levelOf(citizen.accountId), 'real_name', 'the failed check raised nobody');
    assertCleanPages(t, tp);
  });

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

  await t.test('申诉 证件号码被占用: the holder takes the account over; the next sign-in binds a phone', async (t) => {
    const owner = person('吴振华');
    const impostor = await register(owner.idNumber, owner.name);
    const tp = await newPage(t);
    const { page } = tp;
    await startAppeal(t, page, '证件号码被占用', owner);
    await shot(t, page, 'appeal-375x812');
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.getByText(/^身份已核验。请为该账号设置新密码/).waitFor();
    await page.getByLabel('密码', { exact: true }).fill(newPassword);
    await page.getByLabel('确认密码', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByText('账号已找回，请使用新密码登录并绑定手机号。', { exact: true }).waitFor();
    t.equal(await app.container.services.accounts.findAccountIdByPhone(`+86${impostor.phone}`), undefined, "the impostor's phone is removed");

    const newPhone = freshPhone();
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    const flow = await signIn(page, owner.idNumber, newPassword);
    const landed = await Promise.race([
      page.waitForURL(/\/bind-phone\?flow=/).then(() => 'bind-phone', () => 'timeout'),
      redirected().then(() => 'the client', () => 'timeout'),
    ]);
    // After a takeover the account has no phone: every sign-in method (password and SMS too)
    // goes through the bind-phone requirement before the client gets a session.
    t.equal(landed, 'bind-phone', 'the next sign-in asks for a phone to be bound');
    if (landed === 'bind-phone') {
      await page.getByRole('heading', { level: 1, name: '绑定手机号码' }).waitFor();
      await page.getByLabel('手机号码', { exact: true }).fill(newPhone);
      await fillSmsCode(t, app, page, newPhone);
      await page.getByRole('button', { name: '确认', exact: true }).click();
    }
    const { claims } = await rp.redeem(await redirected(), flow);
    t.equal(claims?.sub, impostor.accountId, 'the same account, now the holder’s');
    if (landed === 'bind-phone') t.equal(claims?.phone_number, `+86${newPhone}`, 'with the newly bound phone');
    t.equal(claims?.identity_level, 'real_name');
    assertCleanPages(t, tp);
  });

  await t.test('申诉 移动电话被占用: the number leaves the squatting account', async (t) => {
    const squatter = await register(syntheticIdNumber('19800101'), '占用者');
    const owner = person('梁佳怡');
    const tp = await newPage(t);
    const { page } = tp;
    await startAppeal(t, page, '移动电话被占用', owner);
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.getByLabel('手机号码', { exact: true }).waitFor();
    clock.advance(61_000);
    await page.getByLabel('手机号码', { exact: true }).fill(squatter.phone);
    await fillSmsCode(t, app, page, squatter.phone);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByText('手机号码已解除占用，您现在可以用它注册。', { exact: true }).waitFor();
    t.equal(await app.container.services.accounts.findAccountIdByPhone(`+86${squatter.phone}`), undefined, 'the number left the squatting account');
    t.ok(await db.selectFrom('accounts').select('id').where('id', '=', squatter.accountId).executeTakeFirst(), 'which itself remains');
    assertCleanPages(t, tp);
  });

  await t.test('申诉 亲情号解绑: the person bound as a family number removes the binding', async (t) => {
    const binder = person('周若溪');
    const member = person('丁丽娟');
    const account = await register(binder.idNumber, binder.name);
    await app.container.services.family.bind(account.accountId, { certType: '01', documentNumber: member.idNumber, name: member.name, relation: 'parent' });
    t.equal(await app.container.services.family.isBound(member.idNumber), true);
    const tp = await newPage(t);
    const { page } = tp;
    await startAppeal(t, page, '亲情号解绑', member);
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.getByText('亲情号绑定已解除，您现在可以注册自己的账号。', { exact: true }).waitFor();
    t.ok(await page.getByRole('link', { name: '立即注册', exact: true }).isVisible(), 'registration is offered');
    t.equal(await app.container.services.family.isBound(member.idNumber), false, 'the binding is gone');
    const audit = await db.selectFrom('audit_events').select('event').where('subject', '=', account.accountId).where('event', '=', 'family.unbound').execute();
    t.equal(audit.length, 1, "the binder's side records the unbinding");
    assertCleanPages(t, tp);
  });

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
