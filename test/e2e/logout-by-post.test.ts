// RP-initiated logout by POST: the relying party posts its ID token (no token in a URL), the
// provider checks it and continues with the GET form without the hint, the citizen confirms, and
// the session is over. A forged or foreign hint is refused; a foreign post-logout URI still is.

import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`logout by POST (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const demo = app.container.config.devClient;
  const postLogout = demo.postLogoutRedirectUris[0] as string;
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '退出用户', phone })).status, 201);
  const rp = await demoRelyingParty(app);
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const signedIn = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const tokens = await rp.finish(browser, signedIn.location as string, flow);
  const idToken = tokens.id_token as string;

  await t.test('a forged, tampered or mismatched hint is refused', async (t) => {
    const [header, payload] = idToken.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`;
    for (const [label, form] of [
      ['bad signature', { id_token_hint: forged }],
      ['not a JWT', { id_token_hint: 'garbage' }],
      ['client_id of another client', { id_token_hint: idToken, client_id: 'account-centre' }],
    ] as const) {
      const res = await browser.request('/session/end', { method: 'POST', form: { ...form, post_logout_redirect_uri: postLogout } });
      t.equal(res.status, 400, `${label}: 400`);
      t.equal(res.location, undefined, `${label}: no redirect`);
    }
  });

  await t.test('the POST continues to the confirmation without the token in any URL, and ends the session', async (t) => {
    const posted = await browser.request('/session/end', { method: 'POST', form: { id_token_hint: idToken, post_logout_redirect_uri: postLogout, state: 'bye-1' } });
    t.equal(posted.status, 303);
    const next = new URL(posted.location as string);
    t.equal(next.pathname, '/session/end');
    t.same(Object.fromEntries(next.searchParams), { client_id: demo.clientId, post_logout_redirect_uri: postLogout, state: 'bye-1' }, 'the hint is not in the URL; its audience is');
    t.notOk((posted.location as string).includes(idToken.split('.')[1] as string), 'no part of the ID token is in the URL');
    const confirm = await browser.get(posted.location as string);
    t.equal(confirm.status, 200);
    t.match(confirm.text, /退出登录/, 'the confirmation page');
    const done = await browser.request('/session/end/confirm', { method: 'POST', form: { xsrf: inputValue(confirm.text, 'xsrf') ?? '', logout: 'yes' } });
    t.equal(done.status, 303);
    const back = new URL(done.location as string);
    t.equal(`${back.origin}${back.pathname}`, postLogout, 'back to the registered post-logout URI');
    t.equal(back.searchParams.get('state'), 'bye-1');
    const silent = await rp.authorize(browser, { prompt: 'none' });
    t.ok(silent.page.url.startsWith(demoRedirect));
    t.equal(new URL(silent.page.url).searchParams.get('error'), 'login_required', 'the session is over');
  });

  await t.test('a foreign post-logout URI is still refused after the POST', async (t) => {
    const posted = await browser.request('/session/end', { method: 'POST', form: { id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' } });
    t.equal(posted.status, 303);
    const res = await browser.get(posted.location as string);
    t.equal(res.status, 400, 'oidc-provider refuses the unregistered URI');
    t.notOk((res.location ?? '').startsWith('https://evil.example'), 'and never redirects there');
  });
});
