// Issue 17 in Chromium at 1280 px: the console pages added for disabling a relying party, ending a
// citizen's sign-ins, the password-reset SMS and the overdue 差评 tile, and the citizen's
// /recover/desk page, are axe-clean; the system administrator disables a client by the form.

/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp } from '../helpers/app.js';
import { describeViolations, seriousViolations } from '../helpers/axe.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { freshPhone, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { enrolledStaff } from '../helpers/console.js';
import { createTestDatabase, engineName } from '../helpers/database.js';

t.test(`console administration pages (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date());
  const app = await startTestApp(t, { database: testDb.database, clock });
  const { db } = app.container.database;
  const { accountId } = await app.container.services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber(), name: '程思远', phoneE164: `+86${freshPhone()}`, password: strongPassword, channel: 'web' });
  const caseId = randomUUID();
  const ago = (minutes: number) => new Date(clock.now().getTime() - minutes * 60_000);
  await db.insertInto('cases').values({ id: caseId, client_id: 'rp-cases', case_no: 'NJ2026-0042', account_id: accountId, service: '社会保障卡申领', department: '市人社局', status: 'completed', submitted_at: ago(20_000), status_at: ago(19_000), completed_at: ago(19_000) }).execute();
  await db.insertInto('case_ratings').values({ case_id: caseId, client_id: 'rp-cases', level: '1', indicators: '{}', rated_at: ago(18_000), rectification_due_at: ago(60) }).execute();
  const staff = await enrolledStaff(app, clock, 'ops', ['sysadmin', 'secadmin', 'servicedesk']);

  const browser = await launchBrowser(t);
  const { page } = await newTestPage(t, browser, { viewport: { width: 1280, height: 800 } });
  const axeClean = async (what: string) => {
    const violations = await seriousViolations(page);
    t.same(violations, [], `${what} is axe-clean at 1280 px${violations.length ? `\n${describeViolations(violations)}` : ''}`);
  };
  // The staff member's signed-in cookie, from the test's HTTP client.
  const cookie = staff.browser.jar.header();
  await page.context().addCookies(cookie.split('; ').map((pair) => {
    const [name, ...value] = pair.split('=');
    return { name: name as string, value: value.join('='), url: `${app.url}/console` };
  }));

  await page.goto(`${app.url}/console`);
  t.match(await page.locator('[data-overdue-count]').textContent(), /1 件/, 'the dashboard counts the overdue rectification');
  await page.getByText('NJ2026-0042').waitFor();
  await axeClean('the dashboard with the overdue tile');

  const clientId = app.container.config.devClient.clientId;
  await page.goto(`${app.url}/console/clients/${clientId}`);
  await axeClean('a client’s page');
  const statusForm = page.locator('form[action$="/disable"]');
  await statusForm.getByLabel('原因').fill('应用方通报密钥泄露');
  await statusForm.getByRole('button', { name: '停用应用' }).click();
  await page.getByText('应用已停用', { exact: true }).waitFor();
  t.notOk(await app.container.clients.find(clientId), 'the client is disabled');
  await axeClean('a disabled client’s page');
  await page.goto(`${app.url}/console/clients`);
  await axeClean('the client list with a disabled client');

  await page.goto(`${app.url}/console/sessions`);
  await axeClean('the sessions page');
  await page.goto(`${app.url}/console/citizens/${accountId}`);
  await page.locator('form[action$="/password-reset"]').getByLabel('原因').fill('来电核实身份后重置');
  await page.getByRole('button', { name: '发送密码重置短信' }).click();
  await page.getByRole('status').filter({ hasText: '发送重置验证码' }).waitFor();
  await axeClean('the citizen record after a reset SMS');

  const citizen = await newTestPage(t, browser, { viewport: { width: 1280, height: 800 } });
  await citizen.page.goto(`${app.url}/recover/desk`);
  const violations = await seriousViolations(citizen.page);
  t.same(violations, [], `/recover/desk is axe-clean${violations.length ? `\n${describeViolations(violations)}` : ''}`);
});
