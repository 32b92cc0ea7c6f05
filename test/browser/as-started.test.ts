// In a real browser, against the product started as a newcomer starts it (`npm start`: no
// NODE_ENV, no keys, the embedded database, the mounted mocks): a relying party asks for 实人 and
// the citizen steps up through the mounted face mock inside the same authorization request.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { assertCleanPages, catchRedirectInContext, pressFace, showFaceQr, trackNewTabs } from '../helpers/browser-journeys.js';
import { freshPhone, registerThroughPages, strongPassword } from '../helpers/citizens.js';
import { createBrowser } from '../helpers/http-client.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { demoRedirect, openidRelyingParty } from '../helpers/oidc-flow.js';

// Starting the embedded engine and compiling through tsx takes minutes on a busy 2-core machine.
t.setTimeout(600_000);

t.test('npm start: a citizen steps up to 实人 through the mounted face mock in a browser', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jsrs-newcomer-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await startNodeProcess({ DATA_DIR: dataDir }, { asNewcomer: true });
  t.teardown(async () => {
    await node.stop();
  });
  const app = { url: `http://localhost:${node.port}` };
  const demo = loadConfig({ env: {} }).devClient;
  const rp = await openidRelyingParty(app, { clientId: demo.clientId, clientSecret: demo.clientSecret });

  const who = loadPopulationRegistry().find((p) => p.name === '林俊杰' && p.faceEnrolled);
  if (!who) throw new Error('fixture missing');
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: who.idNumber, name: who.name, phone })).status, 201);

  const browser = await launchBrowser(t);
  const tp = await newTestPage(t, browser, { viewport: { width: 375, height: 812 } });
  trackNewTabs(tp);
  const { page } = tp;
  const flow = await rp.authorization({ acr_values: 'urn:jsrs:level:real_person' });
  await page.goto(flow.url);
  await page.getByRole('heading', { level: 1, name: '统一身份认证登录' }).waitFor();
  await page.getByLabel('账号', { exact: true }).fill(phone);
  await page.getByLabel('密码', { exact: true }).fill(strongPassword);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForURL(/\/step-up\?flow=/);
  await page.getByRole('heading', { level: 2, name: '人脸识别' }).waitFor();
  await page.getByRole('button', { name: '开始人脸识别', exact: true }).click();
  await showFaceQr(page);
  const redirected = await catchRedirectInContext(tp.context, demoRedirect);
  const { heading } = await pressFace(page, 'pass');
  t.equal(heading, '认证通过', 'the mounted face mock passes the check');
  const tokens = await rp.redeem(await redirected(), flow);
  t.equal(tokens.claims()?.acr, 'urn:jsrs:level:real_person:face', 'the client gets 实人 with a face check now');
  t.same(tokens.claims()?.amr, ['pwd', 'face']);
  assertCleanPages(t, tp);
});
