// Step-up by acr inside one authorization request: a relying party asks for more than the
// citizen's sign-in proves, the citizen completes the real-name check and a live face check
// (asked from the verifier server-side), and the client gets the higher acr — or access_denied.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty, lastSmsCode, solvedCaptcha } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { startFaceMock } from '../helpers/face-mock.js';
import { postRealName } from '../helpers/real-name.js';

const person = (name: string) => {
  const p = loadPopulationRegistry().find((x) => x.name === name);
  if (!p) throw new Error(`fixture ${name} missing`);
  return p;
};

t.test(`step-up from registered and from real_name to real_person (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date());
  const app = await startTestApp(t, { database: testDb.database, env: face.env, clock });
  const rp = await demoRelyingParty(app);

  const signIn = async (browser: Browser, account: string, params: Record<string, string>) => {
    const flow = await rp.authorize(browser, params);
    const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password: strongPassword });
    t.equal(res.status, 303, 'password accepted');
    return { flow, next: res };
  };
  /** Follows redirects until a step-up page (or the client) answers. */
  const toStepUp = async (browser: Browser, res: Response2) => browser.follow(res.location as string, (u) => u.startsWith(demoRedirect));
  /** Registers `documentNumber`/`name` in a fresh browser, which then asks for real_person; returns the step-up page. */
  const registeredAtStepUp = async (documentNumber: string, name: string) => {
    const phone = freshPhone();
    const browser = createBrowser(app.url);
    await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber, name, phone });
    const { flow, next } = await signIn(browser, phone, { acr_values: 'urn:jsrs:level:real_person' });
    return { browser, flow, stepUp: await toStepUp(browser, next) };
  };
  const faceStep = async (browser: Browser, page: Response2, outcome: 'pass' | 'fail') => {
    const started = await browser.post(page.url.replace(/\?.*$/, '/face/start'), {
      _csrf: inputValue(page.text, '_csrf') ?? '',
      flow: inputValue(page.text, 'flow') ?? '',
    });
    t.equal(started.status, 303, 'face check started');
    const facePage = await browser.get(started.location as string);
    t.match(facePage.text, /使用支付宝APP或江苏智慧人社APP扫码完成人脸识别/);
    const certifyUrl = /<a href="([^"]+)"[^>]*>模拟扫码<\/a>/.exec(facePage.text)?.[1]?.replace(/&amp;/g, '&');
    t.ok(certifyUrl, 'the QR is followed by a 模拟扫码 link');
    const statusUrl = /data-status-url="([^"]+)"/.exec(facePage.text)?.[1]?.replace(/&amp;/g, '&') as string;
    t.same(JSON.parse((await browser.get(statusUrl)).text), { status: 'pending' }, 'pending before the phone acts');
    t.equal(await face.press(certifyUrl as string, outcome), 200);
    return { facePage, statusUrl };
  };

  await t.test('registered → real_name (registry) → real_person (face), one request', async (t) => {
    const { browser, flow, stepUp } = await registeredAtStepUp(syntheticIdNumber(), '待实名');
    const target = person('龚美玲');
    t.match(stepUp.url, /\/step-up\?flow=/);
    t.match(stepUp.text, /实名认证/);
    const realNameAction = stepUp.url.replace(/\?.*$/, '/real-name');
    t.match(stepUp.text, /当前密码/, 'the real-name check first asks the citizen to prove it is them');
    const noPassword = await postRealName(app, browser, stepUp, realNameAction, { certType: '01', documentNumber: target.idNumber, name: target.name }, { current: 'Not-the-password1' });
    t.equal(noPassword.status, 400, 'a wrong password is refused before the registry is asked');
    t.match(noPassword.text, /当前密码错误/);
    const wrong = await postRealName(app, browser, noPassword, realNameAction, { certType: '01', documentNumber: target.idNumber, name: '错误姓名' });
    t.equal(wrong.status, 400);
    t.match(wrong.text, /未通过人口信息库核验/);
    const corrected = await postRealName(app, browser, wrong, realNameAction, { certType: '01', documentNumber: target.idNumber, name: target.name });
    t.equal(corrected.status, 303, 'real-name check passed');
    const facePageBefore = await browser.get(corrected.location as string);
    t.match(facePageBefore.text, /人脸识别/);
    const { statusUrl } = await faceStep(browser, facePageBefore, 'pass');
    t.same(JSON.parse((await browser.get(statusUrl)).text), { status: 'passed' });
    const again = await browser.get(corrected.location as string);
    const done = await browser.post(corrected.location?.replace(/\?.*$/, '/continue') as string, { _csrf: inputValue(again.text, '_csrf') ?? '', flow: inputValue(again.text, 'flow') ?? '' });
    t.equal(done.status, 303);
    const claims = (await rp.finish(browser, done.location as string, flow)).claims();
    t.equal(claims?.acr, 'urn:jsrs:level:real_person:face', 'the client gets the higher acr');
    t.equal(claims?.identity_level, 'real_person');
    t.ok((claims?.amr as string[]).includes('face'));
    const proofs = await testDb.database.db.selectFrom('identity_proofs').select(['kind', 'adapter']).where('account_id', '=', claims?.sub as string).execute();
    t.same(proofs.map((p) => p.kind).sort(), ['face_match', 'registry_match'], 'each upgrade recorded as a proof');
    const audit = await testDb.database.db.selectFrom('audit_events').select('event').where('subject', '=', claims?.sub as string).execute();
    t.ok(audit.some((a) => a.event === 'account.level_changed'), 'and in the audit log');
  });

  await t.test('the SMS way of proving it is you: a wrong captcha, a resend too early (Retry-After), then the code', async (t) => {
    const phone = freshPhone();
    const browser = createBrowser(app.url);
    await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '短信实名', phone });
    const registrationCode = await lastSmsCode(app, phone);
    const { next } = await signIn(browser, phone, { acr_values: 'urn:jsrs:level:real_person' });
    const stepUp = await toStepUp(browser, next);
    const sendAction = stepUp.url.replace(/\?.*$/, '/real-name/send');
    const smsPage = async () => {
      const page = await browser.get(`${stepUp.url}&reauth=sms`);
      t.match(page.text, /获取验证码/);
      return { page, form: { _csrf: inputValue(page.text, '_csrf') ?? '', flow: inputValue(page.text, 'flow') ?? '', ...(await solvedCaptcha(app, page.text)) } };
    };
    const first = await smsPage();
    const wrongCaptcha = await browser.post(sendAction, { ...first.form, captcha: 'zzzz' });
    t.equal(wrongCaptcha.status, 400);
    t.match(wrongCaptcha.text, /图形验证码/, 'shown under the send form');
    const second = await smsPage();
    const early = await browser.post(sendAction, second.form);
    t.equal(early.status, 429, 'the registration\'s code went to this phone moments ago: the resend interval applies');
    t.ok(Number(early.headers.get('retry-after')) > 0, 'a refused send says when to try again');
    t.equal(await lastSmsCode(app, phone), registrationCode, 'no new code went out');
    clock.advance(61_000);
    const sent = await browser.post(sendAction, (await smsPage()).form);
    t.equal(sent.status, 200);
    t.match(sent.text, /短信验证码已发送至/);
    const code = await lastSmsCode(app, phone);
    t.not(code, registrationCode, 'a new code went to the bound phone');
    const target = person('韩婷婷');
    const viaSms = await postRealName(app, browser, sent, stepUp.url.replace(/\?.*$/, '/real-name'), { certType: '01', documentNumber: target.idNumber, name: target.name }, { reauth: 'sms', code: code as string, current: '' });
    t.equal(viaSms.status, 303, 'the code proved it is them and the registry matched');
  });

  await t.test('real_name → real_person; a failed face check ends with access_denied', async (t) => {
    const citizen = person('林俊杰');
    const { browser, stepUp } = await registeredAtStepUp(citizen.idNumber, citizen.name);
    t.match(stepUp.text, /开始人脸识别/, 'real_name accounts go straight to the face check');
    await faceStep(browser, stepUp, 'fail');
    const page = await browser.get(stepUp.url);
    const refused = await browser.post(stepUp.url.replace(/\?.*$/, '/continue'), { _csrf: inputValue(page.text, '_csrf') ?? '', flow: inputValue(page.text, 'flow') ?? '' });
    t.equal(refused.status, 400, 'continuing without a passed face check is refused');
    const cancel = await browser.post(stepUp.url.replace(/\?.*$/, '/cancel'), { _csrf: inputValue(page.text, '_csrf') ?? '', flow: inputValue(page.text, 'flow') ?? '' });
    const back = await browser.follow(cancel.location as string, (u) => u.startsWith(demoRedirect));
    const url = new URL(back.url);
    t.equal(url.searchParams.get('error'), 'access_denied', 'the client gets access_denied');
    t.equal(url.searchParams.get('code'), null, 'and no code');
    const ids = await testDb.database.db.selectFrom('accounts').select('id').execute();
    const levels = await Promise.all(ids.map(async ({ id }) => (await app.container.services.accounts.getAccount(id))?.level));
    t.equal(levels.filter((l) => l === 'real_person').length, 1, 'the failed check raised nobody');
  });

  await t.test('steps cannot be skipped, replayed or taken from another browser', async (t) => {
    const citizen = person('于嘉琪');
    const { browser, stepUp } = await registeredAtStepUp(citizen.idNumber, citizen.name);
    const flowId = inputValue(stepUp.text, 'flow') ?? '';
    const skip = await postRealName(app, browser, stepUp, stepUp.url.replace(/\?.*$/, '/real-name'), { certType: '01', documentNumber: citizen.idNumber, name: citizen.name }, { flow: flowId });
    t.equal(skip.status, 400, 'the real-name step cannot be called once past it');
    const other = createBrowser(app.url);
    const foreign = await other.get(`${stepUp.url.replace(/\?.*$/, '/face/status')}?flow=${flowId}`);
    t.ok(foreign.status >= 400 && foreign.status < 500, 'another browser cannot read this flow');
    const forged = await browser.get(`${stepUp.url.replace(/\?.*$/, '/face/status')}?flow=not-a-flow`);
    t.equal(forged.status, 400);
  });
});
