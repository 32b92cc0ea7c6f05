// 用户申诉 matches the certificate type as well as the number (issue 12), over HTTP: the holder of
// a Taiwan permit whose digits equal a stranger's passport number passes the face check as
// themselves, yet cannot take the passport account over, nor move a reclaimed phone into it.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startFaceMock } from '../helpers/face-mock.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRelyingParty, lastSmsCode, solvedCaptcha } from '../helpers/oidc-flow.js';

t.test(`an appeal cannot take over an account of another certificate type (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, env: face.env, clock });
  const db = testDb.database.db;
  const rp = await demoRelyingParty(app);
  const permitHolder = loadPopulationRegistry().find((p) => p.certType === '06');
  if (!permitHolder) throw new Error('fixture missing: a Taiwan permit holder');

  // A stranger registered a passport (08) with the same digits as the permit (06).
  const passport = { certType: '08', documentNumber: permitHolder.idNumber, name: 'SMITH JOHN', phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', passport)).status, 201, 'the passport registered');
  const passportId = (await app.container.services.accounts.findAccountIdByDocument(passport.documentNumber)) as string;
  t.equal((await app.container.services.accounts.getAccount(passportId))?.certType, '08');

  const startAppeal = async (browser: Browser, type: 'document' | 'phone') => {
    const page = await browser.get('/appeal');
    const started = await browser.post('/appeal', { _csrf: inputValue(page.text, '_csrf') ?? '', type, certType: '06', documentNumber: permitHolder.idNumber, name: permitHolder.name });
    t.equal(started.status, 303);
    return started.location as string;
  };
  const passFace = async (browser: Browser, flowUrl: string): Promise<Response2> => {
    const page = await browser.get(flowUrl);
    const started = await browser.post(`${flowUrl}/face`, { _csrf: inputValue(page.text, '_csrf') ?? '' });
    const facePage = await browser.get(started.location as string);
    const certifyUrl = /<a href="([^"]+)"[^>]*>模拟扫码<\/a>/.exec(facePage.text)?.[1]?.replace(/&amp;/g, '&') as string;
    await face.press(certifyUrl, 'pass');
    return browser.post(`${flowUrl}/face/continue`, { _csrf: inputValue(facePage.text, '_csrf') ?? '', flow: inputValue(facePage.text, 'flow') ?? '' });
  };
  const passwordWorks = async (account: string) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    return (await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password: strongPassword })).status === 303;
  };

  await t.test('证件号码被占用 with a Taiwan permit: no takeover of the passport account', async (t) => {
    const browser = createBrowser(app.url);
    const flowUrl = await startAppeal(browser, 'document');
    const afterFace = await passFace(browser, flowUrl);
    t.equal(afterFace.status, 200, 'the face check of the permit holder passed and the appeal ended');
    t.match(afterFace.text, /以另一种证件类型注册的账号/, 'telling that the number belongs to another type of document');
    t.notMatch(afterFace.text, /为该账号设置新密码/, 'no takeover form');
    const token = inputValue((await browser.get('/appeal')).text, '_csrf') ?? '';
    const takeover = await browser.post(`${flowUrl}/takeover`, { _csrf: token, password: 'Renew#2026abc', confirmPassword: 'Renew#2026abc' });
    t.equal(takeover.status, 400, 'posting the takeover anyway is refused');
    t.notMatch(takeover.text, /账号已找回/);
    t.equal((await db.selectFrom('audit_events').select('id').where('event', '=', 'appeal.document_takeover').execute()).length, 0, 'nothing was taken over');
    t.ok(await passwordWorks(passport.phone), "the passport holder's phone and password still sign in");
  });

  await t.test('移动电话被占用 with a Taiwan permit: the phone does not move into the passport account', async (t) => {
    const squatted = freshPhone();
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber('19800202'), name: '占用者', phone: squatted })).status, 201);
    clock.advance(61_000);
    const browser = createBrowser(app.url);
    const flowUrl = await startAppeal(browser, 'phone');
    t.equal((await passFace(browser, flowUrl)).status, 303, 'face passed');
    const phonePage = await browser.get(flowUrl);
    const sent = await browser.post(`${flowUrl}/phone`, { _csrf: inputValue(phonePage.text, '_csrf') ?? '', phone: squatted, ...(await solvedCaptcha(app, phonePage.text)) });
    t.equal(sent.status, 303);
    const codePage = await browser.get(flowUrl);
    const done = await browser.post(`${flowUrl}/phone/verify`, { _csrf: inputValue(codePage.text, '_csrf') ?? '', code: (await lastSmsCode(app, squatted)) as string });
    t.match(done.text, /您现在可以用它注册/, 'the number is freed, as for a citizen without an account');
    t.equal(await app.container.services.accounts.findAccountIdByPhone(`+86${squatted}`), undefined, 'it is in no account');
    t.equal((await app.container.services.accounts.getAccount(passportId))?.phoneE164, `+86${passport.phone}`, 'the passport account keeps its own phone');
  });
});
