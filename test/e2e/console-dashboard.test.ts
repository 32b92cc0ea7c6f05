// Issue 17: the console dashboard's numbers for a known set of events — successful sign-ins per
// method (last 24 h), failures in each of the last 24 clock hours (Asia/Shanghai), locks now,
// messages delivered today (Shanghai day), and the overdue 差评 rectifications tile.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { dashboardNumbers } from '../../src/console/dashboard.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { enrolledStaff } from '../helpers/console.js';
import { createTestDatabase, engineName } from '../helpers/database.js';

const minutes = (n: number) => n * 60 * 1000;

t.test(`console dashboard numbers (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  // 12:30 in Shanghai once the staff member has enrolled and signed in (the helper moves 30 s on).
  const clock = createControllableClock(new Date('2026-12-02T04:29:30Z'));
  const app = await startTestApp(t, { database: testDb.database, clock });
  const { db } = app.container.database;
  const sys = await enrolledStaff(app, clock, 'sys', ['sysadmin']);
  const now = clock.now();
  t.equal(now.toISOString(), '2026-12-02T04:30:00.000Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  const event = (at: Date, name: string, outcome: 'success' | 'failure' | 'info' = 'success') => ({ at, event: name, outcome, details: '{}' });
  await db.insertInto('audit_events').values([
    // sign-ins: three by password and two by SMS in the last 24 h; one older, one failed, one yet to come
    event(ago(minutes(60)), 'signin.password'),
    event(ago(minutes(300)), 'signin.password'),
    event(ago(minutes(23 * 60 + 50)), 'signin.password'),
    event(ago(minutes(24 * 60 + 10)), 'signin.password'),
    event(ago(minutes(20)), 'signin.sms'),
    event(ago(minutes(21)), 'signin.sms'),
    event(new Date(now.getTime() + minutes(5)), 'signin.password'),
    // failures: 12:20 (this hour), two at 10:25, one at yesterday 13:05 (the first of the 24 hours),
    // one at yesterday 12:50 (before them: not the same hour as today's 12 o'clock)
    event(ago(minutes(10)), 'signin.password', 'failure'),
    event(ago(minutes(125)), 'signin.sms', 'failure'),
    event(ago(minutes(125)), 'signin.step_up', 'failure'),
    event(new Date('2026-12-01T05:05:00Z'), 'signin.password', 'failure'),
    event(new Date('2026-12-01T04:50:00Z'), 'signin.password', 'failure'),
    // messages: today (Shanghai) two codes delivered, an invitation and a notice; an undelivered
    // send, a failed invitation and yesterday's code do not count, nor the recovery page's own record
    event(new Date('2026-12-01T16:00:00Z'), 'sms.sent'),
    event(ago(minutes(1)), 'sms.sent'),
    event(ago(minutes(2)), 'sms.sent', 'info'),
    event(ago(minutes(2)), 'recovery.sms_sent', 'info'),
    event(ago(minutes(3)), 'case.rating_invited'),
    event(ago(minutes(4)), 'case.rating_invited', 'failure'),
    event(ago(minutes(5)), 'account.family_attempt_noticed'),
    event(new Date('2026-12-01T15:59:59Z'), 'sms.sent'),
  ]).execute();

  await db.insertInto('login_failures').values([
    { key: 'account:locked-a', failures: 5, locked_until: new Date(now.getTime() + minutes(10)), updated_at: now },
    { key: 'identifier:locked-b', failures: 5, locked_until: new Date(now.getTime() + minutes(1)), updated_at: now },
    { key: 'account:lapsed', failures: 5, locked_until: ago(minutes(1)), updated_at: now },
    { key: 'account:counting', failures: 2, locked_until: null, updated_at: now },
  ]).execute();

  const { accountId } = await app.container.services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber(), name: '乔安', phoneE164: `+86${freshPhone()}`, password: strongPassword, channel: 'web' });
  const ratedCase = async (caseNo: string, due: Date | null, rectified: boolean) => {
    const id = randomUUID();
    await db.insertInto('cases').values({ id, client_id: 'rp-cases', case_no: caseNo, account_id: accountId, service: '失业保险金申领', department: '市人社局', status: 'completed', submitted_at: ago(minutes(10_000)), status_at: ago(minutes(9_000)), completed_at: ago(minutes(9_000)) }).execute();
    await db.insertInto('case_ratings').values({ case_id: id, client_id: 'rp-cases', level: due ? '1' : '5', indicators: '{}', rated_at: ago(minutes(8_000)), rectification_due_at: due, ...(rectified ? { rectification: '已整改', rectified_at: ago(minutes(60)) } : {}) }).execute();
  };
  await ratedCase('SZ2026-OVERDUE', ago(minutes(30)), false);
  await ratedCase('SZ2026-ANSWERED', ago(minutes(30)), true);
  await ratedCase('SZ2026-NOT-YET-DUE', new Date(now.getTime() + minutes(600)), false);
  await ratedCase('SZ2026-GOOD', null, false);

  const numbers = await dashboardNumbers(app.container, now);
  t.same(numbers.signInsPerMethod, { 'signin.password': 3, 'signin.sms': 2, 'signin.qr': 0, 'signin.essc': 0, 'signin.jszw': 0, 'signin.alipay': 0 }, 'successful sign-ins per method');
  t.equal(numbers.failuresPerHour.length, 24);
  t.same(numbers.failuresPerHour[0], { hour: '13', count: 1 }, 'the first hour is yesterday 13:00, without yesterday 12:50');
  t.same(numbers.failuresPerHour[23], { hour: '12', count: 1 }, 'the last is this hour');
  t.same(numbers.failuresPerHour.filter((h) => h.count > 0), [{ hour: '13', count: 1 }, { hour: '10', count: 2 }, { hour: '12', count: 1 }], 'failures per hour');
  t.equal(numbers.locksNow, 2, 'locks now');
  t.equal(numbers.smsToday, 4, 'messages delivered today');
  t.same(numbers.overdue.map((o) => o.caseNo), ['SZ2026-OVERDUE'], 'overdue rectifications');

  const page = await sys.browser.get('/console');
  t.equal(page.status, 200);
  t.match(page.text, /<title>密码登录: 3<\/title>/, 'the chart shows the password sign-ins');
  t.match(page.text, /<title>短信验证码登录: 2<\/title>/);
  t.match(page.text, /<title>10: 2<\/title>/, 'and the failures at ten');
  t.match(page.text, /当前锁定：2/);
  t.match(page.text, /今日短信发送：4/);
  t.match(page.text, /data-overdue-count>逾期未反馈整改：1 件/);
  t.match(page.text, /SZ2026-OVERDUE/);
  t.notMatch(page.text, /SZ2026-(ANSWERED|NOT-YET-DUE|GOOD)/);
});
