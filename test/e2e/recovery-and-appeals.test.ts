// 忘记密码 by SMS and by face, and the three appeals (证件号码被占用, 移动电话被占用, 亲情号解绑), over
// HTTP: each changes exactly what it should, and unknown identities see the same pages.

import t from 'tap';
import * as client from 'openid-client';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { captchaAnswer, solvedCaptcha, demoRelyingParty, lastSmsCode } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { startFaceMock } from '../helpers/face-mock.js';

const person = (name: string) => {
  const p = loadPopulationRegistry().find((x) => x.name === name);
  if (!p) throw new Error(`fixture ${name} missing`);
  return p;
};
const newPassword = 'Renew#2026abc';

t.test(`recovery and appeals (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, env: face.env, clock });
  const rp = await demoRelyingParty(app);
  const db = testDb.database.db;

  const passwordSignIn = async (browser: Browser, account: string, password: string) => {
    const flow = await rp.authorize(browser, { scope: 'openid profile offline_access' });
    const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password });
    return { flow, res };
  };
  const identify = async (browser: Browser, path: string, form: Record<string, string>) => {
    const page = await browser.get(path);
    // 忘记密码 asks for the captcha before it looks the identity up (issue 12).
    const captcha: Record<string, string> = path === '/recover' ? { captchaId: inputValue(page.text, 'captchaId') ?? '', captcha: await captchaAnswer(app) } : {};
    return browser.post(path, { _csrf: inputValue(page.text, '_csrf') ?? '', ...form, ...captcha });
  };
  /** Starts the face check on a flow page, presses the phone's button, and continues. */
  const passFace = async (browser: Browser, flowUrl: string, outcome: 'pass' | 'fail'): Promise<Response2> => {
    const page = await browser.get(flowUrl);
    const started = await browser.post(`${flowUrl}/face`, { _csrf: inputValue(page.text, '_csrf') ?? '' });
    const facePage = await browser.get(started.location as string);
    const certifyUrl = /<a href="([^"]+)"[^>]*>模拟扫码<\/a>/.exec(facePage.text)?.[1]?.replace(/&amp;/g, '&') as string;
    await face.press(certifyUrl, outcome);
    return browser.post(`${flowUrl}/face/continue`, { _csrf: inputValue(facePage.text, '_csrf') ?? '', flow: inputValue(facePage.text, 'flow') ?? '' });
  };

  await t.test('忘记密码 by SMS: clears the lock, ends sessions, revokes refresh tokens', async (t) => {
    const citizen = person('韩婷婷');
    const phone = freshPhone();
    const browser = createBrowser(app.url);
    await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: citizen.idNumber, name: citizen.name, phone });
    const signedIn = await passwordSignIn(browser, phone, strongPassword);
    const tokens = await rp.finish(browser, signedIn.res.location as string, signedIn.flow);
    t.type(tokens.refresh_token, 'string', 'a first-party client holds a refresh token');
    const attacker = createBrowser(app.url);
    for (let i = 0; i < 5; i += 1) await passwordSignIn(attacker, phone, 'Wrong#pass9');
    const locked = await passwordSignIn(attacker, phone, strongPassword);
    t.match(locked.res.text, /账号已锁定/, 'locked after 5 failures');

    clock.advance(61_000);
    const recovering = createBrowser(app.url);
    const chosen = await identify(recovering, '/recover', { certType: '01', documentNumber: citizen.idNumber, name: citizen.name });
    t.equal(chosen.status, 303);
    const choosePage = await recovering.get(chosen.location as string);
    t.match(choosePage.text, new RegExp(`验证码将发送至账号绑定的手机 ${phone.slice(0, 3)}\\*\\*\\*\\*${phone.slice(-4)}`));
    const sent = await recovering.post(`${chosen.location}/sms`, { _csrf: inputValue(choosePage.text, '_csrf') ?? '', ...(await solvedCaptcha(app, choosePage.text)) });
    t.equal(sent.status, 303);
    const codePage = await recovering.get(chosen.location as string);
    const code = await lastSmsCode(app, phone);
    const verified = await recovering.post(`${chosen.location}/code`, { _csrf: inputValue(codePage.text, '_csrf') ?? '', code: code as string });
    t.equal(verified.status, 303);
    const passwordPage = await recovering.get(chosen.location as string);
    const done = await recovering.post(`${chosen.location}/password`, { _csrf: inputValue(passwordPage.text, '_csrf') ?? '', password: newPassword, confirmPassword: newPassword });
    t.equal(done.status, 200);
    t.match(done.text, /密码已重置/);

    await t.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token as string), 'the refresh token from before no longer works');
    const again = await passwordSignIn(createBrowser(app.url), phone, newPassword);
    t.equal(again.res.status, 303, 'the lock is cleared and the new password works');
    const oldSession = await rp.authorize(browser, { prompt: 'none' });
    t.match(oldSession.page.url, /error=login_required/, 'the old browser session is gone');
  });

  await t.test('忘记密码 by face, and an unknown identity sees the same pages', async (t) => {
    const citizen = person('邓海燕');
    const phone = freshPhone();
    await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: citizen.idNumber, name: citizen.name, phone });
    const browser = createBrowser(app.url);
    const chosen = await identify(browser, '/recover', { certType: '01', documentNumber: citizen.idNumber, name: citizen.name });
    const afterFace = await passFace(browser, chosen.location as string, 'pass');
    t.equal(afterFace.status, 303, 'face passed');
    const passwordPage = await browser.get(chosen.location as string);
    const done = await browser.post(`${chosen.location}/password`, { _csrf: inputValue(passwordPage.text, '_csrf') ?? '', password: newPassword, confirmPassword: newPassword });
    t.match(done.text, /密码已重置/);

    const unknown = createBrowser(app.url);
    const unknownChosen = await identify(unknown, '/recover', { certType: '01', documentNumber: syntheticIdNumber(), name: '无此人' });
    t.equal(unknownChosen.status, 303, 'an unknown identity moves on the same way');
    const unknownPage = await unknown.get(unknownChosen.location as string);
    t.match(unknownPage.text, /验证码将发送至账号绑定的手机 1\d\d\*\*\*\*\d{4}/, 'with a masked number too');
    const before = (await (await fetch(`${app.url}/dev/outbox.json`)).json()) as unknown[];
    const sent = await unknown.post(`${unknownChosen.location}/sms`, { _csrf: inputValue(unknownPage.text, '_csrf') ?? '', ...(await solvedCaptcha(app, unknownPage.text)) });
    t.equal(sent.status, 303, 'the same answer to sending');
    const after = (await (await fetch(`${app.url}/dev/outbox.json`)).json()) as unknown[];
    t.equal(after.length, before.length, 'but nothing is sent');
  });

  await t.test('证件号码被占用: the holder of the document takes the account over', async (t) => {
    const owner = person('吴振华');
    const impostorPhone = freshPhone();
    const impostor = createBrowser(app.url);
    await registerThroughPages(app, impostor, '/register', { certType: '01', documentNumber: owner.idNumber, name: owner.name, phone: impostorPhone });
    const signedIn = await passwordSignIn(impostor, impostorPhone, strongPassword);
    const tokens = await rp.finish(impostor, signedIn.res.location as string, signedIn.flow);
    const accountId = tokens.claims()?.sub as string;

    const rightful = createBrowser(app.url);
    const started = await identify(rightful, '/appeal', { type: 'document', certType: '01', documentNumber: owner.idNumber, name: owner.name });
    t.equal(started.status, 303);
    const failed = await passFace(rightful, started.location as string, 'fail');
    t.equal(failed.status, 400, 'a failed face check ends with nothing changed');
    t.ok(await db.selectFrom('phones').select('account_id').where('account_id', '=', accountId).executeTakeFirst(), 'the phone is still there');

    const retry = await identify(rightful, '/appeal', { type: 'document', certType: '01', documentNumber: owner.idNumber, name: owner.name });
    const passed = await passFace(rightful, retry.location as string, 'pass');
    t.equal(passed.status, 303);
    const form = await rightful.get(retry.location as string);
    t.match(form.text, /为该账号设置新密码/);
    const done = await rightful.post(`${retry.location}/takeover`, { _csrf: inputValue(form.text, '_csrf') ?? '', password: newPassword, confirmPassword: newPassword });
    t.match(done.text, /账号已找回/);

    t.equal(await db.selectFrom('phones').select('account_id').where('account_id', '=', accountId).executeTakeFirst(), undefined, 'the old phone is removed');
    const account = await db.selectFrom('accounts').select('needs_phone').where('id', '=', accountId).executeTakeFirstOrThrow();
    t.equal(account.needs_phone, true, 'the next sign-in asks for a phone');
    await t.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token as string), "the previous holder's refresh token is dead");
    const silent = await rp.authorize(impostor, { prompt: 'none' });
    t.match(silent.page.url, /error=login_required/, "the previous holder's session cookie no longer reaches the account");
    const byOldPhone = await passwordSignIn(createBrowser(app.url), impostorPhone, strongPassword);
    t.equal(byOldPhone.res.status, 401, 'nor does the old phone with the old password');
    const audit = await db.selectFrom('audit_events').select('event').where('subject', '=', accountId).where('event', '=', 'appeal.document_takeover').execute();
    t.equal(audit.length, 1, 'the appeal is audited');
  });

  await t.test('移动电话被占用: the number moves to its owner', async (t) => {
    clock.advance(61_000);
    const phone = freshPhone();
    const squatter = createBrowser(app.url);
    await registerThroughPages(app, squatter, '/register', { certType: '01', documentNumber: syntheticIdNumber('19800101'), name: '占用者', phone });
    const squatterId = (await db.selectFrom('phones').select('account_id').execute()).length;
    t.ok(squatterId > 0);
    const owner = person('梁佳怡');
    const browser = createBrowser(app.url);
    const started = await identify(browser, '/appeal', { type: 'phone', certType: '01', documentNumber: owner.idNumber, name: owner.name });
    await passFace(browser, started.location as string, 'pass');
    const phonePage = await browser.get(started.location as string);
    clock.advance(61_000);
    const sent = await browser.post(`${started.location}/phone`, { _csrf: inputValue(phonePage.text, '_csrf') ?? '', phone, ...(await solvedCaptcha(app, phonePage.text)) });
    t.equal(sent.status, 303);
    const codePage = await browser.get(started.location as string);
    const done = await browser.post(`${started.location}/phone/verify`, { _csrf: inputValue(codePage.text, '_csrf') ?? '', code: (await lastSmsCode(app, phone)) as string });
    t.match(done.text, /您现在可以用它注册/);
    t.equal(await app.container.services.accounts.findAccountIdByPhone(`+86${phone}`), undefined, 'the number left the squatting account');
    const squatterLogin = await passwordSignIn(createBrowser(app.url), phone, strongPassword);
    t.equal(squatterLogin.res.status, 401, 'which can no longer sign in with it');
  });

  await t.test('亲情号解绑: the person bound as a family number removes the binding', async (t) => {
    const binderPerson = person('周若溪');
    const member = person('丁丽娟');
    const binderPhone = freshPhone();
    await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: binderPerson.idNumber, name: binderPerson.name, phone: binderPhone });
    const binderId = (await app.container.services.accounts.findAccountIdByPhone(`+86${binderPhone}`)) as string;
    await app.container.services.family.bind(binderId, { certType: '01', documentNumber: member.idNumber, name: member.name, relation: 'parent' });
    t.equal(await app.container.services.family.isBound(member.idNumber), true);
    const browser = createBrowser(app.url);
    const started = await identify(browser, '/appeal', { type: 'family', certType: '01', documentNumber: member.idNumber, name: member.name });
    const done = await passFace(browser, started.location as string, 'pass');
    t.match(done.text, /亲情号绑定已解除/);
    t.equal(await app.container.services.family.isBound(member.idNumber), false, 'the binding is gone');
    const audit = await db.selectFrom('audit_events').select('event').where('subject', '=', binderId).where('event', '=', 'family.unbound').execute();
    t.equal(audit.length, 1, "the binder's side shows the unbinding");
  });
});
