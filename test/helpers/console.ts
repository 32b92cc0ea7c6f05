// Staff for the console tests: created as the CLI does (a one-time enrolment link), enrolled
// through the enrolment page (password + TOTP secret read off the page), and signed in.

import { createStaffService, type StaffRole } from '../../src/console/staff.js';
import { totpCode } from '../../src/console/totp.js';
import type { ControllableClock } from '../../src/domain/clock.js';
import type { TestApp } from './app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from './http-client.js';

export const staffPassword = 'Console#2026pass';

export interface StaffLogin {
  staffId: string;
  username: string;
  secret: string;
  browser: Browser;
}

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';

export function staffServiceOf(app: TestApp) {
  const c = app.container;
  return createStaffService({ db: c.database.db, clock: c.clock, secrets: c.secrets, hasher: c.services.hasher, lockout: c.services.lockout, audit: c.services.audit });
}

/** Creates, enrols (through the page) and signs in a staff member with `roles`. */
export async function enrolledStaff(app: TestApp, clock: ControllableClock, username: string, roles: StaffRole[]): Promise<StaffLogin> {
  const { staffId, enrolmentToken } = await staffServiceOf(app).create({ username, displayName: `测试${username}`, roles }, { kind: 'cli' });
  const browser = createBrowser(app.url);
  const page = await browser.get(`/console/enrol/${enrolmentToken}`);
  if (page.status !== 200) throw new Error(`enrolment page answered ${page.status}`);
  const secret = (/data-totp-secret>([^<]+)</.exec(page.text)?.[1] ?? '').replace(/\s/g, '');
  const done = await browser.post(`/console/enrol/${enrolmentToken}`, { _csrf: csrf(page), password: staffPassword, confirmPassword: staffPassword, code: totpCode(secret, clock.now()) });
  if (done.status !== 200) throw new Error(`enrolment answered ${done.status}: ${done.text.slice(0, 300)}`);
  clock.advance(30_000); // the enrolment spent this step's code
  await signIn(browser, username, secret, clock);
  return { staffId, username, secret, browser };
}

export async function signIn(browser: Browser, username: string, secret: string, clock: ControllableClock): Promise<Response2> {
  const login = await browser.get('/console/login');
  const afterPassword = await browser.post('/console/login', { _csrf: csrf(login), username, password: staffPassword });
  if (afterPassword.status !== 302) throw new Error(`password step answered ${afterPassword.status}`);
  const codePage = await browser.get('/console/login/code');
  const res = await browser.post('/console/login/code', { _csrf: csrf(codePage), code: totpCode(secret, clock.now()) });
  if (res.location !== new URL('/console', codePage.url).toString()) throw new Error(`code step answered ${res.status} ${res.location ?? ''}`);
  return res;
}

export { csrf };
