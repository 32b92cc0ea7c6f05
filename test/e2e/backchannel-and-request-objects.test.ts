// Two protocol features relying parties depend on for single sign-on across 人社 services:
// back-channel logout (every client with a session gets a signed logout token when the citizen
// signs out anywhere) and signed request objects (the parameters inside a JWT are the ones used;
// a tampered one is refused with an OAuth error).

import t from 'tap';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { demoClientMetadata } from '../../src/oidc/clients-file.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { browsingRelyingParty, demoRedirect, openidRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { backchannelEvent, backchannelReceiver } from '../helpers/backchannel.js';

t.test(`back-channel logout and request objects (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  // The relying party listens on loopback: a special-use address the provider calls only when allowed.
  const app = await startTestApp(t, { database: testDb.database, overrides: { security: { outboundAllowedNetworks: ['127.0.0.0/8'] } } });
  const receiver = await backchannelReceiver(t);
  const deliveryErrors: string[] = [];
  (app.container.oidc.provider as unknown as NodeJS.EventEmitter).on('backchannel.error', (_ctx: unknown, err: Error) => deliveryErrors.push(`${err.message}: ${String((err as { cause?: unknown }).cause)}`));
  const clientId = 'sso-rp';
  const clientSecret = 'sso-rp-secret-0123456789abcdef0123456789';
  await app.container.clients.save(
    {
      ...demoClientMetadata(app.container.config),
      client_id: clientId,
      client_secret: clientSecret,
      client_name: '单点退出测试应用',
      backchannel_logout_uri: receiver.url,
      backchannel_logout_session_required: true,
      request_object_signing_alg: 'HS256',
    },
    'cli',
  );
  const phone = freshPhone();
  await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '单点退出', phone });
  const openid = await openidRelyingParty(app, { clientId, clientSecret, scope: 'openid profile' });
  const rp = browsingRelyingParty(openid);
  const issuer = openid.config.serverMetadata().issuer;
  t.equal(openid.config.serverMetadata().backchannel_logout_supported, true, 'discovery announces back-channel logout');
  t.equal(openid.config.serverMetadata().backchannel_logout_session_supported, true, 'with the session id');

  await t.test('signing out sends the client a signed logout token for that session', async (t) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const signedIn = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
    t.equal(signedIn.status, 303, 'signed in');
    const tokens = await rp.finish(browser, signedIn.location as string, flow);
    const idToken = tokens.claims();
    t.type(idToken?.sid, 'string', 'the ID token carries the session id the logout token will name');

    const logout = client.buildEndSessionUrl(openid.config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: app.container.config.devClient.postLogoutRedirectUris[0] as string });
    const confirm = await browser.get(logout.toString());
    const done = await browser.request(new URL('/session/end/confirm', app.url).toString(), { method: 'POST', form: { xsrf: inputValue(confirm.text, 'xsrf') ?? '', logout: 'yes' } });
    t.equal(done.status, 303, 'signed out');

    const [logoutToken] = await receiver.waitFor(1);
    t.same(deliveryErrors, [], 'no delivery error');
    t.ok(logoutToken, 'the client received a logout token');
    const { payload, protectedHeader } = await jwtVerify(logoutToken as string, createRemoteJWKSet(new URL(`${app.url}/jwks`)), { issuer, audience: clientId, typ: 'logout+jwt' });
    t.equal(protectedHeader.typ, 'logout+jwt', 'typed as a logout token');
    t.equal(payload.sub, idToken?.sub, 'for the citizen who signed out');
    t.equal(payload.sid, idToken?.sid, 'and the session that ended');
    t.ok(payload.events && typeof payload.events === 'object' && backchannelEvent in payload.events, 'with the back-channel logout event');
    t.equal(payload.nonce, undefined, 'never a nonce (it would make it an ID token)');
    t.type(payload.jti, 'string', 'with an id the client can use to refuse replays');
  });

  await t.test('a signed request object: its parameters are the ones used; a tampered one is refused', async (t) => {
    const secret = new TextEncoder().encode(clientSecret);
    const verifier = client.randomPKCECodeVerifier();
    const requestObject = (claims: Record<string, unknown>) =>
      new SignJWT({ client_id: clientId, response_type: 'code', redirect_uri: demoRedirect, code_challenge_method: 'S256', ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(clientId)
        .setAudience(issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret);
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const signed = await requestObject({ scope: 'openid profile', state: 'from-the-jwt', nonce: 'n-jwt', code_challenge: challenge });

    const browser = createBrowser(app.url);
    // The plain parameters disagree with the request object: the signed values must win.
    const url = new URL('/auth', app.url);
    for (const [k, v] of Object.entries({ client_id: clientId, response_type: 'code', scope: 'openid', request: signed })) url.searchParams.set(k, v);
    const login = await browser.follow(url.toString(), (u) => u.startsWith(demoRedirect));
    t.match(login.url, /\/interaction\//, 'the signed request is accepted and the login page shown');
    const signedIn = await browser.post(`${login.url}/password`, { _csrf: inputValue(login.text, '_csrf') ?? '', account: phone, password: strongPassword });
    const landed = await browser.follow(signedIn.location as string, (u) => u.startsWith(demoRedirect));
    const callback = new URL(landed.url);
    t.equal(callback.searchParams.get('state'), 'from-the-jwt', 'the state inside the request object comes back');
    const tokens = await client.authorizationCodeGrant(openid.config, callback, { pkceCodeVerifier: verifier, expectedState: 'from-the-jwt', expectedNonce: 'n-jwt' });
    t.equal(decodeJwt(tokens.id_token as string).nonce, 'n-jwt', 'the nonce inside the request object is in the ID token');

    const [header, body] = signed.split('.');
    const forged = `${header}.${body}.${Buffer.from('not the signature').toString('base64url')}`;
    const refused = new URL('/auth', app.url);
    for (const [k, v] of Object.entries({ client_id: clientId, response_type: 'code', scope: 'openid', request: forged })) refused.searchParams.set(k, v);
    const refusals: string[] = [];
    (app.container.oidc.provider as unknown as NodeJS.EventEmitter).on('authorization.error', (_ctx: unknown, err: { error?: string }) => refusals.push(err.error ?? ''));
    const answer = await createBrowser(app.url).follow(refused.toString(), (u) => u.startsWith(demoRedirect));
    t.equal(answer.status, 400, 'a request object with a bad signature is refused');
    t.same(refusals, ['invalid_request_object'], 'as invalid_request_object');
    t.match(answer.text, /登录请求无法完成/, 'and the citizen reads why in Chinese, not a stack');
    t.notOk(answer.url.startsWith(demoRedirect), 'no redirect to a redirect_uri the provider could not trust');
  });
});
