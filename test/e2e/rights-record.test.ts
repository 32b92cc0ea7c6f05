// 我的权益单: a 注册用户 is told why and how to upgrade (and a POST from one is a 403 page that says
// so); a 实名 citizen sees the insurances without amounts, and the amounts only after the shared
// re-authentication block — the password again or an SMS code (purpose `rights`, rate limited like
// every send) — each attempt audited without amounts or personal data; an unreachable core system
// is a clear 暂时无法查询 page; the HTTP adapter's answers; the centre's new POSTs (权益单 amounts,
// its code send, the case rating) answer malformed input with a 4xx.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createHttpRightsRecordSource } from '../../src/adapters/rights-record/http.js';
import { syntheticRightsRecord } from '../../src/adapters/rights-record/mock.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { UpstreamError } from '../../src/errors/app-error.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { centreBrowser } from '../helpers/centre-http.js';
import { createBrowser, inputValue, type Response2 } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { lastSmsCode, solvedCaptcha } from '../helpers/oidc-flow.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';
const escaped = (text: string) => new RegExp(text.replace(/[.,]/g, '\\$&'));

/** The messages the dev outbox holds for `phone`, newest first. */
async function outbox(app: Pick<TestApp, 'url'>, phone: string): Promise<Array<{ text: string }>> {
  return (await (await fetch(`${app.url}/dev/outbox.json?phone=${encodeURIComponent(phone)}`)).json()) as Array<{ text: string }>;
}

