// Protocol features a relying party may use, driven by openid-client: a pushed authorization
// request (PAR), DPoP-bound tokens used at userinfo, refresh, and RP-initiated logout.

import t from 'tap';
import * as client from 'openid-client';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRedirect, openidRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`PAR, DPoP, refresh and logout (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const phone = freshPhone();
  await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '协议特性', phone });
  const demo = app.container.config.devClient;
  const { config } = await openidRelyingParty(app);
  t.type(config.serverMetadata().pushed_authorization_request_endpoint, 'string', 'discovery lists PAR');

  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(
    config,
    { redirect_uri: demoRedirect, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state },
    { DPoP: dpop },
  );
  t.ok(url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'), 'the browser carries only a request_uri');
  t.equal(url.searchParams.get('scope'), null, 'and none of the pushed parameters');

  const browser = createBrowser(app.url);
  const login = await browser.follow(url.toString());
  const signedIn = await browser.post(`${login.url}/password`, { _csrf: inputValue(login.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const landed = await browser.follow(signedIn.location as string, (u) => u.startsWith(demoRedirect));
  const tokens = await client.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop });
  t.equal(tokens.token_type.toLowerCase(), 'dpop', 'the access token is DPoP-bound');
  const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string, { DPoP: dpop });
  t.equal(info.name, '协议特性', 'userinfo accepts the bound token with a proof');
  const withoutProof = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  t.equal(withoutProof.status, 401, 'and refuses it as a plain bearer token');

  t.type(tokens.refresh_token, 'string', 'a first-party client gets a refresh token');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string, undefined, { DPoP: dpop });
  t.type(refreshed.access_token, 'string', 'refresh works');
  const stolen = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${demo.clientId}:wrong-secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.refresh_token as string)}`,
  });
  t.equal(stolen.status, 401, "a confidential client's refresh token is useless without the client's secret");

  const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: demo.postLogoutRedirectUris[0] as string });
  const confirm = await browser.get(logout.toString());
  t.equal(confirm.status, 200);
  t.match(confirm.text, /退出登录/, 'a confirmation page in Chinese');
  const xsrf = inputValue(confirm.text, 'xsrf') ?? '';
  const done = await browser.request(new URL('/session/end/confirm', app.url).toString(), { method: 'POST', form: { xsrf, logout: 'yes' } });
  t.equal(done.status, 303);
  t.match(done.location as string, /^http:\/\/localhost:3001\//, 'back to the registered post-logout URI');
  const silent = await browser.follow(client.buildAuthorizationUrl(config, { redirect_uri: demoRedirect, scope: 'openid', prompt: 'none', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString(), (u) => u.startsWith(demoRedirect));
  t.equal(new URL(silent.url).searchParams.get('error'), 'login_required', 'the session is over');
});
