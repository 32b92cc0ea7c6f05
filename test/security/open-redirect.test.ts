// Open redirects (issue 8): no parameter of ours can send a browser to an unregistered URL. The
// authorization endpoint with a foreign or look-alike redirect_uri, RP-initiated logout with an
// unregistered post_logout_redirect_uri, our own ?lang= links and the query parameters other
// sites use for "return to" on every page of ours: every redirect stays on our origin or goes to
// exactly a registered URI.

import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

const evil = 'https://evil.example';

t.test(`no open redirects (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 1000 } } });
  const rp = await demoRelyingParty(app);
  const demo = app.container.config.devClient;
  const registered = new Set([...demo.redirectUris, ...demo.postLogoutRedirectUris]);
  /** A Location is safe when it is on our origin or exactly a registered URI (plus query). */
  const safe = (location: string) => {
    const url = new URL(location, app.url);
    if (url.origin === app.url) return true;
    return registered.has(`${url.origin}${url.pathname}`) && !url.username && !url.password;
  };

  await t.test('authorization with a foreign or look-alike redirect_uri never redirects', async (t) => {
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    for (const redirect of [
      `${evil}/callback`,
      'http://localhost:3001/callback.evil.example',
      'http://localhost:3001/callback/../../evil',
      'http://localhost:3001/callback/',
      'http://localhost:3001/Callback',
      'http://localhost:3001@evil.example/callback',
      'http://localhost:3001/callback@evil.example',
      'http://localhost:3002/callback',
      'https://localhost:3001/callback',
      'http://localhost:3001/callback#x',
      'http://localhost:3001/callback?next=https://evil.example',
      '//evil.example/callback',
      'javascript:alert(1)//http://localhost:3001/callback',
      `http://localhost:3001/callback\t`,
      ' http://localhost:3001/callback',
      'http://LOCALHOST:3001/callback@evil',
    ]) {
      const url = `${app.url}/auth?${new URLSearchParams({ client_id: demo.clientId, response_type: 'code', scope: 'openid', redirect_uri: redirect, code_challenge: challenge, code_challenge_method: 'S256', state: 's' })}`;
      const res = await fetch(url, { redirect: 'manual' });
      t.equal(res.status, 400, `redirect_uri ${JSON.stringify(redirect)} → 400`);
      t.equal(res.headers.get('location'), null, `redirect_uri ${JSON.stringify(redirect)} → no Location`);
      const html = await res.text();
      t.notMatch(html, /evil\.example|http-equiv="refresh"/i, 'the page neither links nor refreshes to it');
    }
    // Two redirect_uri parameters (the registered one first): refused, not silently using one.
    const twice = `${app.url}/auth?client_id=${demo.clientId}&response_type=code&scope=openid&code_challenge=${challenge}&code_challenge_method=S256&redirect_uri=${encodeURIComponent(demoRedirect)}&redirect_uri=${encodeURIComponent(`${evil}/cb`)}`;
    const res = await fetch(twice, { redirect: 'manual' });
    t.ok(res.headers.get('location') === null || !/evil\.example/.test(res.headers.get('location') ?? ''), 'duplicate redirect_uri never leads to the foreign one');
  });

  await t.test('RP-initiated logout with an unregistered post_logout_redirect_uri', async (t) => {
    const person = { certType: '01', documentNumber: syntheticIdNumber(), name: '测试用户', phone: freshPhone() };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const signedIn = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') as string, account: person.phone, password: strongPassword });
    const tokens = await rp.finish(browser, signedIn.location as string, flow);
    const idToken = tokens.id_token as string;
    /** Submits the logout confirmation form of `html`; returns the URL the browser ends at. */
    const confirmLogout = async (html: string): Promise<string> => {
      const action = (/<form[^>]*action="([^"]*)"/.exec(html)?.[1] ?? '').replace(/&amp;/g, '&');
      t.ok(action && safe(action), `the logout form posts to us (${action})`);
      const form = Object.fromEntries([...html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1] as string, (m[2] as string).replace(/&amp;/g, '&')]));
      const done = await browser.request(action, { method: 'POST', form: { ...form, logout: 'yes' } });
      if (!done.location) return done.url;
      t.ok(safe(done.location), `the logout redirect is safe (${done.location})`);
      const landed = await browser.follow(done.location, (u) => !u.startsWith(app.url));
      return landed.url;
    };
    for (const [what, params] of [
      ['foreign URI with id_token_hint', { id_token_hint: idToken, post_logout_redirect_uri: `${evil}/`, state: 'x' }],
      ['foreign URI with client_id', { client_id: demo.clientId, post_logout_redirect_uri: `${evil}/` }],
      ['look-alike URI', { id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:3001.evil.example/' }],
      ['foreign URI without any client', { post_logout_redirect_uri: `${evil}/` }],
    ] as const) {
      const res = await browser.get(`/session/end?${new URLSearchParams(params)}`);
      t.equal(res.location, undefined, `${what}: no redirect`);
      t.notMatch(res.text, /evil\.example/, `${what}: the page does not carry the URI`);
      if (res.status === 200) {
        // The provider may still offer to sign out (without going anywhere): confirming stays here.
        const landed = await confirmLogout(res.text);
        t.ok(new URL(landed).origin === app.url, `${what}: confirming the logout stays on our origin (${landed})`);
      } else t.equal(res.status, 400, `${what}: 400`);
    }
    // The registered URI works, and the confirmation form posts back to us only.
    const page = await browser.get(`/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: demo.postLogoutRedirectUris[0] as string, state: 'bye' })}`);
    t.equal(page.status, 200, 'the logout confirmation page');
    const landed = { url: await confirmLogout(page.text) };
    t.equal(`${new URL(landed.url).origin}${new URL(landed.url).pathname}`, demo.postLogoutRedirectUris[0], 'ends at the registered URI');
    t.equal(new URL(landed.url).searchParams.get('state'), 'bye');
  });

  await t.test('our pages: ?lang= and every usual "return to" parameter stay on our origin', async (t) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const uid = /\/interaction\/([\w-]+)$/.exec(flow.page.url)?.[1] as string;
    const payloads = [`${evil}/`, '//evil.example/', '/\\evil.example', 'https:evil.example', '\\\\evil.example', `javascript:alert(1)`, '%2F%2Fevil.example'];
    const params = ['lang', 'return_to', 'returnTo', 'return', 'next', 'redirect', 'redirect_uri', 'url', 'continue', 'back', 'interaction', 'type', 'method', 'ticket', 'flow'];
    const pages = ['/', '/register', `/interaction/${uid}`, `/interaction/${uid}/register`, '/recover', '/appeal', '/account', '/dev/outbox', '/no-such-page'];
    let checked = 0;
    for (const path of pages) {
      for (const param of params) {
        for (const payload of payloads) {
          const res = await browser.get(`${path}?${param}=${encodeURIComponent(payload)}`);
          checked += 1;
          if (res.location && !safe(res.location)) t.fail(`${path}?${param}=${payload} redirects to ${res.location}`);
          if (res.status >= 500) t.fail(`${path}?${param}=${payload} answered ${res.status}`);
          if (res.status === 200 && /<a [^>]*href="[^"]*evil\.example/i.test(res.text)) t.fail(`${path}?${param}=${payload} links to evil.example`);
        }
      }
    }
    t.pass(`${checked} requests: no redirect or link off our origin`);
    // Paths that look like other hosts (a framework's trailing-slash or static redirect).
    for (const path of ['//evil.example/', '//evil.example/%2e%2e', '/%2F%2Fevil.example', '/\\evil.example', '/static//evil.example', '/static/..%2F..%2Fevil', '/.well-known/../\\evil.example']) {
      const res = await fetch(`${app.url}${path}`, { redirect: 'manual' });
      const location = res.headers.get('location');
      t.ok(location === null || safe(location), `${path}: ${res.status}${location ? ` → ${location}` : ''}`);
      t.ok(res.status < 500, `${path}: not a server error`);
    }
  });
});
