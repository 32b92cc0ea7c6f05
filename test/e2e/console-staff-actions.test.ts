// Issue 17: the console's citizen actions beyond lookup. 客服 sends a password-reset code to the
// bound phone (reason required, audited, rate limited, never shown to staff) that the citizen enters
// at /recover/desk to set a new password; 安全管理员 ends all of a citizen's sign-ins (sessions,
// grants, refresh tokens; reason required, audited). Each new action answers 403 to every other
// role and writes nothing.

import t from 'tap';
import { sql } from 'kysely';
import { createControllableClock } from '../../src/domain/clock.js';
import { deskCodeTriesPerIpHour } from '../../src/flows/recovery/desk.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freshPhone, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { csrf, enrolledStaff, signIn, type StaffLogin } from '../helpers/console.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';
import { englishWords, rawKeys } from '../helpers/page-text.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function outbox(app: TestApp, phone: string): Promise<Array<{ text: string }>> {
  return (await (await fetch(`${app.url}/dev/outbox.json?phone=${phone}`)).json()) as Array<{ text: string }>;
}

t.test(`console staff actions (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date());
  const app = await startTestApp(t, { database: testDb.database, clock });
  const { db } = app.container.database;
  const { services, config } = app.container;
  const phone = freshPhone();
  const { accountId } = await services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber(), name: '邢立新', phoneE164: `+86${phone}`, password: strongPassword, channel: 'web' });

  const sys = await enrolledStaff(app, clock, 'sys', ['sysadmin']);
  const sec = await enrolledStaff(app, clock, 'sec', ['secadmin']);
  const aud = await enrolledStaff(app, clock, 'aud', ['auditor']);
  const desk = await enrolledStaff(app, clock, 'desk', ['servicedesk']);
  const auditCount = async (event?: string) => (await db.selectFrom('audit_events').select('id').$if(event !== undefined, (q) => q.where('event', '=', event as string)).execute()).length;
  const post = async (who: StaffLogin, path: string, form: Record<string, string>) => who.browser.post(path, { _csrf: csrf(await who.browser.get('/console')), ...form });

  // The citizen signed in at the demo client (first party: a refresh token) and at the user centre.
  const rp = await demoRelyingParty(app);
  const citizen = createBrowser(app.url);
  const flow = await rp.authorize(citizen);
  const signedIn = await citizen.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const tokens = await rp.finish(citizen, signedIn.location as string, flow);
  await services.accountCentre.startSession(accountId, {});
  const demoAuth = basic(config.devClient.clientId, config.devClient.clientSecret);
  const introspect = async (token: string) => {
    const res = await fetch(`${app.url}/token/introspection`, { method: 'POST', headers: { authorization: demoAuth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    return ((await res.json()) as { active: boolean }).active;
  };
  const providerRows = async () => (await db.selectFrom('oidc_payloads').select('model').where(sql<string>`payload->>'accountId'`, '=', accountId).execute()).map((r) => r.model).sort();

  await t.test('every other role: 403 and nothing written', async (t) => {
    const disabledId = 'rp-already-disabled';
    await app.container.clients.save({ client_id: disabledId, client_name: '已停用', redirect_uris: ['https://x.example/cb'] }, 'cli');
    await app.container.clients.setDisabled(disabledId, clock.now());
    const clientId = config.devClient.clientId;
    const smsBefore = (await outbox(app, phone)).length;
    const rowsBefore = await providerRows();
    const cases: Array<[StaffLogin, 'GET' | 'POST', string, Record<string, string>]> = [
      [sec, 'POST', `/console/clients/${clientId}/disable`, { statusReason: 'not a sysadmin' }],
      [aud, 'POST', `/console/clients/${clientId}/disable`, { statusReason: 'not a sysadmin' }],
      [desk, 'POST', `/console/clients/${clientId}/disable`, { statusReason: 'not a sysadmin' }],
      [sec, 'POST', `/console/clients/${disabledId}/enable`, { statusReason: 'not a sysadmin' }],
      [aud, 'POST', `/console/clients/${disabledId}/enable`, { statusReason: 'not a sysadmin' }],
      [desk, 'POST', `/console/clients/${disabledId}/enable`, { statusReason: 'not a sysadmin' }],
      [sys, 'POST', `/console/citizens/${accountId}/password-reset`, { resetReason: 'not the service desk' }],
      [sec, 'POST', `/console/citizens/${accountId}/password-reset`, { resetReason: 'not the service desk' }],
      [aud, 'POST', `/console/citizens/${accountId}/password-reset`, { resetReason: 'not the service desk' }],
      [sys, 'GET', '/console/sessions', {}],
      [aud, 'GET', '/console/sessions', {}],
      [desk, 'GET', '/console/sessions', {}],
      [sys, 'POST', '/console/sessions', { accountId, reason: 'not a secadmin' }],
      [aud, 'POST', '/console/sessions', { accountId, reason: 'not a secadmin' }],
      [desk, 'POST', '/console/sessions', { accountId, reason: 'not a secadmin' }],
      [sys, 'POST', `/console/citizens/${accountId}/revoke`, { reason: 'not a secadmin' }],
    ];
    for (const [who, method, path, form] of cases) {
      const before = await auditCount();
      const res = method === 'GET' ? await who.browser.get(path) : await post(who, path, form);
      t.equal(res.status, 403, `${who.username}: ${method} ${path} → 403`);
      t.equal(await auditCount(), before, `${who.username}: ${method} ${path} wrote no audit record`);
    }
    t.ok(await app.container.clients.find(clientId), 'the demo client is still enabled');
    t.notOk(await app.container.clients.find(disabledId), 'the disabled client is still disabled');
    t.equal((await outbox(app, phone)).length, smsBefore, 'no SMS went out');
    t.same(await providerRows(), rowsBefore, 'the citizen’s sessions and tokens are all there');
    t.equal(await introspect(tokens.refresh_token as string), true, 'the refresh token is live');
  });

  await t.test('security administrator ends all of a citizen’s sign-ins', async (t) => {
    const page = await sec.browser.get('/console/sessions');
    t.equal(page.status, 200);
    t.match(page.text, /href="\/console\/sessions"/, 'the menu has the page');
    const noReason = await sec.browser.post('/console/sessions', { _csrf: csrf(page), accountId, reason: '' });
    t.equal(noReason.status, 400);
    t.match(noReason.text, /请填写原因/);
    t.equal(await auditCount('account.sessions_revoked'), 0, 'nothing audited');
    t.equal(await introspect(tokens.refresh_token as string), true, 'and nothing ended');
    const unknown = await sec.browser.post('/console/sessions', { _csrf: csrf(page), accountId: '00000000-0000-4000-8000-000000000000', reason: 'ticket 5521' });
    t.equal(unknown.status, 404);
    t.match(unknown.text, /未找到账号/);

    const done = await sec.browser.post('/console/sessions', { _csrf: csrf(page), accountId, reason: '居民报告手机丢失' });
    t.equal(done.status, 200);
    t.match(done.text, /已注销 [1-9]\d* 个登录会话和令牌/);
    t.same(await providerRows(), [], 'no session, grant, code, access or refresh token of the citizen is left');
    t.equal((await services.accountCentre.listSessions(accountId)).length, 0, 'nor a user-centre session');
    t.equal(await introspect(tokens.refresh_token as string), false, 'the refresh token is dead');
    const userinfo = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    t.equal(userinfo.status, 401, 'the access token is refused');
    const again = await rp.authorize(citizen);
    t.notOk(again.page.url.startsWith(demoRedirect), 'the browser must sign in again');
    t.match(again.page.url, /\/interaction\//);
    t.match(await db.selectFrom('audit_events').selectAll().where('event', '=', 'account.sessions_revoked').executeTakeFirstOrThrow(), { actor: `staff:${sec.staffId}`, subject: accountId, details: { role: 'secadmin', reason: '居民报告手机丢失' } });
  });

  await t.test('service desk starts a password reset the citizen finishes', async (t) => {
    const record = await desk.browser.get(`/console/citizens/${accountId}`);
    t.equal(record.status, 200);
    const noReason = await desk.browser.post(`/console/citizens/${accountId}/password-reset`, { _csrf: csrf(record), resetReason: '' });
    t.equal(noReason.status, 400);
    t.equal((await outbox(app, phone)).filter((m) => m.text.includes('工作人员')).length, 0, 'without a reason no SMS goes out');
    t.equal(await auditCount('staff.password_reset_sent'), 0);

    const sent = await desk.browser.post(`/console/citizens/${accountId}/password-reset`, { _csrf: csrf(record), resetReason: '来电核实身份后重置' });
    t.equal(sent.status, 200);
    t.match(sent.text, new RegExp(`已向 ${phone.slice(0, 3)}\\*\\*\\*\\*${phone.slice(7)} 发送重置验证码`));
    const [message] = await outbox(app, phone);
    const code = /验证码为(\d{6})/.exec(message?.text ?? '')?.[1] as string;
    t.ok(code, 'the citizen’s phone received a code');
    t.notOk(sent.text.includes(code), 'the staff member never sees it');
    const audit = await db.selectFrom('audit_events').selectAll().where('event', '=', 'staff.password_reset_sent').executeTakeFirstOrThrow();
    t.match(audit, { actor: `staff:${desk.staffId}`, subject: accountId, details: { role: 'servicedesk', reason: '来电核实身份后重置' } });
    t.notOk(JSON.stringify(audit).includes(code) || JSON.stringify(audit).includes(phone), 'the audit record holds neither the code nor the number');

    const tooSoon = await desk.browser.post(`/console/citizens/${accountId}/password-reset`, { _csrf: csrf(record), resetReason: '再发一次试试' });
    t.equal(tooSoon.status, 429, 'the number’s SMS limits apply');
    t.match(tooSoon.text, /发送过于频繁/);
    t.equal((await outbox(app, phone)).length, 1, 'and nothing more was sent');

    for (const lang of ['zh-CN', 'en']) {
      const page = await createBrowser(app.url).get(`/recover/desk?lang=${lang}`);
      t.equal(page.status, 200, `/recover/desk in ${lang}`);
      t.same(rawKeys(page.text), [], `${lang}: no raw message key`);
      if (lang === 'zh-CN') t.same(englishWords(page.text), [], 'no English on the Chinese page');
    }
    const browser = createBrowser(app.url);
    const form = await browser.get('/recover/desk');
    t.equal(form.status, 200);
    t.match((await browser.get('/recover')).text, /href="\/recover\/desk"/, 'the recovery page points to it');
    const wrong = await browser.post('/recover/desk', { _csrf: csrf(form), phone, code: code === '000000' ? '111111' : '000000' });
    const stranger = await browser.post('/recover/desk', { _csrf: csrf(form), phone: freshPhone(), code });
    t.equal(wrong.status, 400);
    t.equal(stranger.status, 400);
    t.match(wrong.text, /验证码错误或已失效/);
    t.match(stranger.text, /验证码错误或已失效/, 'an unknown number reads the same');
    const right = await browser.post('/recover/desk', { _csrf: csrf(form), phone, code });
    t.equal(right.status, 303);
    t.match(right.location, /\/recover\/flow\/[\w-]+$/);
    const passwordPage = await browser.get(right.location as string);
    t.match(passwordPage.text, /name="confirmPassword"/, 'the recovery flow asks for the new password');
    const newPassword = 'Desk#Reset2026';
    const done = await browser.post(`${right.location}/password`, { _csrf: csrf(passwordPage), password: newPassword, confirmPassword: newPassword });
    t.equal(done.status, 200);
    t.ok(await services.accounts.verifyPassword(accountId, newPassword), 'the citizen signs in with the new password');
    t.notOk(await services.accounts.verifyPassword(accountId, strongPassword), 'the old one is gone');
    const replay = await browser.post('/recover/desk', { _csrf: csrf(await browser.get('/recover/desk')), phone, code });
    t.equal(replay.status, 400, 'the code works once');
  });

  await t.test('the desk code form: tries per IP and hour', async (t) => {
    clock.advance(3600 * 1000); // a fresh hour for this IP
    const browser = createBrowser(app.url);
    const form = await browser.get('/recover/desk');
    const statuses: number[] = [];
    for (let i = 0; i <= deskCodeTriesPerIpHour; i += 1) statuses.push((await browser.post('/recover/desk', { _csrf: csrf(form), phone, code: '000000' })).status);
    t.same(statuses.slice(0, deskCodeTriesPerIpHour), Array(deskCodeTriesPerIpHour).fill(400), 'each wrong try answers the same');
    t.equal(statuses[deskCodeTriesPerIpHour], 429, 'then the IP waits');
  });

  await t.test('no bound phone: no reset SMS, nothing written', async (t) => {
    const other = await services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber(), name: '无手机', phoneE164: `+86${freshPhone()}`, password: strongPassword, channel: 'web' });
    await db.deleteFrom('phones').where('account_id', '=', other.accountId).execute();
    await signIn(desk.browser, desk.username, desk.secret, clock);
    const before = await auditCount();
    const res = await post(desk, `/console/citizens/${other.accountId}/password-reset`, { resetReason: '来电要求重置密码' });
    t.equal(res.status, 409);
    t.match(res.text, /未绑定手机号/);
    t.equal(await auditCount(), before, 'nothing audited');
  });

  await t.test('a staff member’s own hourly limit', async (t) => {
    const first = freshPhone();
    await services.smsCodes.sendForStaff({ purpose: 'desk_reset', phoneE164: `+86${first}`, actorKey: 'staff:limit-test', actorPerHour: 1 });
    await t.rejects(services.smsCodes.sendForStaff({ purpose: 'desk_reset', phoneE164: `+86${freshPhone()}`, actorKey: 'staff:limit-test', actorPerHour: 1 }), { code: 'sms.rate_limited' });
    t.equal((await outbox(app, first)).length, 1);
  });
});
