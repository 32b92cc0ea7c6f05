// The proof of work on the sends that cost money, over HTTP against the real app: every SMS send
// route refuses a send without a solved challenge (a clear Chinese message, or a JSON error on
// the app API), a solution is spent once, an expired one is refused, and the normal path works.

import t from 'tap';
import type { Challenge } from 'altcha-lib';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { captchaAnswer, demoRelyingParty, lastSmsCode, powChallengeOf, solvedCaptcha, solvePow } from '../helpers/oidc-flow.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';
const captchaError = (page: Response2) => /<p class="error" id="e-captcha">([^<]*)<\/p>/.exec(page.text)?.[1] ?? '';

/** The captcha answered but no proof: what a browser without JavaScript (or a script) sends. */
async function withoutProof(app: TestApp, page: Response2) {
  return { captchaId: inputValue(page.text, 'captchaId') ?? '', captcha: await captchaAnswer(app), pow: '' };
}

async function outboxCount(app: TestApp, phone: string): Promise<number> {
  return ((await (await fetch(`${app.url}/dev/outbox.json?phone=${phone}`)).json()) as unknown[]).length;
}

async function apiCaptcha(app: TestApp): Promise<{ captcha_id: string; pow_challenge: Challenge; answer: string }> {
  const issued = (await (await fetch(`${app.url}/api/register/captcha`, { method: 'POST' })).json()) as { captcha_id: string; pow_challenge: Challenge };
  return { ...issued, answer: await captchaAnswer(app) };
}

async function apiSend(app: TestApp, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}/api/register/sms-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

