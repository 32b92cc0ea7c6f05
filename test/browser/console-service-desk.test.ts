// Issue 17, the service-desk story in Chromium at 1280 px: a 客服 signs in to /console (password +
// TOTP), finds a locked citizen by phone, sees why (locked until …), unlocks with a written
// reason, and the citizen then signs in. Every console page on the way is axe-clean.

/// <reference lib="dom" />
import t from 'tap';
import { totpCode } from '../../src/console/totp.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { accountLockoutKey } from '../../src/services/lockout.js';
import { startTestApp } from '../helpers/app.js';
import { describeViolations, seriousViolations } from '../helpers/axe.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { signInToCentre } from '../helpers/centre-demo-browser.js';
import { freshPhone, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { enrolledStaff, staffPassword } from '../helpers/console.js';
import { createTestDatabase, engineName } from '../helpers/database.js';

t.test(`service desk unlocks a citizen who then signs in (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  // The app's clock starts now and moves only by the TOTP steps the test spends.
  const clock = createControllableClock(new Date());
  const app = await startTestApp(t, { database: testDb.database, clock });
  const { services } = app.container;
  const phone = freshPhone();
  const { accountId } = await services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber(), name: '蒋丽华', phoneE164: `+86${phone}`, password: strongPassword, channel: 'web' });
  for (let i = 0; i < services.lockout.maxFailures; i += 1) await services.lockout.attempt(accountLockoutKey(accountId), async () => false);
  const desk = await enrolledStaff(app, clock, 'desk', ['servicedesk']);
  clock.advance(30_000);

  const browser = await launchBrowser(t);
  const { page } = await newTestPage(t, browser, { viewport: { width: 1280, height: 800 } });
  const axeClean = async (what: string) => {
    const violations = await seriousViolations(page);
    t.same(violations, [], `${what} is axe-clean at 1280 px${violations.length ? `\n${describeViolations(violations)}` : ''}`);
  };

  await page.goto(`${app.url}/console`);
  await page.waitForURL(/\/console\/login$/);
  await axeClean('the console sign-in page');
  await page.getByLabel('用户名', { exact: true }).fill('desk');
  await page.getByLabel('密码', { exact: true }).fill(staffPassword);
  await page.getByRole('button', { name: '下一步' }).click();
  await page.waitForURL(/\/console\/login\/code$/);
  await page.getByLabel('动态口令', { exact: true }).fill(totpCode(desk.secret, clock.now()));
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForURL(/\/console$/);
  await axeClean('the dashboard');

  await page.getByRole('link', { name: '居民查询' }).click();
  await page.waitForURL(/\/console\/citizens$/);
  await axeClean('the lookup page');
  await page.getByLabel('号码', { exact: true }).fill(phone);
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(new RegExp(`/console/citizens/${accountId}$`));
  const lock = page.locator('[data-lock]');
  t.match(await lock.textContent(), /已锁定至/, 'the desk sees why: the account is locked');
  await axeClean('the citizen record');

  const unlockForm = page.locator(`form[action$="/unlock"]`);
  await unlockForm.getByLabel('原因').fill('本人来电核实身份后解锁');
  await unlockForm.getByRole('button', { name: '解除锁定' }).click();
  await page.getByText('已解除锁定', { exact: true }).waitFor();
  t.match(await page.locator('[data-lock]').textContent(), /未锁定/, 'the record shows it unlocked');
  await axeClean('the record after unlocking');
  const audit = await app.container.database.db.selectFrom('audit_events').selectAll().where('event', '=', 'account.unlocked').executeTakeFirstOrThrow();
  t.match(audit, { actor: `staff:${desk.staffId}`, subject: accountId, details: { role: 'servicedesk', reason: '本人来电核实身份后解锁' } }, 'the unlock is audited with staff, role and reason');

  const citizen = await newTestPage(t, browser);
  await signInToCentre(citizen.page, app.url, phone, strongPassword);
  t.pass('the citizen signs in with their password');
});
