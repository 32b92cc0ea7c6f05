// Issue 17 (三员分立): each console role has only its own powers. Every forbidden action answers 403
// and writes nothing (no audit record, no change); a reveal of a full number needs a written
// reason and is audited; nobody changes their own roles; every staff action names staff, role, reason.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { accountLockoutKey } from '../../src/services/lockout.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { csrf, enrolledStaff, signIn, type StaffLogin } from '../helpers/console.js';

t.test(`console role boundaries (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
  const app = await startTestApp(t, { database: testDb.database, clock });
  const { db } = app.container.database;
  const phone = freshPhone();
  const idNumber = syntheticIdNumber();
  const { accountId } = await app.container.services.accounts.register({ certType: '01', documentNumber: idNumber, name: '邵一鸣', phoneE164: `+86${phone}`, password: strongPassword, channel: 'web' });
  for (let i = 0; i < app.container.services.lockout.maxFailures; i += 1) await app.container.services.lockout.attempt(accountLockoutKey(accountId), async () => false);

  const sys = await enrolledStaff(app, clock, 'sys', ['sysadmin']);
  const sec = await enrolledStaff(app, clock, 'sec', ['secadmin']);
  const aud = await enrolledStaff(app, clock, 'aud', ['auditor']);
  const desk = await enrolledStaff(app, clock, 'desk', ['servicedesk']);
  const clientId = app.container.config.devClient.clientId;
  const secretBefore = (await app.container.clients.find(clientId))?.client_secret;

  const auditCount = async () => Number((await db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const locked = async () => Boolean((await db.selectFrom('login_failures').select('locked_until').where('key', '=', accountLockoutKey(accountId)).executeTakeFirst())?.locked_until);
  /** A POST with a valid form (CSRF token from the console home) by `who`. */
  const post = async (who: StaffLogin, path: string, form: Record<string, string>) => {
    const home = await who.browser.get('/console');
    return who.browser.post(path, { _csrf: csrf(home), ...form });
  };

  await t.test('forbidden actions answer 403 and write nothing', async (t) => {
    const cases: Array<[StaffLogin, 'GET' | 'POST', string, Record<string, string>]> = [
      [sys, 'GET', '/console/citizens', {}],
      [sys, 'POST', `/console/citizens/${accountId}/unlock`, { reason: 'not my job at all' }],
      [sys, 'GET', '/console/audit', {}],
      [sys, 'POST', '/console/staff', { username: 'sneaky', displayName: 'x', roles: 'sysadmin' }],
      [sec, 'POST', `/console/clients/${clientId}/rotate-secret`, {}],
      [sec, 'GET', '/console/audit/export', {}],
      [sec, 'POST', `/console/citizens/${accountId}/reveal`, { what: 'phone', revealReason: 'curious about it' }],
      [aud, 'POST', `/console/citizens/${accountId}/unlock`, { reason: 'auditor tries to unlock' }],
      [aud, 'POST', `/console/lockouts/${accountId}/unlock`, { reason: 'auditor tries to unlock' }],
      [aud, 'POST', `/console/staff/${desk.staffId}/roles`, { roles: 'sysadmin', reason: 'auditor grants' }],
      [aud, 'GET', '/console/clients', {}],
      [desk, 'POST', `/console/clients/${clientId}/rotate-secret`, {}],
      [desk, 'POST', `/console/citizens/${accountId}/revoke`, { reason: 'desk tries revoke' }],
      [desk, 'POST', `/console/staff/${desk.staffId}/roles`, { roles: 'secadmin', reason: 'desk grants self' }],
      [desk, 'GET', '/console/audit', {}],
      [desk, 'GET', '/console/staff', {}],
    ];
    for (const [who, method, path, form] of cases) {
      const before = await auditCount();
      const res = method === 'GET' ? await who.browser.get(path) : await post(who, path, form);
      t.equal(res.status, 403, `${who.username}: ${method} ${path} → 403`);
      t.equal(await auditCount(), before, `${who.username}: ${method} ${path} wrote no audit record`);
    }
    t.ok(await locked(), 'the citizen is still locked');
    t.equal((await app.container.clients.find(clientId))?.client_secret, secretBefore, 'the client secret is unchanged');
    t.notOk(await db.selectFrom('staff_accounts').select('id').where('username', '=', 'sneaky').executeTakeFirst(), 'no staff account was created');
    const deskRow = await db.selectFrom('staff_accounts').select('roles').where('id', '=', desk.staffId).executeTakeFirstOrThrow();
    t.same(deskRow.roles, ['servicedesk'], 'no role was granted');
  });

  await t.test('nobody grants themself a role, even a security administrator', async (t) => {
    const before = await auditCount();
    const res = await post(sec, `/console/staff/${sec.staffId}/roles`, { roles: 'sysadmin', reason: 'granting myself' });
    t.equal(res.status, 403);
    t.equal(await auditCount(), before, 'nothing written');
    const ok = await post(sec, `/console/staff/${aud.staffId}/roles`, { roles: 'auditor', reason: 'role review 2026' });
    t.equal(ok.status, 200, 'another staff member’s roles can be set');
    const record = await db.selectFrom('audit_events').selectAll().where('event', '=', 'staff.roles_changed').executeTakeFirstOrThrow();
    t.match(record, { actor: `staff:${sec.staffId}`, subject: `staff:${aud.staffId}`, details: { role: 'secadmin', reason: 'role review 2026' } });
    t.equal((await aud.browser.get('/console/audit')).status, 302, 'a role change ends the target’s sessions');
    clock.advance(30_000);
    await signIn(aud.browser, aud.username, aud.secret, clock);
  });

  await t.test('service desk: exact lookup, masked record, reveal needs a reason and is audited', async (t) => {
    const partial = await post(desk, '/console/citizens', { by: 'phone', q: phone.slice(0, 7) });
    t.equal(partial.status, 404, 'no partial match');
    const found = await post(desk, '/console/citizens', { by: 'phone', q: phone });
    t.match(found.location, new RegExp(`/console/citizens/${accountId}$`));
    t.notOk(found.location?.includes(phone), 'the number never rides in a URL');
    const record = await desk.browser.get(found.location as string);
    t.equal(record.status, 200);
    t.notOk(record.text.includes(phone) || record.text.includes(idNumber), 'the record is masked');
    t.match(record.text, /\*一鸣/);
    t.match(record.text, /已锁定至/, 'the lock shows');
    const before = await auditCount();
    const noReason = await post(desk, `/console/citizens/${accountId}/reveal`, { what: 'phone', revealReason: '' });
    t.equal(noReason.status, 400, 'a reveal without a reason is refused');
    t.notOk(noReason.text.includes(phone), 'and shows nothing');
    t.equal(await auditCount(), before, 'and writes nothing');
    const revealed = await post(desk, `/console/citizens/${accountId}/reveal`, { what: 'phone', revealReason: 'caller confirms number on 12333' });
    t.match(revealed.text, new RegExp(`data-revealed>${phone}<`), 'with a reason the full number shows');
    const audit = await db.selectFrom('audit_events').selectAll().where('event', '=', 'staff.number_revealed').executeTakeFirstOrThrow();
    t.match(audit, { actor: `staff:${desk.staffId}`, subject: accountId, details: { role: 'servicedesk', what: 'phone', reason: 'caller confirms number on 12333' } });
    t.notOk(JSON.stringify(audit).includes(phone), 'the audit record names the reveal, not the number');
  });

  await t.test('auditor: reads and exports the trail, staff actions included', async (t) => {
    const page = await aud.browser.get(`/console/audit?account=staff:${desk.staffId}`);
    t.equal(page.status, 200);
    t.match(page.text, /staff\.number_revealed/, 'staff actions are in the trail');
    const exported = await aud.browser.get(`/console/audit/export?event=staff.`);
    t.equal(exported.status, 200);
    t.ok(exported.text.trim().split('\n').every((l) => (JSON.parse(l) as { event: string }).event.startsWith('staff.')), 'the export is filtered');
  });
});
