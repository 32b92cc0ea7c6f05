// Level upgrades from the user centre: 基本信息修改 raises 注册用户 to 实名用户 when the registry
// matches — only while no match holds, after the password (or an SMS code) and a captcha, within a
// daily limit, never onto a document bound as a family number — and a face check raises 实名用户 to
// 实人用户. A verified identity cannot be swapped for another person's, and no proof follows it.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { startFaceMock } from '../helpers/face-mock.js';
import { browsingRelyingParty, captchaAnswer, lastSmsCode, openidRelyingParty, solvedCaptcha } from '../helpers/oidc-flow.js';
import { postRealName } from '../helpers/real-name.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';
const fixture = (name: string) => {
  const p = loadPopulationRegistry().find((x) => x.name === name);
  if (!p) throw new Error(`fixture ${name} missing`);
  return p;
};

async function signInToCentre(browser: Browser, account: string): Promise<Response2> {
  const login = await browser.follow('/account');
  const res = await browser.post(`${login.url}/password`, { _csrf: csrf(login), account, password: strongPassword });
  return browser.follow(res.location as string);
}

/** A registered (no registry match) citizen signed in to the centre in its own browser. */
async function registeredCitizen(app: TestApp, name = '改名前'): Promise<{ browser: Browser; phone: string; accountId: string }> {
  const phone = freshPhone();
  const browser = createBrowser(app.url);
  await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: syntheticIdNumber(), name, phone });
  await signInToCentre(browser, phone);
  return { browser, phone, accountId: (await app.container.services.accounts.findAccountIdByPhone(`+86${phone}`)) as string };
}

