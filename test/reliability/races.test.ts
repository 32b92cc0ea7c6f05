// Races over HTTP (issue 8): many concurrent requests, then exact counts in the database.
// 20 parallel wrong passwords lock at exactly the configured count (on an account and on an
// unknown identifier); two parallel registrations with the same document number (web and app API)
// or the same phone end with one account and one clean refusal.

import t, { type Test } from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import type { Challenge } from 'altcha-lib';
import { captchaAnswer, solvedCaptcha, solvePow, demoRelyingParty, lastSmsCode } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { formError } from '../helpers/security.js';

const parallel = 20;

t.test(`races over HTTP (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, {
    database: testDb.database,
    overrides: { rateLimits: { postsPerIpPerMinute: 10_000 }, sms: { perNumberPerMinute: 100, perNumberPerHour: 100, perNumberPerDay: 100, perIpPerHour: 10_000 } },
  });
  const { db } = testDb.database;
  const rp = await demoRelyingParty(app);
  const maxFailures = app.container.config.security.lockoutMaxFailures;
  t.equal(maxFailures, 5, 'the configured lockout count');
  const accountCount = async () => Number((await db.selectFrom('accounts').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const expectedStatuses = [...Array<number>(maxFailures - 1).fill(401), ...Array<number>(parallel - maxFailures + 1).fill(423)];

  /** `parallel` browsers, each on the login page of its own authorization, ready to post. */
  const loginPages = () =>
    Promise.all(
      Array.from({ length: parallel }, async () => {
        const browser = createBrowser(app.url);
        const flow = await rp.authorize(browser);
        return { browser, url: flow.page.url, token: inputValue(flow.page.text, '_csrf') as string };
      }),
    );

  const lockRace = async (t: Test, account: string) => {
    const pages = await loginPages();
    const responses = await Promise.all(pages.map(({ browser, url, token }) => browser.post(`${url}/password`, { _csrf: token, account, password: 'Wrong#pass1' })));
    t.same(responses.map((r) => r.status).sort(), expectedStatuses, `${maxFailures - 1} × 401, then ${parallel - maxFailures + 1} × 423`);
    for (const r of responses) t.match(formError(r.text), r.status === 401 ? /^账号或密码错误(。再错 \d 次，账号将被锁定 4 小时（可改用手机动态码登录或找回密码）)?$/ : /^账号已锁定，请于 .+ 后再试/);
    return responses;
  };

  const assertLockedOnce = async (t: Test, key: string, subject: string | null) => {
    const row = await db.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
    t.ok(row, 'one failure row for the key');
    t.ok((row?.failures ?? 0) >= maxFailures && (row?.failures ?? 0) <= parallel, `failures counted: ${row?.failures}`);
    t.ok(row?.locked_until && row.locked_until.getTime() > Date.now() + 3.9 * 3600 * 1000, 'locked for the configured time');
    const locks = await db.selectFrom('audit_events').select(['details', 'subject']).where('event', '=', 'account.locked').execute();
    const mine = locks.filter((l) => l.subject === subject);
    t.equal(mine.length, 1, 'the lock engaged exactly once');
    t.equal((mine[0]?.details as { failures?: number } | undefined)?.failures, maxFailures, `at exactly failure ${maxFailures}`);
  };

  await t.test(`${parallel} parallel wrong passwords on an account`, async (t) => {
    const person = { certType: '01', documentNumber: syntheticIdNumber(), name: '并发用户', phone: freshPhone() };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
    const accountId = (await app.container.services.accounts.findAccountIdByPhone(`+86${person.phone}`)) as string;
    t.ok(accountId);
    await lockRace(t, person.phone);
    await assertLockedOnce(t, `account:${accountId}`, accountId);
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const right = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') as string, account: person.documentNumber, password: strongPassword });
    t.equal(right.status, 423, 'the right password is refused while locked (by document number too)');
  });

  await t.test(`${parallel} parallel wrong passwords on an unknown identifier`, async (t) => {
    const unknown = freshPhone();
    const before = new Set((await db.selectFrom('login_failures').select('key').execute()).map((r) => r.key));
    await lockRace(t, unknown);
    const added = (await db.selectFrom('login_failures').select('key').execute()).filter((r) => !before.has(r.key));
    t.equal(added.length, 1, 'one new failure row (the identifier key)');
    t.match(added[0]?.key, /^identifier:/);
    await assertLockedOnce(t, added[0]?.key as string, null);
  });

  /** Fills the web registration form and sends the code; returns the form to post for 注册. */
  const webReady = async (browser: Browser, person: { documentNumber: string; name: string; phone: string }) => {
    const page = await browser.get('/register');
    const identity = { certType: '01', documentNumber: person.documentNumber, name: person.name, phone: person.phone };
    const sent = await browser.post('/register', { _csrf: inputValue(page.text, '_csrf') as string, flow: '', ...identity, ...(await solvedCaptcha(app, page.text)), action: 'send' });
    if (sent.status !== 200) throw new Error(`send answered ${sent.status}: ${formError(sent.text)}`);
    return { _csrf: inputValue(sent.text, '_csrf') as string, flow: inputValue(sent.text, 'flow') as string, ...identity, code: (await lastSmsCode(app, person.phone)) as string, password: strongPassword, confirmPassword: strongPassword, agreePrivacy: 'yes', agreeDocument: 'yes', action: 'register' };
  };

  await t.test('two parallel web registrations with the same document number', async (t) => {
    const documentNumber = syntheticIdNumber('19820202');
    const a = createBrowser(app.url);
    const b = createBrowser(app.url);
    const formA = await webReady(a, { documentNumber, name: '甲用户', phone: freshPhone() });
    const formB = await webReady(b, { documentNumber, name: '乙用户', phone: freshPhone() });
    const before = await accountCount();
    const results = await Promise.all([a.post('/register', formA), b.post('/register', formB)]);
    t.same(results.map((r) => r.status).sort(), [201, 409], 'one account, one conflict');
    const loser = results.find((r) => r.status === 409) as Response2;
    t.match(loser.text, /该证件号码已有账号/);
    t.match(loser.text, /href="\/appeal\?type=document"/);
    t.equal(await accountCount(), before + 1, 'exactly one account was created');
    const documents = await db.selectFrom('account_documents').select('account_id').where('number_index', '=', app.container.secrets.blindIndex('document', documentNumber)).execute();
    t.equal(documents.length, 1, 'one document row');
    const orphans = await db.selectFrom('accounts').leftJoin('account_documents', 'account_documents.account_id', 'accounts.id').select('accounts.id').where('account_documents.account_id', 'is', null).execute();
    t.same(orphans, [], 'no account without its document (nothing half-written)');
  });

  await t.test('two parallel web registrations with the same phone', async (t) => {
    const phone = freshPhone();
    const a = createBrowser(app.url);
    const b = createBrowser(app.url);
    const formA = await webReady(a, { documentNumber: syntheticIdNumber('19830303'), name: '丙用户', phone });
    const formB = await webReady(b, { documentNumber: syntheticIdNumber('19840404'), name: '丁用户', phone });
    // B's send voided A's code: both hold the one live code (the phone's owner typed it twice).
    formA.code = formB.code;
    const before = await accountCount();
    const results = await Promise.all([a.post('/register', formA), b.post('/register', formB)]);
    const statuses = results.map((r) => r.status).sort();
    t.same(statuses, [201, 400], 'one registration succeeds, the other is refused');
    const loser = results.find((r) => r.status !== 201) as Response2;
    const message = /<p class="error" id="e-(phone|code)">([^<]*)<\/p>/.exec(loser.text)?.[2];
    // The code is single use, so the loser's verification fails before the account insert.
    t.equal(message, '短信验证码错误或已失效', 'because the code was used');
    t.equal(await accountCount(), before + 1, 'exactly one account was created');
    const phones = await db.selectFrom('phones').select('account_id').where('phone_index', '=', app.container.secrets.blindIndex('phone', `+86${phone}`)).execute();
    t.equal(phones.length, 1, 'one phone row');
  });

  await t.test('two parallel app-API registrations with the same document number', async (t) => {
    const documentNumber = syntheticIdNumber('19850505');
    const api = createBrowser(app.url);
    const ready = async (name: string) => {
      const phone = freshPhone();
      const captcha = JSON.parse((await api.request('/api/register/captcha', { method: 'POST', json: {} })).text) as { captcha_id: string; pow_challenge: Challenge };
      const sent = await api.request('/api/register/sms-code', { method: 'POST', json: { cert_type: '01', document_number: documentNumber, name, phone, captcha_id: captcha.captcha_id, captcha_answer: await captchaAnswer(app), pow_solution: await solvePow(captcha.pow_challenge) } });
      if (sent.status !== 200) throw new Error(`sms-code answered ${sent.status}: ${sent.text}`);
      const { flow_id } = JSON.parse(sent.text) as { flow_id: string };
      return { flow_id, cert_type: '01', document_number: documentNumber, name, phone, sms_code: (await lastSmsCode(app, phone)) as string, password: strongPassword, agree_privacy: true, agree_document: true };
    };
    const bodyA = await ready('戊用户');
    const bodyB = await ready('己用户');
    const before = await accountCount();
    const results = await Promise.all([bodyA, bodyB].map((json) => api.request('/api/register', { method: 'POST', json })));
    t.same(results.map((r) => r.status).sort(), [201, 409], 'one account, one conflict');
    const loser = JSON.parse((results.find((r) => r.status === 409) as Response2).text) as Record<string, unknown>;
    t.match(loser, { error: 'conflict', appeal: 'document', fields: { document_number: '该证件号码已有账号' } });
    const winner = JSON.parse((results.find((r) => r.status === 201) as Response2).text) as Record<string, unknown>;
    t.match(winner, { sub: String, identity_level: 'registered' });
    t.equal(await accountCount(), before + 1, 'exactly one account was created');
  });
});