t.test(`我的权益单 (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, clock });
  const fixture = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '周若溪');
  if (!fixture) throw new Error('fixture missing');
  const realName: Person = { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone: freshPhone() };
  const registered: Person = { certType: '01', documentNumber: syntheticIdNumber('19870101'), name: '未实名', phone: freshPhone() };
  for (const p of [realName, registered]) t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', p)).status, 201);
  const record = syntheticRightsRecord(fixture.idNumber, new Date().getUTCFullYear());
  const pension = record.insurances.find((i) => i.type === 'pension');
  const balance = (pension?.accountBalance as number).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const viewed = async (method: string) =>
    (await testDb.database.db.selectFrom('audit_events').select(['outcome', 'details']).where('event', '=', 'account.rights_viewed').orderBy('id').execute())
      .filter((a) => a.details.method === method);

  await t.test('a 注册用户 is told why and how', async (t) => {
    const browser = await centreBrowser(app, registered);
    const page = await browser.get('/account/rights');
    t.equal(page.status, 200);
    t.match(page.text, /仅向实名用户及以上开放/);
    t.match(page.text, /href="\/account\/profile\/real-name"/);
    t.notMatch(page.text, /企业职工基本养老保险/, 'no record');

    // Posting the amounts form or asking for its code anyway: a 403 page that says why and how, nothing sent or audited.
    clock.advance(61_000);
    const sentBefore = (await outbox(app, registered.phone)).length;
    for (const [path, form] of [
      ['/account/rights/amounts', { _csrf: csrf(page), reauth: 'pwd', current: strongPassword }],
      ['/account/rights/amounts', { _csrf: csrf(page), reauth: 'sms', code: '123456' }],
      ['/account/rights/amounts/send', { _csrf: csrf(page), captchaId: 'x', captcha: 'x', pow: '' }],
    ] as const) {
      const refused = await browser.post(path, form);
      t.equal(refused.status, 403, `${path} (${form.reauth ?? 'send'}): 403`);
      t.match(refused.text, /仅向实名用户及以上开放/, 'says why, in Chinese');
      t.match(refused.text, /href="\/account\/profile\/real-name"/, 'and how to upgrade');
      t.notMatch(refused.text, /企业职工基本养老保险/, 'no record');
    }
    t.equal((await outbox(app, registered.phone)).length, sentBefore, 'no SMS sent');
    t.equal((await viewed('pwd')).length + (await viewed('sms')).length, 0, 'nothing to audit: nothing was asked');
  });

  await t.test('a 实名 citizen, password way: amounts only after the password again, audited', async (t) => {
    const browser = await centreBrowser(app, realName);
    const page = await browser.get('/account/rights');
    t.equal(page.status, 200);
    t.match(page.text, /企业职工基本养老保险[\s\S]*职工基本医疗保险[\s\S]*失业保险[\s\S]*工伤保险[\s\S]*生育保险/, 'the five insurances');
    t.match(page.text, new RegExp(`<td>${pension?.months}</td>`), '累计缴费月数 shows');
    t.notMatch(page.text, escaped(balance), 'no amount before the check');
    t.match(page.text, /验证后显示/);
    t.match(page.text, /确认是本人|验证身份/, 'the shared re-authentication block');
    t.match(page.text, /name="reauth" value="pwd"/, 'the password way first');
    t.match(page.text, /href="\/account\/rights\?reauth=sms"/, 'with the SMS way a link away');
    t.notMatch(page.text, /name="grant"/, 'no grant before the check');
    const wrong = await browser.post('/account/rights/amounts', { _csrf: csrf(page), reauth: 'pwd', current: 'Wrong#pass1' });
    t.equal(wrong.status, 400);
    t.match(wrong.text, /当前密码错误/, 'says why');
    t.notMatch(wrong.text, escaped(balance), 'a wrong password shows no amount');
    t.notMatch(wrong.text, /name="grant"/, 'and hands out no grant');
    const right = await browser.post('/account/rights/amounts', { _csrf: csrf(page), reauth: 'pwd', current: strongPassword });
    t.equal(right.status, 200);
    t.match(right.text, escaped(balance), '个人账户累计储存额 after the check');
    t.match(right.text, /历年缴费情况/);
    t.ok(inputValue(right.text, 'grant'), 'the download form carries the grant');
    const audit = await viewed('pwd');
    t.same(audit.map((a) => a.outcome), ['failure', 'success'], 'each attempt audited');
    t.same(audit.map((a) => a.details), [{ method: 'pwd', reason: 'password' }, { method: 'pwd' }], 'with its method and why it failed, nothing else');

    // Malformed input on the centre's new POSTs: never a 5xx, never a stack.
    for (const path of ['/account/rights/amounts', '/account/rights/amounts/send', '/account/cases/not-a-case/rating', '/account/cases/00000000-0000-4000-8000-000000000000/rating']) {
      for (const form of [{}, { _csrf: 'forged' }, { _csrf: csrf(page), reauth: 'sms', code: 'x'.repeat(5000), captcha: '<script>', captchaId: '\u0000', pow: 'y'.repeat(9000), password: 'x'.repeat(5000), level: '<script>', overall: '99', comment: '\u0000'.repeat(10) }]) {
        const res = await browser.post(path, form as Record<string, string>);
        t.ok(res.status >= 400 && res.status < 500, `${path} with ${Object.keys(form).join(',') || 'nothing'}: ${res.status}, a 4xx`);
        t.notMatch(res.text, /at \w+ \(|node_modules|\.ts:\d+/, 'no stack');
      }
    }
  });

  await t.test('a 实名 citizen, SMS way: a code for the purpose rights, rate limited; a wrong code shows nothing', async (t) => {
    const browser = await centreBrowser(app, realName);
    const earlier = (await viewed('sms')).length; // the malformed posts above
    clock.advance(61_000); // the registration's code went to this phone under a minute ago
    const smsPage = await browser.get('/account/rights?reauth=sms');
    t.equal(smsPage.status, 200);
    t.match(smsPage.text, /action="\/account\/rights\/amounts\/send"/, 'the block\'s send form');
    t.match(smsPage.text, /获取验证码/);
    t.notMatch(smsPage.text, /name="code"/, 'the code field comes once the code is on its way');
    const before = (await outbox(app, realName.phone)).length;
    const sent = await browser.post('/account/rights/amounts/send', { _csrf: csrf(smsPage), ...(await solvedCaptcha(app, smsPage.text)) });
    t.equal(sent.status, 200);
    t.match(sent.text, /短信验证码已发送至/);
    t.match(sent.text, /name="code"/, 'now the code field');
    t.notMatch(sent.text, escaped(balance), 'no amount yet');
    const messages = await outbox(app, realName.phone);
    t.equal(messages.length, before + 1, 'one SMS');
    t.match(messages[0]?.text ?? '', /查看个人权益单金额信息/, 'the rights template');
    const code = await lastSmsCode(app, realName.phone);
    if (!code) throw new Error('no code sent');

    // Rate limited like every send: a second code within the minute is refused, nothing sent.
    const again = await browser.get('/account/rights?reauth=sms');
    const limited = await browser.post('/account/rights/amounts/send', { _csrf: csrf(again), ...(await solvedCaptcha(app, again.text)) });
    t.equal(limited.status, 429);
    t.match(limited.text, /发送过于频繁/);
    t.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After');
    t.equal((await outbox(app, realName.phone)).length, before + 1, 'no second SMS');
    const badCaptcha = await browser.post('/account/rights/amounts/send', { _csrf: csrf(again), captchaId: inputValue(again.text, 'captchaId') ?? '', captcha: 'zzzz', pow: '' });
    t.equal(badCaptcha.status, 400, 'a wrong captcha or missing proof of work: 400');

    const wrongCode = code === '123456' ? '654321' : '123456';
    const wrong = await browser.post('/account/rights/amounts', { _csrf: csrf(sent), reauth: 'sms', code: wrongCode });
    t.equal(wrong.status, 400);
    t.match(wrong.text, /短信验证码错误或已失效/, 'says why');
    t.notMatch(wrong.text, escaped(balance), 'a wrong code shows no amount');
    t.match(wrong.text, /name="code"/, 'the code can be typed again');
    const reveal = await browser.post('/account/info/reveal', { _csrf: csrf(sent), reauth: 'sms', code });
    t.equal(reveal.status, 400, 'a rights code reveals no document number (a purpose of its own)');
    t.notMatch(reveal.text, new RegExp(realName.documentNumber), 'the number stays masked');
    const right = await browser.post('/account/rights/amounts', { _csrf: csrf(sent), reauth: 'sms', code });
    t.equal(right.status, 200);
    t.match(right.text, escaped(balance), 'the amounts after the SMS code');
    t.ok(inputValue(right.text, 'grant'), 'and the grant for the download with amounts');
    const replayed = await browser.post('/account/rights/amounts', { _csrf: csrf(sent), reauth: 'sms', code });
    t.equal(replayed.status, 400, 'a code works once');
    t.notMatch(replayed.text, escaped(balance));

    const audit = (await viewed('sms')).slice(earlier);
    t.same(audit.map((a) => a.outcome), ['failure', 'success', 'failure'], 'each attempt audited');
    const everything = JSON.stringify(await testDb.database.db.selectFrom('audit_events').select('details').where('event', '=', 'account.rights_viewed').execute());
    for (const secret of [balance, String(pension?.accountBalance), code, realName.phone, realName.documentNumber, realName.name]) {
      t.notOk(everything.includes(secret), 'no amount, code or personal data in the audit');
    }
  });

  await t.test('an unreachable core system', async (t) => {
    const browser = await centreBrowser(app, realName);
    const services = app.container.services as { rights: { recordFor: (...a: string[]) => Promise<unknown> } };
    const real = services.rights;
    services.rights = { recordFor: () => Promise.reject(new UpstreamError('rights', 'rights.unavailable')) };
    t.teardown(() => { services.rights = real; });
    const down = await browser.get('/account/rights');
    t.equal(down.status, 503, 'an unreachable core system: 503, not 500');
    t.match(down.text, /社会保险信息系统暂时无法查询/);
  });

  await t.test('a locked account: the password way shows nothing, and the audit says locked', async (t) => {
    const browser = await centreBrowser(app, realName);
    const page = await browser.get('/account/rights');
    for (let i = 0; i < 5; i += 1) await browser.post('/account/rights/amounts', { _csrf: csrf(page), reauth: 'pwd', current: `Wrong#pass${i}` });
    const locked = await browser.post('/account/rights/amounts', { _csrf: csrf(page), reauth: 'pwd', current: strongPassword });
    t.equal(locked.status, 423, 'the sign-in lockout holds the re-check');
    t.match(locked.text, /账号已锁定/);
    t.notMatch(locked.text, escaped(balance), 'not even the right password shows the amounts');
    t.same((await viewed('pwd')).at(-1)?.details, { method: 'pwd', reason: 'locked' });
  });
});

