// The lockout under parallel attack, over HTTP (issue 12): 50 parallel POSTs to the login form run
// at most 5 bcrypt verifications and the right password sent among them does not sign in once the
// lock engaged; a locked key verifies nothing; an unknown identifier answers the same; the user
// centre's password re-check (reveal, password change) holds the same lock.

import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { formError } from '../helpers/security.js';

const parallel = 50;
const wrong = 'Wrong#pass1';
const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';

t.test(`lockout race over HTTP (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 100_000 } } });
  const rp = await demoRelyingParty(app);
  const { hasher } = app.container.services;
  t.equal(app.container.config.security.lockoutMaxFailures, 5);
  const verifications = () => hasher.stats().verifications;

  const register = async () => {
    const person = { certType: '01', documentNumber: syntheticIdNumber(), name: '并发用户', phone: freshPhone() };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
    return person;
  };
  /** `parallel` browsers on the login page of their own authorization. */
  const loginPages = () =>
    Promise.all(
      Array.from({ length: parallel }, async () => {
        const browser = createBrowser(app.url);
        const flow = await rp.authorize(browser);
        return { browser, url: flow.page.url, token: csrf(flow.page) };
      }),
    );
  /** Posts all forms at once; `passwords[i]` goes with page i (sent in that order). */
  const race = async (account: string, passwords: string[]) => {
    const pages = await loginPages();
    const before = verifications();
    const responses = await Promise.all(pages.map(({ browser, url, token }, i) => browser.post(`${url}/password`, { _csrf: token, account, password: passwords[i] ?? wrong })));
    return { responses, verified: verifications() - before };
  };
  /** One sign-in attempt from a fresh browser. */
  const attempt = async (account: string, password: string) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    return browser.post(`${flow.page.url}/password`, { _csrf: csrf(flow.page), account, password });
  };
  const statuses = (responses: Response2[]) => {
    const count: Record<number, number> = {};
    for (const r of responses) count[r.status] = (count[r.status] ?? 0) + 1;
    return count;
  };

  await t.test('49 wrong passwords and the right one, in parallel: at most 5 verifications, no sign-in', async (t) => {
    const person = await register();
    const passwords = [...Array<string>(parallel - 1).fill(wrong), strongPassword];
    const { responses, verified } = await race(person.phone, passwords);
    t.ok(verified <= 5, `${verified} bcrypt verifications (at most 5)`);
    t.same(statuses(responses), { 401: 4, 423: 46 }, '4 × wrong, then 46 × locked; no 303');
    const right = responses[parallel - 1] as Response2;
    t.equal(right.status, 423, 'the right password, in flight when the lock engaged, does not sign in');
    for (const r of responses) t.match(formError(r.text), r.status === 401 ? /^账号或密码错误(。再错 \d 次，账号将被锁定 4 小时（可改用手机动态码登录或找回密码）)?$/ : /^账号已锁定，请于 .+ 后再试/);

    const again = await race(person.documentNumber, Array<string>(parallel).fill(strongPassword));
    t.equal(again.verified, 0, 'a locked account verifies nothing, even 50 right passwords at once');
    t.same(statuses(again.responses), { 423: parallel });
  });

  await t.test('an unknown identifier: the same answers and the same number of verifications', async (t) => {
    const { responses, verified } = await race(freshPhone(), Array<string>(parallel).fill(strongPassword));
    t.equal(verified, 5, 'five dummy verifications, as for an account');
    t.same(statuses(responses), { 401: 4, 423: 46 });
  });

  await t.test('sequential: 4 wrong, then the right password signs in and resets the count', async (t) => {
    const person = await register();
    for (let i = 0; i < 4; i += 1) t.equal((await attempt(person.phone, wrong)).status, 401);
    t.equal((await attempt(person.phone, strongPassword)).status, 303, 'the right password in the 5th attempt signs in');
    for (let i = 0; i < 4; i += 1) t.equal((await attempt(person.phone, wrong)).status, 401, 'the count started again');
    const locked = await attempt(person.phone, wrong);
    t.equal(locked.status, 423, 'the 5th wrong password locks');
    t.match(formError(locked.text), /^账号已锁定，请于 .+ 后再试/, 'and says until when');
  });

  await t.test("the user centre's password re-check is held by the same lock", async (t) => {
    const person = await register();
    const browser: Browser = createBrowser(app.url);
    const login = await browser.follow('/account');
    const signedIn = await browser.post(`${login.url}/password`, { _csrf: csrf(login), account: person.phone, password: strongPassword });
    t.equal(signedIn.status, 303);
    await browser.follow(signedIn.location as string);
    const info = await browser.get('/account/info');
    const passwordPage = await browser.get('/account/password');
    const before = verifications();
    const posts = Array.from({ length: parallel }, (_, i) =>
      i % 2 === 0
        ? browser.post('/account/info/reveal', { _csrf: csrf(info), reauth: 'pwd', current: i === parallel - 2 ? strongPassword : wrong })
        : browser.post('/account/password', { _csrf: csrf(passwordPage), current: wrong, password: 'Next#2026pass', confirmPassword: 'Next#2026pass' }),
    );
    const responses = await Promise.all(posts);
    t.ok(verifications() - before <= 5, `${verifications() - before} verifications across reveal and password change (at most 5)`);
    t.notOk(responses.some((r) => r.status === 200 && r.text.includes(person.documentNumber)), 'the document number was not revealed');
    t.equal(responses.filter((r) => r.status === 423).length, parallel - 4, 'the rest say locked');
    t.equal((await attempt(person.phone, strongPassword)).status, 423, 'and password sign-in is locked too (one lock per account)');
  });
});