t.test(`upgrades from the user centre (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date());
  const app = await startTestApp(t, {
    database: testDb.database,
    clock,
    env: {
      ...face.env,
      REAL_NAME_CHECKS_PER_DAY: '5',
      // Eight parallel forms re-check the password at once; the lockout lets at most five checks run
      // between two successes (a sixth may see 423). That rule has its own tests (lockout-race): here
      // the daily registry limit is what is measured, so the lockout is set out of its way.
      LOCKOUT_MAX_FAILURES: '20',
    },
  });
  const db = testDb.database.db;
  const registryChecks = async (accountId: string) =>
    (await db.selectFrom('audit_events').select('id').where('subject', '=', accountId).where('event', 'in', ['account.real_name_check', 'account.real_name_corrected']).execute()).length;

  const target = fixture('姜德明');
  const { browser, phone, accountId } = await registeredCitizen(app);

  await t.test('registered → real_name → real_person, each upgrade a proof', async (t) => {
    const home = await browser.get('/account');
    t.match(home.text, /注册用户/);
    t.match(home.text, /href="\/account\/profile\/real-name"/, 'the home page offers the way to 实名');

    const form = await browser.get('/account/profile/real-name');
    t.match(form.text, /当前密码/, 'the form asks for the password first');
    t.match(form.text, /name="captchaId"/, 'and carries a captcha');
    const mismatch = await postRealName(app, browser, form, '/account/profile/real-name', { certType: '01', documentNumber: target.idNumber, name: '不对的名字' });
    t.equal(mismatch.status, 400);
    t.match(mismatch.text, /未通过人口信息库核验/);
    const ok = await postRealName(app, browser, mismatch, '/account/profile/real-name', { certType: '01', documentNumber: target.idNumber, name: target.name });
    t.equal(ok.status, 303);
    const after = await browser.get('/account');
    t.match(after.text, /实名用户/, 'the level rose to 实名用户');
    t.match(after.text, /href="\/account\/face"/, 'and the next step is the face check');

    const facePage = await browser.get('/account/face');
    const started = await browser.post('/account/face/start', { _csrf: csrf(facePage) });
    t.equal(started.status, 303);
    const checking = await browser.get(started.location as string);
    const flow = inputValue(checking.text, 'flow') ?? '';
    const early = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow });
    t.equal(early.status, 400, 'claiming success before the verifier says so is refused');
    const certifyUrl = /<a href="([^"]+)"[^>]*>模拟扫码<\/a>/.exec(checking.text)?.[1]?.replace(/&amp;/g, '&') as string;
    await face.press(certifyUrl, 'pass');
    const done = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow });
    t.equal(done.status, 303);
    t.match((await browser.get('/account')).text, /实人用户/, 'the level rose to 实人用户');
    const replay = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow });
    t.equal(replay.status, 400, 'the same check cannot be replayed');

    const proofs = await db.selectFrom('identity_proofs').select(['kind', 'level', 'adapter']).where('account_id', '=', accountId).orderBy('created_at').execute();
    t.same(proofs.map((p) => [p.kind, p.level]), [['registry_match', 'real_name'], ['face_match', 'real_person']], 'each upgrade is a proof');
    const events = await db.selectFrom('audit_events').select('event').where('subject', '=', accountId).where('event', '=', 'account.level_changed').execute();
    t.equal(events.length, 2, 'and an audit event');
  });

  await t.test('a verified identity cannot be swapped for another registry person', async (t) => {
    const other = fixture('龚美玲');
    const page = await browser.get('/account/profile/real-name');
    t.equal(page.status, 200);
    t.match(page.text, /不能在线修改/, 'the page says why the name and document cannot change online');
    t.match(page.text, /href="\/appeal"/, 'and where to go instead');
    t.notMatch(page.text, /name="documentNumber"/, 'no form is offered');
    // The attack: a signed-in 实人 account posts another matching person with its own valid password.
    const captchaPage = await browser.get('/account/info');
    const swap = await browser.post('/account/profile/real-name', {
      _csrf: csrf(page),
      certType: '01',
      documentNumber: other.idNumber,
      name: other.name,
      reauth: 'pwd',
      current: strongPassword,
      captchaId: inputValue(captchaPage.text, 'captchaId') ?? '',
      captcha: await captchaAnswer(app),
    });
    t.equal(swap.status, 403, 'refused');
    const account = await app.container.services.accounts.getAccount(accountId);
    t.same([account?.name, account?.documentNumber, account?.level], [target.name, target.idNumber, 'real_person'], 'the account is still the person the face check saw');

    // What a relying party that needs 实人 receives is that person, not the other.
    const rp = browsingRelyingParty(await openidRelyingParty(app));
    const rpBrowser = createBrowser(app.url);
    const flow = await rp.authorize(rpBrowser, { acr_values: 'urn:jsrs:level:real_person' });
    const signedIn = await rpBrowser.post(`${flow.page.url}/password`, { _csrf: csrf(flow.page), account: phone, password: strongPassword });
    const tokens = await rp.finish(rpBrowser, signedIn.location as string, flow);
    const userinfoUrl = rp.config.serverMetadata().userinfo_endpoint as string;
    const userinfo = (await (await fetch(userinfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as Record<string, unknown>;
    t.equal(userinfo.id_number, target.idNumber, 'the relying party gets the verified person');
    t.equal(userinfo.name, target.name);
    t.equal(tokens.claims()?.acr, 'urn:jsrs:level:real_person');
  });

  await t.test('the correction asks for the password or an SMS code and a captcha, before the registry', async (t) => {
    const citizen = await registeredCitizen(app, '核验前');
    const identity = { certType: '01', documentNumber: fixture('姜德明').idNumber, name: '随便' };
    const form = await citizen.browser.get('/account/profile/real-name');
    const wrongPassword = await postRealName(app, citizen.browser, form, '/account/profile/real-name', identity, { current: 'Wrong-password-1' });
    t.equal(wrongPassword.status, 400);
    t.match(wrongPassword.text, /当前密码错误/);
    const wrongCaptcha = await postRealName(app, citizen.browser, wrongPassword, '/account/profile/real-name', identity, { captcha: 'zzzz' });
    t.equal(wrongCaptcha.status, 400);
    t.match(wrongCaptcha.text, /图形验证码/);
    t.equal(await registryChecks(citizen.accountId), 0, 'the registry was not asked for either');

    // The SMS way: the code is sent after its own captcha, then entered with the form.
    clock.advance(61_000); // the registration's code went to this phone under a minute ago
    const smsPage = await citizen.browser.get('/account/profile/real-name?reauth=sms');
    t.match(smsPage.text, /获取验证码/);
    t.notMatch(smsPage.text, /name="documentNumber"/, 'the form comes once the code is on its way');
    const sent = await citizen.browser.post('/account/profile/real-name/send', { _csrf: csrf(smsPage), ...(await solvedCaptcha(app, smsPage.text)) });
    t.equal(sent.status, 200);
    const code = await lastSmsCode(app, citizen.phone);
    t.ok(code, 'a code was sent to the bound phone');
    const viaSms = await postRealName(app, citizen.browser, sent, '/account/profile/real-name', { certType: '01', documentNumber: syntheticIdNumber('19800101'), name: '无此人' }, { reauth: 'sms', code: code as string, current: '' });
    t.equal(viaSms.status, 400);
    t.match(viaSms.text, /未通过人口信息库核验/, 'the SMS code let the check through to the registry');
  });

  await t.test('a document bound as a family number is refused, like at registration', async (t) => {
    const member = fixture('钱玉珍');
    const binder = await registeredCitizen(app, '绑定人');
    const binderPerson = fixture('韦明哲');
    const page = await binder.browser.get('/account/profile/real-name');
    t.equal((await postRealName(app, binder.browser, page, '/account/profile/real-name', { certType: '01', documentNumber: binderPerson.idNumber, name: binderPerson.name })).status, 303);
    await app.container.services.family.bind(binder.accountId, { certType: '01', documentNumber: member.idNumber, name: member.name, relation: 'parent' });

    const squatter = await registeredCitizen(app, '占用人');
    const form = await squatter.browser.get('/account/profile/real-name');
    const refused = await postRealName(app, squatter.browser, form, '/account/profile/real-name', { certType: '01', documentNumber: member.idNumber, name: member.name });
    t.equal(refused.status, 409);
    t.equal((await app.container.services.accounts.getAccount(squatter.accountId))?.level, 'registered');
    t.notOk((await app.container.services.accounts.getAccount(squatter.accountId))?.documentNumber === member.idNumber, 'the document was not taken');
  });

  await t.test('a daily limit of registry checks holds under parallel requests', async (t) => {
    const citizen = await registeredCitizen(app, '限额测试');
    // Eight forms, each with its own captcha, posted at once with names the registry will not match.
    const forms: Array<{ page: Response2; answer: string }> = [];
    for (let i = 0; i < 8; i += 1) {
      const page = await citizen.browser.get('/account/profile/real-name');
      forms.push({ page, answer: await captchaAnswer(app) });
    }
    const answers = await Promise.all(
      forms.map(({ page, answer }, i) =>
        postRealName(app, citizen.browser, page, '/account/profile/real-name', { certType: '01', documentNumber: fixture('姜德明').idNumber, name: `猜测${i}` }, { captcha: answer }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    t.same(statuses, [400, 400, 400, 400, 400, 429, 429, 429], 'five checks reach the registry, the rest are refused');
    t.equal(await registryChecks(citizen.accountId), 5, 'and the registry was asked five times');
    t.match(answers.find((a) => a.status === 429)?.text ?? '', /今日核验次数已达上限/);
  });
});
