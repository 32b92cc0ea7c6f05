// Asking again for 《隐私政策》 and 《个人证件信息处理规则》 (issue 15) over HTTP, with openid-client as the
// relying party: a fresh registration is not asked; after the operator publishes a new version
// (a second node over the same database with another policies file) the next sign-in asks;
// 不同意 ends with access_denied at the client, prompt=none gets interaction_required, a stale
// version is refused, 同意并继续 records the version and is not asked again; an account that never
// saw the texts is asked once.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { configDir } from '../../src/paths.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRedirect, isPoliciesPage, openidRelyingParty, type OpenidRelyingParty } from '../helpers/oidc-flow.js';

const atClient = (url: string) => url.startsWith(demoRedirect);
const csrf = (html: string) => inputValue(html, '_csrf') ?? '';
const policiesAction = (html: string) => /<form method="post" action="(\/interaction\/[\w-]+\/policies)">/.exec(html)?.[1] as string;

t.test(`a new version of the policy texts is asked for at the next sign-in (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const db = testDb.database.db;
  const current = (JSON.parse(readFileSync(join(configDir, 'policies.json'), 'utf8')) as { version: string }).version;
  const app = await startTestApp(t, { database: testDb.database });
  const rp = await openidRelyingParty(app);

  // the operator's new texts: the same documents, a new version and what changed
  const dir = mkdtempSync(join(tmpdir(), 'jsrs-policies-'));
  const file = join(dir, 'policies.json');
  const newVersion = '2027-01-15';
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(join(configDir, 'policies.json'), 'utf8')), version: newVersion, changes: ['新增电子社保卡登录时的信息使用说明'] }));
  const updated = await startTestApp(t, { database: testDb.database, overrides: { site: { policiesFile: file } } });
  const rpUpdated = await openidRelyingParty(updated);

  const versionOf = async (phone: string) => {
    const row = await db
      .selectFrom('accounts')
      .innerJoin('phones', 'phones.account_id', 'accounts.id')
      .select(['accounts.id', 'accounts.policy_version', 'accounts.policy_accepted_at'])
      .where('phones.phone_index', '=', app.container.secrets.blindIndex('phone', `+86${phone}`))
      .executeTakeFirstOrThrow();
    return row;
  };

  /** Starts an authorization at `node` in `browser` and signs in with the password when the login page shows. */
  const signIn = async (node: TestApp, client: OpenidRelyingParty, browser: Browser, phone: string, params: Record<string, string> = {}) => {
    const { url, ...flow } = await client.authorization(params);
    let page: Response2 = await browser.follow(url, atClient);
    if (page.status === 200 && /账号密码登录/.test(page.text)) {
      const res = await browser.post(`${new URL(page.url).pathname}/password`, { _csrf: csrf(page.text), account: phone, password: strongPassword });
      if (res.status !== 303) throw new Error(`password sign-in answered ${res.status}`);
      page = await browser.follow(res.location as string, atClient);
    }
    return { page, flow };
  };

  const citizen = { certType: '01', documentNumber: syntheticIdNumber('19880808'), name: '周政策', phone: freshPhone() };

  await t.test('a citizen who registers from a relying party agrees there and is not asked again', async (t) => {
    const browser = createBrowser(app.url);
    const { url, ...flow } = await rp.authorization();
    const login = await browser.follow(url, atClient);
    const uid = /\/interaction\/([\w-]+)/.exec(login.url)?.[1] as string;
    const done = await registerThroughPages(app, browser, `/interaction/${uid}/register`, citizen);
    t.equal(done.status, 303);
    const landed = await browser.follow(done.location as string, atClient);
    t.ok(atClient(landed.url), 'straight back to the client, no policies page');
    t.ok((await rp.redeem(landed.url, flow)).access_token);
    const row = await versionOf(citizen.phone);
    t.equal(row.policy_version, current, 'the version in force at registration is recorded');
    t.ok(row.policy_accepted_at instanceof Date, 'with when');
  });

  await t.test('at the next sign-in after a new version, the page asks, naming both texts and what changed', async (t) => {
    const browser = createBrowser(updated.url);
    const { page } = await signIn(updated, rpUpdated, browser, citizen.phone);
    t.ok(isPoliciesPage(page), 'the policies page');
    t.match(page.text, /请阅读并同意隐私政策/);
    t.match(page.text, /href="\/privacy"[^>]*>《隐私政策》<\/a>/, 'links 《隐私政策》');
    t.match(page.text, /href="\/privacy\/document-rules"[^>]*>《个人证件信息处理规则》<\/a>/, 'links 《个人证件信息处理规则》');
    t.match(page.text, new RegExp(`现行版本为 ${newVersion}（您此前同意的版本为 ${current}）`), 'the new and the earlier version');
    t.match(page.text, /新增电子社保卡登录时的信息使用说明/, 'what changed');
    t.match(page.text, /同意并继续/);
    t.match(page.text, /不同意/);

    // prompt=none while the texts are not agreed to: the client hears interaction_required
    const silent = await signIn(updated, rpUpdated, browser, citizen.phone, { prompt: 'none' });
    t.ok(atClient(silent.page.url), 'prompt=none goes back to the client');
    t.equal(new URL(silent.page.url).searchParams.get('error'), 'interaction_required');

    // without the CSRF token nothing is recorded
    const forged = await browser.post(policiesAction(page.text), { _csrf: '', version: newVersion, answer: 'accept' });
    t.equal(forged.status, 403, 'no token, refused');
    t.equal((await versionOf(citizen.phone)).policy_version, current, 'nothing recorded');
  });

  await t.test('不同意 ends the sign-in with access_denied at the client and records nothing', async (t) => {
    const browser = createBrowser(updated.url);
    const { page } = await signIn(updated, rpUpdated, browser, citizen.phone);
    t.ok(isPoliciesPage(page));
    const declined = await browser.post(policiesAction(page.text), { _csrf: csrf(page.text), answer: 'decline' });
    t.equal(declined.status, 303);
    const landed = await browser.follow(declined.location as string, atClient);
    t.ok(atClient(landed.url), 'back at the client');
    t.equal(new URL(landed.url).searchParams.get('error'), 'access_denied');
    t.equal((await versionOf(citizen.phone)).policy_version, current, 'the earlier version stays recorded');
    const audit = await db.selectFrom('audit_events').select(['event', 'details']).where('event', '=', 'account.policies_declined').execute();
    t.equal(audit.length, 1, 'the refusal is in the audit trail');
  });

  await t.test('同意并继续 records the version, reaches the client, and is not asked again', async (t) => {
    const browser = createBrowser(updated.url);
    const { page, flow } = await signIn(updated, rpUpdated, browser, citizen.phone);
    t.ok(isPoliciesPage(page));
    // a page shown before an even newer version was published is refused, not recorded
    const stale = await browser.post(policiesAction(page.text), { _csrf: csrf(page.text), version: current, answer: 'accept' });
    t.equal(stale.status, 409);
    t.match(stale.text, /规则刚刚再次更新/);
    t.equal((await versionOf(citizen.phone)).policy_version, current);

    const accepted = await browser.post(policiesAction(stale.text), { _csrf: csrf(stale.text), version: inputValue(stale.text, 'version') ?? '', answer: 'accept' });
    t.equal(accepted.status, 303);
    const landed = await browser.follow(accepted.location as string, atClient);
    t.ok(atClient(landed.url), 'on to the client');
    const tokens = await rpUpdated.redeem(landed.url, flow);
    t.ok(tokens.access_token, 'the sign-in completes');
    t.equal((await versionOf(citizen.phone)).policy_version, newVersion, 'the new version is recorded');

    const silent = await signIn(updated, rpUpdated, browser, citizen.phone, { prompt: 'none' });
    t.ok(new URL(silent.page.url).searchParams.get('code'), 'prompt=none now answers with a code');
    const again = await signIn(updated, rpUpdated, createBrowser(updated.url), citizen.phone);
    t.ok(atClient(again.page.url), 'a later sign-in in another browser is not asked');
  });

  await t.test('the same answer sent several times at once (double click, two tabs): one acceptance, every answer goes on', async (t) => {
    const racer = { certType: '01', documentNumber: syntheticIdNumber('19800808'), name: '双击同意', phone: freshPhone() };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', racer)).status, 201);
    const browser = createBrowser(updated.url);
    const { page, flow } = await signIn(updated, rpUpdated, browser, racer.phone);
    t.ok(isPoliciesPage(page), 'asked for the new version');
    const form = { _csrf: csrf(page.text), version: inputValue(page.text, 'version') ?? '', answer: 'accept' };
    const answers = await Promise.all(Array.from({ length: 4 }, () => browser.post(policiesAction(page.text), form)));
    t.same(answers.map((a) => a.status), [303, 303, 303, 303], 'each answer continues the sign-in');
    const { id, policy_version } = await versionOf(racer.phone);
    t.equal(policy_version, newVersion);
    const recorded = await db.selectFrom('audit_events').select('id').where('event', '=', 'account.policies_accepted').where('subject', '=', id).execute();
    t.equal(recorded.length, 1, 'one acceptance in the audit trail, not one per request');
    const landed = await browser.follow(answers[0]?.location as string, atClient);
    t.ok((await rpUpdated.redeem(landed.url, flow)).access_token, 'and the sign-in completes');
  });

  await t.test('an account that never saw the texts (imported, from an upstream, older) is asked once', async (t) => {
    const other = { certType: '01', documentNumber: syntheticIdNumber('19770707'), name: '吴导入', phone: freshPhone() };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', other)).status, 201);
    const { id } = await versionOf(other.phone);
    await db.updateTable('accounts').set({ policy_version: null, policy_accepted_at: null }).where('id', '=', id).execute();
    const browser = createBrowser(app.url);
    const { page, flow } = await signIn(app, rp, browser, other.phone);
    t.ok(isPoliciesPage(page), 'asked');
    t.match(page.text, new RegExp(`继续登录前，请阅读并同意以下两项规则（版本：${current}）`), 'as a first time, with no earlier version');
    const accepted = await browser.post(policiesAction(page.text), { _csrf: csrf(page.text), version: inputValue(page.text, 'version') ?? '', answer: 'accept' });
    const landed = await browser.follow(accepted.location as string, atClient);
    t.ok((await rp.redeem(landed.url, flow)).access_token);
    t.equal((await versionOf(other.phone)).policy_version, current);
    const again = await signIn(app, rp, createBrowser(app.url), other.phone);
    t.ok(atClient(again.page.url), 'not asked a second time');
  });
});
