// Issue 15: a first 江苏政务 sign-in that creates an account binds a phone, and the number 江苏政务
// has on record (its userinfo `mobile`) is offered there — masked in the page, sealed in the flow,
// never in a URL — yet binding it still takes the SMS code sent to it (the upstream's word is no
// proof of possession). Another number can be chosen instead; a flow without an offer ignores the choice.

import t from 'tap';
import * as client from 'openid-client';
import { loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRelyingParty, lastSmsCode, solvedCaptcha } from '../helpers/oidc-flow.js';
import { startUpstreamMocks, throughAlipay, throughJszw } from '../helpers/upstreams.js';

const fixtures = loadUpstreamAccounts();
const csrf = (html: string) => inputValue(html, '_csrf') ?? '';
const uidOf = (url: string) => /\/interaction\/([\w-]+)/.exec(url)?.[1] as string;
const masked = (national: string) => `${national.slice(0, 3)}****${national.slice(-4)}`;

t.test(`bind a phone: the upstream's number offered, proven by its code (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const mocks = await startUpstreamMocks(t, { timeoutMs: 5000 });
  const app = await startTestApp(t, { database: testDb.database, overrides: mocks.overrides });
  mocks.attach(app);
  const rp = await demoRelyingParty(app);
  const db = testDb.database.db;

  /** A first sign-in through `via` in a fresh browser, up to the bind-phone page. */
  const toBindPhone = async (via: (start: string) => Promise<string>, method: 'jszw' | 'alipay') => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const uid = uidOf(flow.page.url);
    const begun = await browser.post(`/interaction/${uid}/federated/${method}`, { _csrf: csrf(flow.page.text) });
    const callback = await via(begun.location as string);
    const done = await browser.follow(callback);
    t.match(done.url, new RegExp(`/interaction/${uid}/bind-phone\\?flow=[\\w-]+$`), 'a new account binds a phone first');
    return { browser, flow, uid, page: done };
  };
  const send = (browser: Browser, page: Response2, fields: Record<string, string>) =>
    solvedCaptcha(app, page.text).then((captcha) => browser.post(page.url.replace(/\?.*$/, '/send'), { _csrf: csrf(page.text), flow: inputValue(page.text, 'flow') ?? '', ...captcha, ...fields }));
  const verify = (browser: Browser, page: Response2, code: string) => browser.post(page.url.replace(/\/send$/, '/verify'), { _csrf: csrf(page.text), flow: inputValue(page.text, 'flow') ?? '', code });
  const flowFactsText = async () => (await db.selectFrom('flows').select('facts').where('kind', '=', 'login-bind-phone').execute()).map((r) => JSON.stringify(r.facts)).join('\n');

  await t.test('江苏政务 knows the number: offered masked, chosen by default, bound only after its code', async (t) => {
    const person = fixtures.jszw[0]!;
    const { browser, flow, page } = await toBindPhone((start) => throughJszw(start, person), 'jszw');
    t.match(page.text, `使用江苏政务登记的手机号 ${masked(person.phone)}`, 'offered, masked');
    t.match(page.text, /<input type="radio" name="phone_choice" value="upstream" checked>/, 'the offer is the default');
    t.notOk(page.text.includes(person.phone) || page.url.includes(person.phone), 'the full number is neither in the page nor in the URL');
    t.notOk((await flowFactsText()).includes(person.phone.slice(3)), 'nor in clear in the flow');

    const sent = await send(browser, page, { phone_choice: 'upstream', phone: '' });
    t.equal(sent.status, 200);
    t.match(sent.text, `短信验证码已发送至 ${masked(person.phone)}`);
    t.notOk(sent.text.includes(person.phone), 'the code page shows it masked too');
    const code = await lastSmsCode(app, person.phone);
    t.match(code, /^\d{6}$/, 'the code went to the number 江苏政务 has on record');

    const wrong = await verify(browser, sent, code === '000000' ? '111111' : '000000');
    t.equal(wrong.status, 401, "the upstream's word alone binds nothing");
    t.equal(await db.selectFrom('phones').select('account_id').where('account_id', 'in', db.selectFrom('upstream_links').select('account_id').where('upstream', '=', 'jszw')).executeTakeFirst(), undefined, 'no phone bound yet');

    const right = await verify(browser, wrong, code as string);
    t.equal(right.status, 303);
    const tokens = await rp.finish(browser, right.location as string, flow);
    t.same(tokens.claims()?.amr, ['fed', 'jszw']);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()?.sub as string);
    t.equal(info.phone_number, `+86${person.phone}`, 'the offered number is bound');
    t.equal(info.phone_number_verified, true);
  });

  await t.test('another number can be chosen instead; it is the one that gets the code', async (t) => {
    const person = fixtures.jszw[1]!;
    const mine = freshPhone();
    const { browser, flow, page } = await toBindPhone((start) => throughJszw(start, person), 'jszw');
    t.match(page.text, `使用江苏政务登记的手机号 ${masked(person.phone)}`);
    const noNumber = await send(browser, page, { phone_choice: 'other', phone: '' });
    t.equal(noNumber.status, 400, 'choosing another number needs one');
    t.match(noNumber.text, /<input type="radio" name="phone_choice" value="other" checked>/, 'the choice is kept');
    const sent = await send(browser, noNumber, { phone_choice: 'other', phone: mine });
    t.equal(sent.status, 200);
    t.match(sent.text, `短信验证码已发送至 ${masked(mine)}`);
    t.equal(await lastSmsCode(app, person.phone), undefined, "nothing went to the upstream's number");
    const done = await verify(browser, sent, (await lastSmsCode(app, mine)) as string);
    const tokens = await rp.finish(browser, done.location as string, flow);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()?.sub as string);
    t.equal(info.phone_number, `+86${mine}`);
  });

  await t.test('an upstream without a number offers nothing, and a forged choice changes nothing', async (t) => {
    const user = fixtures.alipay.find((a) => a.certified)!;
    const { browser, page } = await toBindPhone((start) => throughAlipay(start, user), 'alipay');
    t.notMatch(page.text, /phone_choice|登记的手机号/, 'no offer');
    const forged = await send(browser, page, { phone_choice: 'upstream', phone: '' });
    t.equal(forged.status, 400, 'no number to send to');
    t.match(forged.text, /请输入手机号码/);
  });
});