t.test(`proof of work on SMS sends (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, clock });
  const rp = await demoRelyingParty(app);

  await t.test('registration page: without the proof the send is refused and says why; with it the code goes out', async (t) => {
    const browser = createBrowser(app.url);
    const page = await browser.get('/register');
    t.match(page.text, /<script src="\/static\/js\/proof-of-work\.js" defer><\/script>/, 'the page loads the solver (a static file)');
    t.match(page.text, /<noscript><p class="hint">获取短信验证码前，浏览器需要自动完成一项安全校验，请启用 JavaScript。<\/p><\/noscript>/);
    t.match(page.text, /<img src="data:image\/jpeg;base64,[^"]+" alt="图形验证码图片（4 个字符，不区分大小写），看不清请点“换一张”"/);
    t.match(page.text, /<a href="\/register" class="captcha-refresh" data-captcha-refresh>换一张<\/a>/, 'a refresh that works without JavaScript');
    const phone = freshPhone();
    const identity = { certType: '01', documentNumber: syntheticIdNumber(), name: '无脚本', phone };
    const refused = await browser.post('/register', { _csrf: csrf(page), flow: '', ...identity, ...(await withoutProof(app, page)), action: 'send' });
    t.equal(refused.status, 400);
    t.equal(captchaError(refused), '浏览器未完成发送短信前的安全校验：请启用 JavaScript 后重新输入图形验证码并获取验证码');
    t.equal(await lastSmsCode(app, phone), undefined, 'nothing was sent');
    t.equal(inputValue(refused.text, 'phone'), phone, 'what was typed stays');
    const sent = await browser.post('/register', { _csrf: csrf(refused), flow: '', ...identity, ...(await solvedCaptcha(app, refused.text)), action: 'send' });
    t.equal(sent.status, 200);
    t.match(await lastSmsCode(app, phone), /^\d{6}$/);
  });

  const citizen = { certType: '01', documentNumber: syntheticIdNumber('19800101'), name: '李工作', phone: freshPhone() };
  await registerThroughPages(app, createBrowser(app.url), '/register', citizen);

  /** The login page's SMS tab of a fresh authorization request. */
  const smsTab = async (browser: Browser) => {
    const flow = await rp.authorize(browser);
    return { base: flow.page.url, page: await browser.get(`${flow.page.url}?method=sms`) };
  };

  await t.test('login by SMS: a replayed solution is refused, the first use worked', async (t) => {
    clock.advance(61_000);
    const browser = createBrowser(app.url);
    const first = await smsTab(browser);
    const solved = await solvedCaptcha(app, first.page.text);
    const sent = await browser.post(`${first.base}/sms/send`, { _csrf: csrf(first.page), phone: citizen.phone, ...solved });
    t.equal(sent.status, 200, 'the normal path sends');
    const again = await smsTab(browser);
    const replay = await browser.post(`${again.base}/sms/send`, { _csrf: csrf(again.page), phone: freshPhone(), captchaId: inputValue(again.page.text, 'captchaId') ?? '', captcha: await captchaAnswer(app), pow: solved.pow });
    t.equal(replay.status, 400);
    t.equal(captchaError(replay), '安全校验已使用过，请重新输入图形验证码并获取验证码');
  });

  await t.test('login by SMS: an expired solution is refused', async (t) => {
    const browser = createBrowser(app.url);
    const early = await smsTab(browser);
    const stale = await solvePow(powChallengeOf(early.page.text));
    clock.advance(601_000);
    const late = await smsTab(browser);
    const phone = freshPhone();
    const res = await browser.post(`${late.base}/sms/send`, { _csrf: csrf(late.page), phone, captchaId: inputValue(late.page.text, 'captchaId') ?? '', captcha: await captchaAnswer(app), pow: stale });
    t.equal(res.status, 400);
    t.equal(captchaError(res), '安全校验已过期，请重新输入图形验证码并获取验证码');
    t.equal(await lastSmsCode(app, phone), undefined);
  });

  await t.test('app API: the captcha comes with a challenge; sms-code needs its solution, once, before it expires', async (t) => {
    const person = () => ({ cert_type: '01', document_number: syntheticIdNumber('19910101'), name: '王应用', phone: freshPhone() });
    const missing = await apiCaptcha(app);
    t.match(missing.pow_challenge, { parameters: { algorithm: 'SHA-256', keyPrefix: /^[0-9a-f]+$/ }, signature: /^[0-9a-f]{64}$/ });
    const noProof = await apiSend(app, { ...person(), captcha_id: missing.captcha_id, captcha_answer: missing.answer });
    t.equal(noProof.status, 400);
    t.same(noProof.body, { error: 'invalid_input', message: '浏览器未完成发送短信前的安全校验：请启用 JavaScript 后重新输入图形验证码并获取验证码', fields: { pow_solution: '浏览器未完成发送短信前的安全校验：请启用 JavaScript 后重新输入图形验证码并获取验证码' } });

    const ok = await apiCaptcha(app);
    const solution = await solvePow(ok.pow_challenge);
    const first = person();
    const sent = await apiSend(app, { ...first, captcha_id: ok.captcha_id, captcha_answer: ok.answer, pow_solution: solution });
    t.equal(sent.status, 200, 'the normal path');
    t.match(await lastSmsCode(app, first.phone), /^\d{6}$/);

    const next = await apiCaptcha(app);
    const replay = await apiSend(app, { ...person(), captcha_id: next.captcha_id, captcha_answer: next.answer, pow_solution: solution });
    t.equal(replay.status, 400);
    t.match(replay.body, { error: 'invalid_input', fields: { pow_solution: '安全校验已使用过，请重新输入图形验证码并获取验证码' } });

    const early = await apiCaptcha(app);
    const stale = await solvePow(early.pow_challenge);
    clock.advance(601_000);
    const late = await apiCaptcha(app);
    const expired = await apiSend(app, { ...person(), captcha_id: late.captcha_id, captcha_answer: late.answer, pow_solution: stale });
    t.equal(expired.status, 400);
    t.match(expired.body, { fields: { pow_solution: '安全校验已过期，请重新输入图形验证码并获取验证码' } });
  });

  await t.test('recovery and the account centre sends refuse a missing proof too', async (t) => {
    clock.advance(61_000);
    const messagesBefore = await outboxCount(app, citizen.phone);
    const recovering = createBrowser(app.url);
    const identifyPage = await recovering.get('/recover');
    const chosen = await recovering.post('/recover', { _csrf: csrf(identifyPage), certType: '01', documentNumber: citizen.documentNumber, name: citizen.name, captchaId: inputValue(identifyPage.text, 'captchaId') ?? '', captcha: await captchaAnswer(app) });
    t.equal(chosen.status, 303);
    const choosePage = await recovering.get(chosen.location as string);
    const refused = await recovering.post(`${chosen.location}/sms`, { _csrf: csrf(choosePage), ...(await withoutProof(app, choosePage)) });
    t.equal(refused.status, 400, 'recovery');
    t.match(captchaError(refused), /^浏览器未完成发送短信前的安全校验/);

    const browser = createBrowser(app.url);
    const login = await browser.follow('/account');
    const signedIn = await browser.post(`${login.url}/password`, { _csrf: csrf(login), account: citizen.phone, password: strongPassword });
    t.equal(signedIn.status, 303);
    await browser.follow(signedIn.location as string);
    const info = await browser.get('/account/info?reauth=sms');
    const reveal = await browser.post('/account/info/reveal/send', { _csrf: csrf(info), ...(await withoutProof(app, info)) });
    t.equal(reveal.status, 400, 'reveal of the document number');
    t.match(captchaError(reveal), /^浏览器未完成发送短信前的安全校验/);
    const phonePage = await browser.get('/account/phone');
    const change = await browser.post('/account/phone', { _csrf: csrf(phonePage), action: 'send_old', ...(await withoutProof(app, phonePage)) });
    t.equal(change.status, 400, 'change of phone');
    t.match(captchaError(change), /^浏览器未完成发送短信前的安全校验/);
    t.equal(await outboxCount(app, citizen.phone), messagesBefore, 'no message was sent');
  });
});
