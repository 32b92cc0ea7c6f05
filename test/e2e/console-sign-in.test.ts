// Issue 17: staff sign in at /console with a password and a mandatory TOTP code (RFC 6238), bound
// on first use through a one-time enrolment link; failures lock like the citizens'; sessions end
// after 15 idle minutes and 8 hours at most; STAFF_ALLOWED_NETWORKS hides the console elsewhere.

import t from 'tap';
import { totpCode } from '../../src/console/totp.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { csrf, enrolledStaff, signIn, staffPassword, staffServiceOf } from '../helpers/console.js';

t.test(`console sign-in (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
  const app = await startTestApp(t, { database: testDb.database, clock, env: { LOCKOUT_MAX_FAILURES: '3' } });

  await t.test('enrolment link → password + authenticator → sign-in with a code', async (t) => {
    const anonymous = createBrowser(app.url);
    const home = await anonymous.get('/console');
    t.equal(home.status, 302, 'the console needs a sign-in');
    t.match(home.location, /\/console\/login$/);
    const { staffId, enrolmentToken } = await staffServiceOf(app).create({ username: 'admin1', displayName: '王管理', roles: ['sysadmin'] }, { kind: 'cli' });
    const page = await anonymous.get(`/console/enrol/${enrolmentToken}`);
    t.match(page.text, /<svg/, 'the enrolment page shows the authenticator QR code');
    const secret = (/data-totp-secret>([^<]+)</.exec(page.text)?.[1] ?? '').replace(/\s/g, '');
    t.match(secret, /^[A-Z2-7]{32}$/, 'and the key as text');
    const wrong = await anonymous.post(`/console/enrol/${enrolmentToken}`, { _csrf: csrf(page), password: staffPassword, confirmPassword: staffPassword, code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000' });
    t.equal(wrong.status, 400, 'a wrong code does not enrol');
    const ok = await anonymous.post(`/console/enrol/${enrolmentToken}`, { _csrf: csrf(page), password: staffPassword, confirmPassword: staffPassword, code: totpCode(secret, clock.now()) });
    t.equal(ok.status, 200);
    t.equal((await anonymous.get(`/console/enrol/${enrolmentToken}`)).status, 404, 'the link works once');
    t.ok((await staffServiceOf(app).get(staffId))?.enrolled);

    const browser = createBrowser(app.url);
    const login = await browser.get('/console/login');
    const afterPassword = await browser.post('/console/login', { _csrf: csrf(login), username: 'admin1', password: staffPassword });
    t.equal(afterPassword.status, 302, 'the right password leads to the code step');
    t.equal((await browser.get('/console')).status, 302, 'a password alone does not open the console');
    const codePage = await browser.get('/console/login/code');
    const replay = await browser.post('/console/login/code', { _csrf: csrf(codePage), code: totpCode(secret, clock.now()) });
    t.equal(replay.status, 400, 'the code spent at enrolment is not accepted again');
    clock.advance(30_000);
    const signedIn = await browser.post('/console/login/code', { _csrf: csrf(codePage), code: totpCode(secret, clock.now()) });
    t.match(signedIn.location, /\/console$/);
    const dashboard = await browser.get('/console');
    t.equal(dashboard.status, 200, 'signed in');
    t.match(dashboard.text, /<svg[^>]*role="img"/, 'the dashboard draws its charts as SVG');
    const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('jsrs_console='));
    t.match(cookie, /path=\/console/i);
    t.match(cookie, /httponly/i);
    t.match(cookie, /samesite=strict/i);
  });

  await t.test('lockout after failures, like the citizens', async (t) => {
    const staff = await enrolledStaff(app, clock, 'desk1', ['servicedesk']);
    const browser = createBrowser(app.url);
    for (let i = 0; i < 3; i += 1) {
      const login = await browser.get('/console/login');
      await browser.post('/console/login', { _csrf: csrf(login), username: 'desk1', password: 'wrong-password-1' });
    }
    const login = await browser.get('/console/login');
    const refused = await browser.post('/console/login', { _csrf: csrf(login), username: 'desk1', password: staffPassword });
    t.equal(refused.status, 429, 'locked: even the right password is refused');
    t.match(refused.text, /已暂时锁定/);
    await staffServiceOf(app).unlock(staff.staffId, { kind: 'cli' }, 'test unlock');
    clock.advance(30_000);
    await signIn(browser, 'desk1', staff.secret, clock);
    t.equal((await browser.get('/console')).status, 200, 'after an unlock the staff member signs in');
  });

  await t.test('idle timeout 15 minutes, absolute 8 hours', async (t) => {
    clock.advance(60_000);
    const staff = await enrolledStaff(app, clock, 'audit1', ['auditor']);
    clock.advance(14 * 60_000);
    t.equal((await staff.browser.get('/console')).status, 200, 'active within 15 minutes');
    clock.advance(16 * 60_000);
    const idle = await staff.browser.get('/console');
    t.equal(idle.status, 302, 'after 16 idle minutes the session is over');
    clock.advance(30_000);
    await signIn(staff.browser, 'audit1', staff.secret, clock);
    for (let minutes = 0; minutes < 8 * 60; minutes += 10) {
      clock.advance(10 * 60_000);
      if ((await staff.browser.get('/console/audit')).status !== 200) break;
    }
    t.equal((await staff.browser.get('/console/audit')).status, 302, 'however active, a session ends after 8 hours');
  });
});

t.test(`STAFF_ALLOWED_NETWORKS hides the console elsewhere (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: { STAFF_ALLOWED_NETWORKS: '10.20.0.0/16' } });
  const res = await fetch(`${app.url}/console/login`);
  t.equal(res.status, 404, 'from 127.0.0.1 the console does not exist');
  t.equal((await fetch(`${app.url}/register`)).status, 200, 'the citizen pages still answer');
  const inside = await startTestApp(t, { database: testDb.database, env: { STAFF_ALLOWED_NETWORKS: '127.0.0.0/8' } });
  t.equal((await fetch(`${inside.url}/console/login`)).status, 200, 'from an allowed network it answers');
});
