// RP-initiated logout by POST in real Chromium, from a page on another site (localhost against the
// provider's 127.0.0.1): the session cookies (SameSite=Lax) do not come with the cross-site POST,
// but they do with the GET it is sent on to, so the citizen sees the confirmation for their own
// session, no URL carries the ID token, and the session ends.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { launchBrowser, newTestPage } from '../helpers/browser.js';
import { browserRelyingParty, catchRedirectInContext, pressAndRedeem } from '../helpers/browser-journeys.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

t.test(`logout by POST from another site (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '浏览器退出', phone })).status, 201);
  const postLogout = app.container.config.devClient.postLogoutRedirectUris[0] as string;

  // the relying party's own page, on another site, with the logout form
  let formHtml = '';
  const rpSite = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(formHtml);
  });
  await new Promise<void>((resolve) => rpSite.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => rpSite.close(() => resolve())));
  const rpSiteUrl = `http://localhost:${(rpSite.address() as AddressInfo).port}/`;

  const browser = await launchBrowser(t);
  const tp = await newTestPage(t, browser);
  const { page, context } = tp;
  const rp = await browserRelyingParty(app);
  const flow = await rp.authorization();
  await page.goto(flow.url);
  await page.getByLabel('账号', { exact: true }).fill(phone);
  await page.getByLabel('密码', { exact: true }).fill(strongPassword);
  const { tokens } = await pressAndRedeem(rp, page, flow, '登录');
  const idToken = tokens.id_token as string;
  await page.waitForURL((u) => u.toString().startsWith(demoRedirect));
  t.ok(idToken, 'signed in; the relying party holds an ID token');

  formHtml = `<!doctype html><title>RP</title><form method="post" action="${app.url}/session/end">
    <input type="hidden" name="id_token_hint" value="${escapeHtml(idToken)}">
    <input type="hidden" name="post_logout_redirect_uri" value="${escapeHtml(postLogout)}">
    <input type="hidden" name="state" value="bye-browser">
    <button type="submit">退出</button></form>`;
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.goto(rpSiteUrl);
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('heading', { name: '退出登录' }).waitFor();
  t.match(await page.locator('main, body').first().textContent(), /是否退出统一身份认证/, 'the confirmation of this session: the cookies came with the GET');
  t.equal(new URL(page.url()).pathname, '/session/end');
  t.notOk(urls.some((u) => u.includes(idToken.split('.')[1] as string)), 'no URL requested carries the ID token');

  const loggedOut = await catchRedirectInContext(context, postLogout);
  await page.getByRole('button', { name: '确认退出' }).click();
  const back = new URL(await loggedOut());
  t.equal(back.searchParams.get('state'), 'bye-browser', 'back at the relying party');

  const callback = await catchRedirectInContext(context, demoRedirect);
  // the navigation may end in a refused connection (nothing serves the callback); its URL is caught either way
  await page.goto((await rp.authorization({ prompt: 'none' })).url).catch(() => undefined);
  t.equal(new URL(await callback()).searchParams.get('error'), 'login_required', 'the session is over');
  t.same(tp.pageErrors, []);
});
