// 注销账号 (/account/delete) end to end over HTTP: the page says what goes and what the law keeps; an
// unticked box refuses without counting a password attempt; a wrong password refuses and deletes
// nothing; success deletes every row tied to the account, tells the relying parties by back-channel
// logout (a real loopback endpoint; the token verified against the JWKS), ends the browser's
// sessions, audits counts only, and frees the document number and phone for a new registration.

import t from 'tap';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createControllableClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/log/logger.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { demoClientMetadata } from '../../src/oidc/clients-file.js';
import { insertCaseIfNew } from '../../src/repositories/cases.js';
import { insertUpstreamLinkRow } from '../../src/repositories/upstream-links.js';
import { accountLockoutKey } from '../../src/services/lockout.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { backchannelEvent, backchannelReceiver } from '../helpers/backchannel.js';
import { centreBrowser } from '../helpers/centre-http.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { browsingRelyingParty, lastSmsCode, openidRelyingParty, solvedCaptcha } from '../helpers/oidc-flow.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';

t.test(`注销账号 (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const db = testDb.database.db;
  const clock = createControllableClock();
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString('utf8')); done(); } }));
  const app: TestApp = await startTestApp(t, {
    database: testDb.database,
    clock,
    logger,
    overrides: {
      // the relying parties listen on loopback, which the provider calls only when allowed
      security: { outboundAllowedNetworks: ['127.0.0.0/8'] },
      rateLimits: { postsPerIpPerMinute: 100_000 },
      sms: { perNumberPerMinute: 100, perNumberPerHour: 100, perNumberPerDay: 100, perIpPerHour: 100_000 },
    },
  });
  const { services } = app.container;

  // Two relying parties with back-channel logout: one that answers 200, one that fails with 500.
  const receiver = await backchannelReceiver(t);
  const broken = await backchannelReceiver(t, { status: 500 });
  const rpClient = { clientId: 'delete-rp', clientSecret: 'delete-rp-secret-0123456789abcdef0123456789' };
  const brokenClient = { clientId: 'delete-rp-broken', clientSecret: 'delete-rp-broken-secret-0123456789abcdef01234' };
  for (const [c, uri] of [[rpClient, receiver.url], [brokenClient, broken.url]] as const) {
    await app.container.clients.save(
      { ...demoClientMetadata(app.container.config), client_id: c.clientId, client_secret: c.clientSecret, client_name: `注销测试应用 ${c.clientId}`, backchannel_logout_uri: uri, backchannel_logout_session_required: true },
      'cli',
    );
  }

  /** Signs `person` in at a relying party in a fresh browser; returns the ID token's claims. */
  const signInAtRp = async (person: Person, c: { clientId: string; clientSecret: string }) => {
    const rp = browsingRelyingParty(await openidRelyingParty(app, { ...c, scope: 'openid profile' }));
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const signedIn = await browser.post(`${flow.page.url}/password`, { _csrf: csrf(flow.page), account: person.phone, password: person.password ?? strongPassword });
    if (signedIn.status !== 303) throw new Error(`RP sign-in answered ${signedIn.status}`);
    const tokens = await rp.finish(browser, signedIn.location as string, flow);
    return { claims: tokens.claims(), tokens };
  };

  const register = async (person: Person) => {
    const done = await registerThroughPages(app, createBrowser(app.url), '/register', person);
    if (done.status !== 201) throw new Error(`registration answered ${done.status}`);
    return (await services.accounts.findAccountIdByDocument(person.documentNumber)) as string;
  };
  const failuresOf = async (accountId: string) =>
    (await db.selectFrom('login_failures').select('failures').where('key', '=', accountLockoutKey(accountId)).executeTakeFirst())?.failures ?? 0;
  /** Every row that names the account, per table. */
  const rowsOf = async (accountId: string) => {
    const count = async (table: 'accounts' | 'phones' | 'account_documents' | 'password_credentials' | 'identity_proofs' | 'upstream_links' | 'account_sessions' | 'cases' | 'favourites', column: 'id' | 'account_id') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where(column, '=', accountId).executeTakeFirstOrThrow()).n);
    return {
      accounts: await count('accounts', 'id'),
      phones: await count('phones', 'account_id'),
      documents: await count('account_documents', 'account_id'),
      passwords: await count('password_credentials', 'account_id'),
      proofs: await count('identity_proofs', 'account_id'),
      upstreamLinks: await count('upstream_links', 'account_id'),
      centreSessions: await count('account_sessions', 'account_id'),
      cases: await count('cases', 'account_id'),
      favourites: await count('favourites', 'account_id'),
      familyBindings: Number((await db.selectFrom('family_bindings').select((eb) => eb.fn.countAll().as('n')).where('binder_account_id', '=', accountId).executeTakeFirstOrThrow()).n),
      providerRows: Number((await db.selectFrom('oidc_payloads').select((eb) => eb.fn.countAll().as('n')).where(sql<string>`payload->>'accountId'`, '=', accountId).executeTakeFirstOrThrow()).n),
    };
  };

  // 实名: a registry person with an upstream link, a family number, a case, and sessions at both relying parties.
  const registry = loadPopulationRegistry().filter((p) => p.certType === '01');
  const [realPerson, relative] = registry.slice(40, 42);
  if (!realPerson || !relative) throw new Error('fixture too small');
  const citizen: Person = { certType: '01', documentNumber: realPerson.idNumber, name: realPerson.name, phone: freshPhone() };
  const citizenId = await register(citizen);
  t.equal((await services.accounts.getAccount(citizenId))?.level, 'real_name', 'the citizen is 实名');
  await db.transaction().execute((trx) => insertUpstreamLinkRow(trx, { accountId: citizenId, upstream: 'essc', subject: `essc-${citizenId}`, now: clock.now() }));
  await services.family.bind(citizenId, { certType: '01', documentNumber: relative.idNumber, name: relative.name, relation: 'parent' });
  await insertCaseIfNew(db, { id: randomUUID(), clientId: rpClient.clientId, caseNo: 'DEL-1', accountId: citizenId, service: '社保卡申领', department: '人社局', status: 'in_progress', statusNote: null, detailUrl: null, submittedAt: clock.now(), statusAt: clock.now(), completedAt: null }, clock.now());
  const atRp = await signInAtRp(citizen, rpClient);
  await signInAtRp(citizen, brokenClient);
  const centre: Browser = await centreBrowser(app, citizen);
  const before = await rowsOf(citizenId);
  t.match(before, { accounts: 1, phones: 1, documents: 1, passwords: 1, upstreamLinks: 1, familyBindings: 1, cases: 1 }, 'the citizen holds all of it');
  t.ok(before.providerRows >= 4 && before.centreSessions >= 1, 'with provider sessions, grants and tokens and a centre session');

  await t.test('the page lists what is deleted and what the law keeps; 修改密码 links to it', async (t) => {
    const password = await centre.get('/account/password');
    t.match(password.text, /<a href="\/account\/delete">注销账号<\/a>/, 'linked from 修改密码');
    const page = await centre.get('/account/delete');
    t.equal(page.status, 200);
    t.match(page.text, /将被删除的内容/);
    t.match(page.text, new RegExp(`手机号绑定：${citizen.phone.slice(0, 3)}\\*{4}${citizen.phone.slice(-4)}`), 'the phone, masked');
    t.match(page.text, /关联的第三方账号（电子社保卡、江苏政务、支付宝）：1 个/);
    t.match(page.text, /亲情号绑定：1 个/);
    t.match(page.text, /已授权的应用及其授权：2 个/, "the two relying parties, not the centre itself");
    t.match(page.text, /办件记录及评价：1 件/);
    t.match(page.text, /依法保留的内容/);
    t.match(page.text, new RegExp(`保存 ${app.container.config.audit.retentionDays} 天`), 'audit records, for their retention period');
    t.match(page.text, /同一证件号码和手机号码可以重新注册/);
    t.notOk(page.text.includes(citizen.documentNumber), 'never the full document number');
  });

  await t.test('an unticked box refuses without counting a password attempt, even a wrong one', async (t) => {
    const page = await centre.get('/account/delete');
    for (const current of [strongPassword, 'Wrong#2026pass']) {
      const res = await centre.post('/account/delete', { _csrf: csrf(page), reauth: 'pwd', current });
      t.equal(res.status, 400);
      t.match(res.text, /请先勾选“我已了解上述内容，确认注销本账号”/, 'says what is missing, in Chinese');
    }
    t.equal(await failuresOf(citizenId), 0, 'no attempt counted');
    t.same(await rowsOf(citizenId), before, 'nothing deleted');
  });

  await t.test('a wrong password refuses, counts one attempt and deletes nothing; no CSRF token, nothing at all', async (t) => {
    const page = await centre.get('/account/delete');
    const res = await centre.post('/account/delete', { _csrf: csrf(page), reauth: 'pwd', current: 'Wrong#2026pass', confirm: 'yes' });
    t.equal(res.status, 400);
    t.match(res.text, /当前密码错误/);
    t.equal(await failuresOf(citizenId), 1, 'counted towards the lockout like any password check');
    const forged = await centre.post('/account/delete', { reauth: 'pwd', current: strongPassword, confirm: 'yes' });
    t.equal(forged.status, 403, 'no CSRF token: refused');
    t.same(await rowsOf(citizenId), before, 'nothing deleted');
    t.equal(receiver.received.length, 0, 'no relying party told');
  });

  await t.test('success deletes everything listed, tells the relying parties and ends the sessions', async (t) => {
    const page = await centre.get('/account/delete');
    const res = await centre.post('/account/delete', { _csrf: csrf(page), reauth: 'pwd', current: strongPassword, confirm: 'yes' });
    t.equal(res.status, 200);
    t.match(res.text, /账号已注销/);
    t.match(res.text, /<a class="button" href="\/">返回首页<\/a>/, 'a button to the home portal');
    const cleared = res.headers.getSetCookie?.() ?? [];
    t.ok(cleared.some((c) => /^_jsrs_account=;/.test(c)), 'the centre cookie is cleared');
    t.ok(cleared.some((c) => /^_jsrs_session=;/.test(c)), 'the provider session cookie is cleared');

    t.same(await rowsOf(citizenId), { accounts: 0, phones: 0, documents: 0, passwords: 0, proofs: 0, upstreamLinks: 0, centreSessions: 0, cases: 0, favourites: 0, familyBindings: 0, providerRows: 0 }, 'no row names the account');
    t.equal(await failuresOf(citizenId), 0, 'its lockout counter went too');
    t.equal(await services.family.isBound(relative.idNumber), false, 'the family number is free');

    const [logoutToken] = await receiver.waitFor(1);
    t.ok(logoutToken, 'the relying party received a logout token');
    const { payload, protectedHeader } = await jwtVerify(logoutToken as string, createRemoteJWKSet(new URL(`${app.url}/jwks`)), { issuer: app.container.config.issuer, audience: rpClient.clientId, typ: 'logout+jwt' });
    t.equal(protectedHeader.typ, 'logout+jwt');
    t.equal(payload.sub, atRp.claims?.sub, 'for the deleted citizen');
    t.equal(payload.sid, atRp.claims?.sid, 'and the session it knew');
    t.ok(payload.events && typeof payload.events === 'object' && backchannelEvent in payload.events, 'with the back-channel logout event');
    t.equal(broken.received.length, 1, 'the failing relying party was asked too');
    const warned = lines.filter((l) => l.includes('back-channel logout failed'));
    t.equal(warned.length, 1, 'its failure is logged');
    t.match(warned[0], /delete-rp-broken/, 'with the client');
    for (const secret of [citizen.phone, citizen.documentNumber, citizen.name, citizenId]) t.notOk(warned[0]?.includes(secret), 'and nothing about the person');

    const again = await centre.get('/account');
    t.equal(again.status, 303, 'the centre asks for a new sign-in');
    t.match(again.location ?? '', /\/auth\?/);
    const oldAccessToken = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${atRp.tokens.access_token}` } });
    t.equal(oldAccessToken.status, 401, 'its access tokens no longer work');
  });

  await t.test('the audit row carries counts only', async (t) => {
    const rows = await db.selectFrom('audit_events').selectAll().where('subject', '=', citizenId).where('event', '=', 'account.deleted').orderBy('id').execute();
    t.same(rows.map((r) => r.outcome), ['failure', 'success'], 'the refused try and the deletion');
    const success = rows[1];
    // the two test relying parties and the user centre's own session
    t.match(success?.details, { method: 'pwd', upstreamLinks: 1, familyBindings: 1, cases: 1, phone: 1, document: 1, relyingParties: 3 });
    // the whole rows hold no number or name; the details (counts) not even their last four digits
    const rowsText = JSON.stringify(rows);
    for (const personal of [citizen.phone, citizen.documentNumber, citizen.name, relative.name, relative.idNumber]) t.notOk(rowsText.includes(personal), 'no personal data in the audit rows');
    const detailsText = JSON.stringify(rows.map((r) => r.details));
    for (const tail of [citizen.phone.slice(-4), citizen.documentNumber.slice(-4)]) t.notOk(detailsText.includes(tail), 'nor a masked number in the details');
    t.equal((await db.selectFrom('audit_events').select('id').where('subject', '=', citizenId).execute()).length > 2, true, 'the earlier audit records are kept');
  });

  await t.test('the document number and phone register again (实名)', async (t) => {
    const newId = await register(citizen);
    t.not(newId, citizenId, 'a new account');
    t.equal((await services.accounts.getAccount(newId))?.level, 'real_name');
    t.equal(await services.accounts.findAccountIdByPhone(`+86${citizen.phone}`), newId);
  });

  await t.test('a 注册用户 deletes by SMS code, and registers again', async (t) => {
    const person: Person = { certType: '01', documentNumber: syntheticIdNumber('19850505'), name: '注销测试', phone: freshPhone() };
    const personId = await register(person);
    t.equal((await services.accounts.getAccount(personId))?.level, 'registered', 'a 注册用户');
    const browser = await centreBrowser(app, person);
    const page = await browser.get('/account/delete?reauth=sms');
    t.match(page.text, /action="\/account\/delete\/send"/, 'the SMS way first sends a code');
    const sent = await browser.post('/account/delete/send', { _csrf: csrf(page), ...(await solvedCaptcha(app, page.text)) });
    t.equal(sent.status, 200);
    t.match(sent.text, /name="code"/);
    const code = (await lastSmsCode(app, person.phone)) as string;
    const unticked = await browser.post('/account/delete', { _csrf: csrf(sent), reauth: 'sms', code });
    t.equal(unticked.status, 400, 'the box first');
    const done = await browser.post('/account/delete', { _csrf: csrf(unticked), reauth: 'sms', code, confirm: 'yes' });
    t.equal(done.status, 200, 'the code was not spent by the unticked form');
    t.match(done.text, /账号已注销/);
    t.equal((await rowsOf(personId)).accounts, 0);
    const again = await register(person);
    t.not(again, personId);
    t.equal((await services.accounts.getAccount(again))?.level, 'registered');
  });

  await t.test('five deletions of one account at once: one deletes, none fails with a 5xx, one audit success', async (t) => {
    const person: Person = { certType: '01', documentNumber: syntheticIdNumber('19860606'), name: '并发注销', phone: freshPhone() };
    const personId = await register(person);
    const browser = await centreBrowser(app, person);
    const page = await browser.get('/account/delete');
    const answers = await Promise.all(Array.from({ length: 5 }, () => browser.post('/account/delete', { _csrf: csrf(page), reauth: 'pwd', current: strongPassword, confirm: 'yes' })));
    t.equal(answers.filter((r) => r.status === 200 && /账号已注销/.test(r.text)).length, 1, 'exactly one request deleted the account');
    t.ok(answers.every((r) => r.status < 500), `no 5xx (${answers.map((r) => r.status).join(', ')})`);
    t.equal((await rowsOf(personId)).accounts, 0);
    const successes = await db.selectFrom('audit_events').select('id').where('subject', '=', personId).where('event', '=', 'account.deleted').where('outcome', '=', 'success').execute();
    t.equal(successes.length, 1, 'one deletion recorded');
  });
});
