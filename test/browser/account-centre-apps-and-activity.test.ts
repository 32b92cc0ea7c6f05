// 个人用户中心 (/account) in real Chromium, 已授权应用, 登录记录 and 办事 / 收藏: revoking an app ends its
// refresh token at /token, the sign-in history (with that app's sign-in) and 退出 of a provider
// session, the service catalogue with its level hints and the favourite star.

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import * as client from 'openid-client';
import { catchRedirect, newTestPage } from '../helpers/browser.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { passwordSignIn } from '../helpers/centre-demo-browser.js';
import { strongPassword } from '../helpers/citizens.js';
import { notice, startCentreWorld } from '../helpers/account-centre-browser.js';

t.test(`user centre in a real browser: apps, sign-in history and services (${engineName})`, async (t) => {
  const world = await startCentreWorld(t, ['binder']);
  const { app, browser, auditRows, centre, people: { binder } } = world;
  const binderId = await world.accountIdOf(binder);

  await t.test('已授权应用: revoking the demo ends its refresh token (invalid_grant)', async (t) => {
    const demo = app.container.config.devClient;
    const rp = await client.discovery(new URL(app.url), demo.clientId, demo.clientSecret, undefined, { execute: [client.allowInsecureRequests] });
    const pkce = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, { redirect_uri: demoRedirect, scope: 'openid profile offline_access', code_challenge: await client.calculatePKCECodeChallenge(pkce), code_challenge_method: 'S256', state: 'apps-state', nonce: 'apps-nonce' });
    const signIn = await newTestPage(t, browser);
    await signIn.page.goto(url.toString());
    const redirected = await catchRedirect(signIn.page, demoRedirect);
    await passwordSignIn(signIn.page, binder.phone, strongPassword);
    const tokens = await client.authorizationCodeGrant(rp, new URL(await redirected()), { pkceCodeVerifier: pkce, expectedState: 'apps-state', expectedNonce: 'apps-nonce' });
    t.ok(tokens.refresh_token, 'the relying party holds a refresh token');
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token as string);
    const refreshToken = refreshed.refresh_token ?? (tokens.refresh_token as string);

    const { page } = await centre(t, binder, '/account/apps');
    const app1 = page.getByRole('listitem').filter({ hasText: '人社业务示例' });
    // the scopes in the consent page's words (openid, profile), never the raw scope names
    t.equal(await app1.getByText(/^授权范围：/).textContent(), '授权范围：用户标识（一个编号，不含您的证件号码）、身份认证等级（注册用户、实名用户或实人用户）、本次登录的时间、方式和认证等级、姓名');
    t.match(await app1.textContent(), /最近使用：\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    t.equal(await page.getByRole('listitem').filter({ hasText: '个人用户中心' }).count(), 0, 'the centre itself is not listed');
    await page.getByRole('button', { name: '取消授权 人社业务示例 (demo)', exact: true }).click();
    await page.getByRole('status').waitFor();
    t.equal(await notice(page), '已取消授权');
    t.equal(await page.getByRole('button', { name: '取消授权 人社业务示例 (demo)' }).count(), 0, 'no longer listed');
    const failure = await client.refreshTokenGrant(rp, refreshToken).then(() => undefined, (err: unknown) => err as { error?: string });
    t.equal(failure?.error, 'invalid_grant', 'the refresh token fails at /token');
    t.equal((await auditRows(binderId, 'account.grant_revoked'))[0]?.client_id, 'demo-rp');
  });

  await t.test('登录记录: sign-ins with method, client, IP and result; 退出 ends a provider session', async (t) => {
    const { page } = await centre(t, binder, '/account/activity');
    const rows = page.getByRole('row').filter({ hasText: '个人用户中心' });
    t.ok((await rows.count()) >= 1);
    t.same(await rows.first().getByRole('cell').allTextContents().then((c) => c.slice(1)), ['密码', '个人用户中心', '127.0.0.1', '成功']);
    t.equal(await page.getByRole('row').filter({ hasText: '人社业务示例' }).first().getByRole('cell').nth(1).textContent(), '密码');
    const sessions = page.getByRole('heading', { name: '统一身份认证登录会话' }).locator('xpath=..').getByRole('button', { name: '退出', exact: true });
    const before = await sessions.count();
    t.ok(before >= 1, 'the provider sessions are listed');
    await sessions.first().click();
    await page.getByRole('status').waitFor();
    t.equal(await notice(page), '已退出该会话');
    t.equal(await sessions.count(), before - 1);
    t.match(await page.locator('main').textContent(), /当前会话/);
  });

  await t.test('办事 / 收藏: the catalogue, what is missing, the favourite star', async (t) => {
    await app.container.clients.save({ client_id: 'pension-test', client_secret: 'pension-test-secret', client_name: '养老待遇资格认证', redirect_uris: ['http://localhost:3002/cb'], public_service: true, required_level: 'real_person', service_description: '需要实人' }, 'cli');
    const { page } = await centre(t, binder, '/account/services');
    const pension = page.getByRole('listitem').filter({ has: page.getByText('养老待遇资格认证', { exact: true }) });
    t.match(await pension.textContent(), /需实人用户/);
    t.match(await pension.textContent(), /办理此业务需要实人用户，您的等级不足。/);
    t.equal(await pension.getByRole('link', { name: '去提升等级' }).count(), 1);
    const star = page.getByRole('button', { name: '收藏 养老待遇资格认证', exact: true });
    t.equal(await star.getAttribute('aria-pressed'), 'false');
    await star.click();
    const unstar = page.getByRole('button', { name: '取消收藏 养老待遇资格认证', exact: true });
    await unstar.waitFor();
    t.equal(await unstar.getAttribute('aria-pressed'), 'true', 'starred');
    t.equal(await unstar.textContent(), '★');
    await unstar.click();
    await page.getByRole('button', { name: '收藏 养老待遇资格认证', exact: true }).waitFor();
    t.equal(await page.getByRole('button', { name: '收藏 养老待遇资格认证', exact: true }).getAttribute('aria-pressed'), 'false', 'and unstarred');
  });
});