t.test('the HTTP adapter', async (t) => {
  let answer: [number, unknown] = [200, {}];
  const received: Array<{ auth: string | undefined; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body });
      res.statusCode = answer[0];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer[1]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`;
  const source = createHttpRightsRecordSource({ url, apiKey: 'k-123', timeoutMs: 2000 });
  answer = [200, { insurances: [{ type: 'pension', status: 'active', place: '南京市', first_month: '2010-03', months: 180, account_balance: 65432.1 }], years: [{ year: 2025, base: 8000, months: 12 }], benefits: [] }];
  const got = await source.recordFor('01', '320102199003077710');
  t.equal(got?.insurances[0]?.accountBalance, 65432.1);
  t.equal(got?.insurances[0]?.firstMonth, '2010-03');
  t.equal(received[0]?.auth, 'Bearer k-123');
  t.same(JSON.parse(received[0]?.body ?? '{}'), { cert_type: '01', id_number: '320102199003077710' });
  answer = [404, {}];
  t.equal(await source.recordFor('01', 'x'), undefined, '404: no record');
  for (const bad of [[500, {}], [200, { insurances: 'nope' }]] as Array<[number, unknown]>) {
    answer = bad;
    await t.rejects(source.recordFor('01', 'x'), UpstreamError, `${bad[0]} ${JSON.stringify(bad[1])}: unavailable`);
  }
  await t.rejects(createHttpRightsRecordSource({ url: 'http://127.0.0.1:1/records', apiKey: '', timeoutMs: 500 }).recordFor('01', 'x'), UpstreamError, 'unreachable: unavailable');
});
