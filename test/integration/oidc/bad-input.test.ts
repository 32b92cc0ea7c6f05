// Bad input at the protocol endpoints gets a clear OAuth error, never a 500 or a stack trace:
// unknown client, wrong secret, malformed redirect_uri, oversized or malformed JSON, garbage
// Authorization headers.

import t, { type Test } from 'tap';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { startTestApp } from '../../helpers/app.js';

const registrationToken = 'initial-access-token-for-tests-0123456789';

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function assertNoLeak(t: Test, body: string): void {
  t.notMatch(body, /at \w+ \(|node_modules|\.ts:\d+|Error:/, 'no stack trace or internals in the body');
}

t.test(`protocol endpoints answer bad input with OAuth errors (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: { REGISTRATION_ACCESS_TOKEN: registrationToken } });
  const demo = app.container.config.devClient;
  const token = (headers: Record<string, string>, body: string) =>
    fetch(`${app.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  await t.test('unknown client at the token endpoint', async (t) => {
    const res = await token({ authorization: basic('nobody', 'x') }, 'grant_type=client_credentials');
    t.equal(res.status, 401);
    const body = (await res.json()) as { error: string };
    t.equal(body.error, 'invalid_client');
  });

  await t.test('wrong secret', async (t) => {
    const res = await token({ authorization: basic(demo.clientId, 'not-the-secret') }, 'grant_type=authorization_code&code=x&redirect_uri=x');
    t.equal(res.status, 401);
    t.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });

  for (const header of ['Basic !!!not-base64!!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Bearer', 'garbage', 'Basic ' + 'A'.repeat(5000), 'Basic \u00ff\u00fe']) {
    await t.test(`garbage Authorization header: ${header.slice(0, 20)}`, async (t) => {
      const res = await token({ authorization: header }, 'grant_type=client_credentials');
      t.ok(res.status === 400 || res.status === 401, `4xx (got ${res.status})`);
      const text = await res.text();
      t.match(JSON.parse(text), { error: /^invalid_(client|request)$/ });
      assertNoLeak(t, text);
    });
  }

  await t.test('malformed redirect_uri at the authorization endpoint renders a friendly page', async (t) => {
    for (const redirect of ['not a url', 'javascript:alert(1)', 'https://evil.example/cb', '']) {
      const url = `${app.url}/auth?client_id=${demo.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=abcabcabcabcabcabcabcabcabcabcabcabcabcabca&code_challenge_method=S256`;
      const res = await fetch(url, { redirect: 'manual' });
      t.equal(res.status, 400, `400 for redirect_uri=${JSON.stringify(redirect)}`);
      t.equal(res.headers.get('location'), null, 'never redirects to an unregistered URI');
      const html = await res.text();
      t.match(html, /<html/, 'an HTML page');
      assertNoLeak(t, html);
    }
  });

  await t.test('unknown client at the authorization endpoint', async (t) => {
    const res = await fetch(`${app.url}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https://x/cb`, { redirect: 'manual' });
    t.equal(res.status, 400);
    t.equal(res.headers.get('location'), null);
  });

  await t.test('malformed and oversized JSON at the registration endpoint', async (t) => {
    const post = (body: string) =>
      fetch(`${app.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${registrationToken}` }, body });
    for (const body of ['{not json', '[1,2,3]', '"string"', 'null', JSON.stringify({ redirect_uris: 'not-an-array' }), JSON.stringify({ redirect_uris: ['http://[::1'] })]) {
      const res = await post(body);
      t.equal(res.status, 400, `400 for ${body.slice(0, 30)}`);
      const text = await res.text();
      t.match(JSON.parse(text), { error: /^invalid_(request|client_metadata|redirect_uri)$/ });
      assertNoLeak(t, text);
    }
    const huge = JSON.stringify({ client_name: 'x'.repeat(2 * 1024 * 1024), redirect_uris: ['https://rp.example/cb'] });
    const res = await post(huge);
    t.ok(res.status === 413 || res.status === 400, `oversized body refused (got ${res.status})`);
    t.not(res.status, 500);
  });

  await t.test('introspection and revocation without client authentication', async (t) => {
    for (const path of ['/token/introspection', '/token/revocation']) {
      const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=abc' });
      t.ok(res.status === 400 || res.status === 401, `${path} answers ${res.status}`);
      t.match((await res.json()) as object, { error: /^invalid_(client|request)$/ });
    }
  });

  await t.test('userinfo with a garbage bearer token', async (t) => {
    const res = await fetch(`${app.url}/me`, { headers: { authorization: 'Bearer not-a-token' } });
    t.equal(res.status, 401);
    t.match((await res.json()) as object, { error: 'invalid_token' });
  });
});
