// The policies page in real Chromium at phone (375 px) and desktop (1280 px) widths (issue 15): a
// citizen who agreed to an earlier version signs in, sees both texts linked with the versions,
// 不同意 returns access_denied to the client, 同意并继续 completes the sign-in. No CSP violation, no
// serious accessibility finding, nothing wider than the screen; screenshots under test-artifacts/.

import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { catchRedirect, launchBrowser, newTestPage, screenshot } from '../helpers/browser.js';
import { assertCleanPages, browserRelyingParty, pressAndRedeem } from '../helpers/browser-journeys.js';
import { passwordSignIn } from '../helpers/centre-demo-browser.js';
import { describeViolations, horizontalOverflow, seriousViolations } from '../helpers/axe.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`the policies page at sign-in (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const current = app.container.services.policies.version;
  const earlier = '2026-06-01';
  const browser = await launchBrowser(t);
  const rp = await browserRelyingParty(app);

  for (const [label, viewport] of [['375', { width: 375, height: 740 }], ['1280', { width: 1280, height: 800 }]] as const) {
    await t.test(`${label} px`, async (t) => {
      const phone = freshPhone();
      t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber('19790909'), name: '冯政策', phone })).status, 201);
      // as if the operator had published a new version since this citizen agreed
      await testDb.database.db.updateTable('accounts').set({ policy_version: earlier }).where('id', 'in', (eb) =>
        eb.selectFrom('phones').select('account_id').where('phone_index', '=', app.container.secrets.blindIndex('phone', `+86${phone}`))).execute();

      const tp = await newTestPage(t, browser, { viewport });
      const { page } = tp;
      const first = await rp.authorization();
      await page.goto(first.url);
      await passwordSignIn(page, phone, strongPassword);
      await page.getByRole('heading', { name: '请阅读并同意隐私政策' }).waitFor();
      t.match(await page.locator('main').textContent(), new RegExp(`现行版本为 ${current}（您此前同意的版本为 ${earlier}）`), 'both versions said');
      const privacy = page.getByRole('link', { name: '《隐私政策》', exact: true });
      t.equal(await privacy.getAttribute('href'), '/privacy');
      t.equal(await page.getByRole('link', { name: '《个人证件信息处理规则》', exact: true }).getAttribute('href'), '/privacy/document-rules');
      t.ok(await page.getByRole('button', { name: '同意并继续', exact: true }).isVisible());
      t.ok(await page.getByRole('button', { name: '不同意', exact: true }).isVisible());
      t.equal(await horizontalOverflow(page), 0, 'nothing wider than the screen');
      const violations = await seriousViolations(page);
      t.equal(violations.length, 0, describeViolations(violations));
      await screenshot(page, `policies-${label}`);

      // 不同意: the client hears access_denied
      const declined = await catchRedirect(page, demoRedirect);
      await page.getByRole('button', { name: '不同意', exact: true }).click();
      t.equal(new URL(await declined()).searchParams.get('error'), 'access_denied', '不同意 ends with access_denied at the client');
      await page.unrouteAll({ behavior: 'ignoreErrors' });

      // asked again at the next authorization (the session is still there); 同意并继续 completes it
      const second = await rp.authorization();
      await page.goto(second.url);
      await page.getByRole('heading', { name: '请阅读并同意隐私政策' }).waitFor();
      const { claims } = await pressAndRedeem(rp, page, second, '同意并继续');
      t.ok(claims?.sub, 'signed in at the client');
      await page.unrouteAll({ behavior: 'ignoreErrors' });

      // and not asked a third time
      const third = await rp.authorization();
      const back = await catchRedirect(page, demoRedirect);
      await page.goto(third.url).catch(() => undefined);
      t.ok(new URL(await back()).searchParams.get('code'), 'straight back with a code');
      assertCleanPages(t, tp);
    });
  }
});
