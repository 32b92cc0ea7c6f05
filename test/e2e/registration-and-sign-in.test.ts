// Citizens end to end over HTTP, with openid-client as the relying party: registration from a
// relying party (registry match → real_name, no match → registered), password and SMS sign-in
// through the full authorization-code flow, claims by scope.

import t from 'tap';
import * as client from 'openid-client';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { solvedCaptcha, demoRelyingParty, lastSmsCode } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`citizens register and sign in (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, clock });
  const rp = await demoRelyingParty(app);
  const registryPerson = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '袁文军');
  if (!registryPerson) throw new Error('fixture missing');
  const citizen = { certType: '01', documentNumber: registryPerson.idNumber, name: registryPerson.name, phone: freshPhone() };

  await t.test('registering a registry citizen from a relying party returns real_name in the ID token', async (t) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser, { acr_values: 'urn:jsrs:level:registered' });
    t.match(flow.page.url, /\/interaction\/[\w-]+$/, 'lands on the login page');
    t.match(flow.page.text, /账号密码登录/);
    const uid = /\/interaction\/([\w-]+)/.exec(flow.page.url)?.[1] as string;
    const done = await registerThroughPages(app, browser, `/interaction/${uid}/register`, citizen);
    t.equal(done.status, 303, 'registration finishes the interaction');
    const tokens = await rp.finish(browser, done.location as string, flow);
    const claims = tokens.claims();
    t.equal(claims?.identity_level, 'real_name');
    t.equal(claims?.acr, 'urn:jsrs:level:real_name');
    t.same(claims?.amr, ['pwd', 'sms']);
    t.not(claims?.sub, citizen.documentNumber, 'sub is opaque, never the ID number');
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, claims?.sub as string);
    t.equal(info.name, citizen.name, 'profile scope releases the name');
    t.equal(info.phone_number, `+86${citizen.phone}`, 'phone scope releases the E.164 number');
    t.equal(info.id_number, citizen.documentNumber, 'identity scope releases the document number');
    t.equal(info.cert_type, '01');
    t.match(info.verified_claims, { verification: { trust_framework: String }, claims: { id_number: citizen.documentNumber } });
  });

  await t.test('a valid number not in the registry registers as registered', async (t) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const uid = /\/interaction\/([\w-]+)/.exec(flow.page.url)?.[1] as string;
    const done = await registerThroughPages(app, browser, `/interaction/${uid}/register`, { certType: '01', documentNumber: syntheticIdNumber(), name: '测试用户', phone: freshPhone() });
    t.equal(done.status, 303);
    const claims = (await rp.finish(browser, done.location as string, flow)).claims();
    t.equal(claims?.identity_level, 'registered');
    t.equal(claims?.acr, 'urn:jsrs:level:registered');
  });

  await t.test('standalone registration shows the level', async (t) => {
    const browser = createBrowser(app.url);
    const done = await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: syntheticIdNumber('19850101'), name: '王小明', phone: freshPhone() });
    t.equal(done.status, 201);
    t.match(done.text, /注册成功/);
    t.match(done.text, /注册用户/);
  });

  await t.test('every non-resident certificate type of the registry registers as real_name', async (t) => {
    for (const p of loadPopulationRegistry().filter((x) => x.certType !== '01')) {
      const res = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: p.certType, documentNumber: p.idNumber, name: p.name, phone: freshPhone() });
      t.equal(res.status, 201, `type ${p.certType} accepted`);
      t.match(res.text, /实名用户/, `type ${p.certType} matched the registry`);
    }
    const broken = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '04', documentNumber: 'M60123456', name: '陈家豪', phone: freshPhone() });
    t.equal(broken.status, 400, 'a Macau permit under the Hong Kong type is refused');
    t.match(broken.text, /aria-invalid="true" aria-describedby="e-documentNumber"/, 'on the document field');
  });

  await t.test('duplicate document and duplicate phone are refused with an appeal link', async (t) => {
    const browser = createBrowser(app.url);
    const dupDoc = await registerThroughPages(app, browser, '/register', { ...citizen, phone: freshPhone() });
    t.equal(dupDoc.status, 409);
    t.match(dupDoc.text, /该证件号码已有账号/);
    // the citizen's own forgotten account first: 登录 and 忘记密码 before the appeal, whose effect is spelled out
    const offered = [...dupDoc.text.matchAll(/href="(\/account|\/recover|\/appeal\?type=document)"/g)].map((m) => m[1]);
    t.same(offered, ['/account', '/recover', '/appeal?type=document'], '登录, 忘记密码, then 用户申诉');
    t.match(dupDoc.text, /原绑定的手机号、第三方账号关联和亲情号会被解除/);
    t.notMatch(dupDoc.text, new RegExp(citizen.phone), 'does not reveal the holder');
    // A registered phone cannot be proven by a stranger: it gets a notice (no code), so the
    // registration ends at the code step like any wrong code (issue 12). The send counts against
    // the number's limits like any other, and the number had a code less than a minute ago.
    clock.advance(61_000);
    const dupPhone = await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: syntheticIdNumber('19700101'), name: '李四', phone: citizen.phone });
    t.equal(dupPhone.status, 400);
    t.match(dupPhone.text, /短信验证码错误或已失效/);
    const notice = (await (await fetch(`${app.url}/dev/outbox.json?phone=${citizen.phone}`)).json()) as Array<{ text: string }>;
    t.match(notice[0]?.text, /您的手机号已注册/, 'the registered phone was told, with no code');
    const accounts = await testDb.database.db.selectFrom('accounts').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(accounts.n), 3 + loadPopulationRegistry().filter((x) => x.certType !== '01').length, 'no extra account was created');
  });

  await t.test('password sign-in by phone and by document number', async (t) => {
    for (const account of [citizen.phone, citizen.documentNumber.toLowerCase()]) {
      const browser = createBrowser(app.url);
      const flow = await rp.authorize(browser);
      const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password: strongPassword });
      t.equal(res.status, 303, `signed in with ${account.length} character account`);
      const claims = (await rp.finish(browser, res.location as string, flow)).claims();
      t.same(claims?.amr, ['pwd']);
      t.equal(claims?.identity_level, 'real_name');
    }
  });

  await t.test('a wrong password and an unknown account get the same answer', async (t) => {
    const answers: string[] = [];
    for (const account of [citizen.phone, freshPhone()]) {
      const browser = createBrowser(app.url);
      const flow = await rp.authorize(browser);
      const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password: 'Wrong#pass1' });
      t.equal(res.status, 401);
      answers.push(/<div class="form-error" role="alert">([^<]*)<\/div>/.exec(res.text)?.[1] ?? '');
    }
    t.equal(answers[0], '账号或密码错误');
    t.equal(answers[0], answers[1], 'identical messages');
  });

  await t.test('from the third wrong password the answer says how many tries remain, the same for an unknown account', async (t) => {
    const known = { phone: freshPhone(), documentNumber: syntheticIdNumber(), name: '锁定提示' };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', ...known })).status, 201);
    const answersFor = async (account: string) => {
      const answers: string[] = [];
      for (let i = 1; i <= 5; i += 1) {
        const browser = createBrowser(app.url);
        const flow = await rp.authorize(browser);
        const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password: 'Wrong#pass1' });
        answers.push(/<div class="form-error" role="alert">([^<]*)<\/div>/.exec(res.text)?.[1] ?? '');
      }
      return answers;
    };
    const forKnown = await answersFor(known.phone);
    t.same(forKnown.slice(0, 4), ['账号或密码错误', '账号或密码错误', '账号或密码错误。再错 2 次，账号将被锁定 4 小时（可改用手机动态码登录或找回密码）', '账号或密码错误。再错 1 次，账号将被锁定 4 小时（可改用手机动态码登录或找回密码）']);
    t.match(forKnown[4], /^账号已锁定，请于 .+ 后再试/, 'the fifth locks');
    t.same(await answersFor(freshPhone()), forKnown, 'an unknown account gets the very same answers: nothing is revealed');
  });

  await t.test('SMS sign-in', async (t) => {
    clock.advance(61_000); // the registration code went to this number less than a minute ago
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const smsPage = await browser.get(`${flow.page.url}?method=sms`);
    t.match(smsPage.text, /手机动态码登录/);
    const sent = await browser.post(`${flow.page.url}/sms/send`, {
      _csrf: inputValue(smsPage.text, '_csrf') ?? '',
      phone: citizen.phone,
      ...(await solvedCaptcha(app, smsPage.text)),
    });
    t.equal(sent.status, 200);
    t.match(sent.text, /短信验证码已发送至 139\*\*\*\*\d{4}/);
    const code = await lastSmsCode(app, citizen.phone);
    t.match(code, /^\d{6}$/);
    const res = await browser.post(`${flow.page.url}/sms/verify`, { _csrf: inputValue(sent.text, '_csrf') ?? '', flow: inputValue(sent.text, 'flow') ?? '', code: code as string });
    t.equal(res.status, 303);
    const claims = (await rp.finish(browser, res.location as string, flow)).claims();
    t.same(claims?.amr, ['sms']);
    t.equal(claims?.acr, 'urn:jsrs:level:real_name');
    const sends = await testDb.database.db.selectFrom('audit_events').select(['details']).where('event', '=', 'sms.sent').execute();
    t.ok(sends.some((s) => (s.details as { purpose?: string }).purpose === 'login'), 'SMS sends are audited');
    t.notOk(JSON.stringify(sends).includes(citizen.phone), 'with the number masked');
  });
});
