// Contract suite of the 江苏政务 port: the HTTP adapter against the mock OAuth 2.0 server running
// as a real HTTP server on loopback (code flow with state + PKCE, login and consent pages).

import { createHash, randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import Koa from 'koa';
import { createControllableClock, type ControllableClock } from '../../src/domain/clock.js';
import { createJszwUpstream, type JszwUpstreamOptions } from '../../src/adapters/upstreams/jszw/http.js';
import type { JszwUpstream } from '../../src/adapters/upstreams/jszw/types.js';
import { createJszwMock, subjectOf } from '../../src/mocks/jszw/app.js';
import { loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import type { RunningServer } from '../../src/mocks/shared/serve.js';
import { causeMessageOf, failureOf as upstreamFailureOf, serveForTest, serveWithUrl } from '../helpers/upstream-contract.js';

const accounts = loadUpstreamAccounts().jszw;
const client = { clientId: 'jsrs-idp', clientSecret: 's3cret:with+odd&chars', redirectUris: ['http://rp.test/cb/jszw'] };
const redirectUri = 'http://rp.test/cb/jszw';
const realPerson = accounts.find((a) => a.level === '实人')!;
const realName = accounts.find((a) => a.level === '实名')!;

async function setup(t: Test): Promise<{ server: RunningServer; clock: ControllableClock; adapter(o?: Partial<JszwUpstreamOptions>): JszwUpstream }> {
  const clock = createControllableClock(new Date('2025-03-01T02:00:00Z'));
  const server = await serveWithUrl(t, (baseUrl) => createJszwMock({ accounts, clients: [client], baseUrl, clock }));
  const adapter = (o: Partial<JszwUpstreamOptions> = {}) =>
    createJszwUpstream({ baseUrl: server.url, clientId: client.clientId, clientSecret: client.clientSecret, timeoutMs: 2000, ...o } as JszwUpstreamOptions);
  return { server, clock, adapter };
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A browser: manual redirects and a tiny cookie jar. */
function createBrowser() {
  const jar = new Map<string, string>();
  return async (url: string, form?: Record<string, string>): Promise<{ status: number; location: string; html: string }> => {
    const headers: Record<string, string> = {};
    if (jar.size) headers['cookie'] = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { status: response.status, location: response.headers.get('location') ?? '', html: await response.text() };
  };
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
}

function actionOf(html: string): string {
  return (/action="([^"]+)"/.exec(html)?.[1] ?? '').replaceAll('&amp;', '&');
}

/** Signs in (unless the browser has a session) and answers consent; returns the callback URL. */
async function runFlow(
  browser: ReturnType<typeof createBrowser>,
  authorizationUrl: string,
  account: { username: string; password: string } | undefined,
  action: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  let page = await browser(authorizationUrl);
  if (account) {
    const login = await browser(actionOf(page.html), { flow: hidden(page.html, 'flow'), username: account.username, password: account.password });
    if (login.status !== 303) throw new Error(`login answered ${login.status}`);
    page = await browser(login.location);
  }
  if (!page.html.includes('授权</button>')) throw new Error('expected the consent page');
  const answer = await browser(actionOf(page.html), { flow: hidden(page.html, 'flow'), action });
  if (answer.status !== 303) throw new Error(`consent answered ${answer.status}`);
  return new URL(answer.location);
}

/** The message of the UpstreamError(jszw) `promise` rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  const error = await upstreamFailureOf(promise);
  if (error.upstream !== 'jszw') throw new Error(`expected UpstreamError(jszw), got ${String(error)}`);
  return causeMessageOf(error);
}

t.test('full code flow: login, 授权, exchange → real_person identity', async (t) => {
  const { adapter, server } = await setup(t);
  const jszw = adapter();
  const { verifier, challenge } = pkce();
  const url = jszw.authorizationUrl({ state: 'st-1', codeChallenge: challenge, redirectUri });
  const parsed = new URL(url);
  t.equal(parsed.origin + parsed.pathname, `${server.url}/oauth2/authorize`);
  t.same(Object.fromEntries(parsed.searchParams), {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: 'user_info',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  const browser = createBrowser();
  const loginPage = await browser(url);
  t.equal(loginPage.status, 200);
  t.match(loginPage.html, '<label for="username">用户名</label>');
  t.match(loginPage.html, '<label for="password">密码</label>');

  const callback = await runFlow(browser, url, realPerson);
  t.equal(callback.origin + callback.pathname, redirectUri);
  t.equal(callback.searchParams.get('state'), 'st-1');
  const code = callback.searchParams.get('code') ?? '';
  t.match(code, /^[A-Za-z0-9_-]{32}$/);

  t.same(await jszw.exchange({ code, codeVerifier: verifier, redirectUri }), {
    upstream: 'jszw',
    subject: subjectOf(realPerson.username),
    name: realPerson.name,
    certType: '01',
    idNumber: realPerson.idNumber,
    phone: realPerson.phone,
    assertedLevel: 'real_person',
  });
  t.equal(await failureOf(jszw.exchange({ code, codeVerifier: verifier, redirectUri })), 'jszw: token: invalid_grant', 'a replayed code is refused');
});

t.test('实名 maps to real_name; a live session skips the login form', async (t) => {
  const { adapter } = await setup(t);
  const jszw = adapter();
  const browser = createBrowser();
  const first = pkce();
  const firstCallback = await runFlow(browser, jszw.authorizationUrl({ state: 'a', codeChallenge: first.challenge, redirectUri }), realName);
  const identity = await jszw.exchange({ code: firstCallback.searchParams.get('code') ?? '', codeVerifier: first.verifier, redirectUri });
  t.equal(identity.assertedLevel, 'real_name');
  t.equal(identity.subject, subjectOf(realName.username));

  const second = pkce();
  const secondCallback = await runFlow(browser, jszw.authorizationUrl({ state: 'b', codeChallenge: second.challenge, redirectUri }), undefined);
  t.equal(secondCallback.searchParams.get('state'), 'b');
  const again = await jszw.exchange({ code: secondCallback.searchParams.get('code') ?? '', codeVerifier: second.verifier, redirectUri });
  t.same(again, identity);
});

t.test('拒绝 → access_denied with the state', async (t) => {
  const jszw = (await setup(t)).adapter();
  const { challenge } = pkce();
  const callback = await runFlow(createBrowser(), jszw.authorizationUrl({ state: 'st-2', codeChallenge: challenge, redirectUri }), realPerson, 'deny');
  t.same(Object.fromEntries(callback.searchParams), { error: 'access_denied', state: 'st-2' });
});

t.test('wrong password re-renders the login form', async (t) => {
  const jszw = (await setup(t)).adapter();
  const browser = createBrowser();
  const page = await browser(jszw.authorizationUrl({ state: 's', codeChallenge: pkce().challenge, redirectUri }));
  const answer = await browser(actionOf(page.html), { flow: hidden(page.html, 'flow'), username: realPerson.username, password: 'wrong' });
  t.equal(answer.status, 401);
  t.match(answer.html, '用户名或密码错误');
});

t.test('authorisation request validation', async (t) => {
  const { server, adapter } = await setup(t);
  const browser = createBrowser();
  const { challenge } = pkce();
  const unregistered = await browser(adapter().authorizationUrl({ state: 's', codeChallenge: challenge, redirectUri: 'http://evil.test/cb' }));
  t.equal(unregistered.status, 400, 'an unregistered redirect_uri is not redirected to');
  t.equal(unregistered.location, '');
  const unknownClient = await browser(adapter({ clientId: 'nobody' }).authorizationUrl({ state: 's', codeChallenge: challenge, redirectUri }));
  t.equal(unknownClient.status, 400);

  const noPkce = new URL(`${server.url}/oauth2/authorize`);
  noPkce.search = new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: redirectUri, state: 's', code_challenge: challenge, code_challenge_method: 'plain' }).toString();
  const refused = await browser(noPkce.href);
  t.equal(refused.status, 303);
  const back = new URL(refused.location);
  t.equal(back.searchParams.get('error'), 'invalid_request');
  t.equal(back.searchParams.get('state'), 's');
});

t.test('token endpoint refusals → UpstreamError with the OAuth error', async (t) => {
  const { adapter, clock } = await setup(t);
  const jszw = adapter();
  const start = async () => {
    const { verifier, challenge } = pkce();
    const callback = await runFlow(createBrowser(), jszw.authorizationUrl({ state: 's', codeChallenge: challenge, redirectUri }), realPerson);
    return { code: callback.searchParams.get('code') ?? '', verifier };
  };

  const a = await start();
  t.equal(await failureOf(jszw.exchange({ code: a.code, codeVerifier: pkce().verifier, redirectUri })), 'jszw: token: invalid_grant', 'wrong PKCE verifier');
  t.equal(await failureOf(jszw.exchange({ code: a.code, codeVerifier: a.verifier, redirectUri })), 'jszw: token: invalid_grant', 'a code is consumed by a failed attempt');

  const b = await start();
  t.equal(await failureOf(jszw.exchange({ code: b.code, codeVerifier: b.verifier, redirectUri: 'http://rp.test/other' })), 'jszw: token: invalid_grant', 'wrong redirect_uri');

  const c = await start();
  t.equal(await failureOf(adapter({ clientSecret: 'wrong' }).exchange({ code: c.code, codeVerifier: c.verifier, redirectUri })), 'jszw: token: invalid_client');

  const d = await start();
  clock.advance(5 * 60_000);
  t.equal(await failureOf(jszw.exchange({ code: d.code, codeVerifier: d.verifier, redirectUri })), 'jszw: token: invalid_grant', 'codes live 5 minutes');
});

t.test('raw token endpoint: client_secret_post, replay revokes tokens, OAuth error JSON', async (t) => {
  const { server, adapter } = await setup(t);
  const { verifier, challenge } = pkce();
  const callback = await runFlow(createBrowser(), adapter().authorizationUrl({ state: 's', codeChallenge: challenge, redirectUri }), realPerson);
  const form = {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code') ?? '',
    redirect_uri: redirectUri,
    code_verifier: verifier,
    client_id: client.clientId,
    client_secret: client.clientSecret,
  };
  const post = async () => {
    const response = await fetch(`${server.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams(form) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const first = await post();
  t.equal(first.status, 200);
  t.same(Object.keys(first.body).sort(), ['access_token', 'expires_in', 'token_type']);
  t.equal(first.body['token_type'], 'Bearer');
  t.equal(first.body['expires_in'], 3600);
  const bearer = { authorization: `Bearer ${String(first.body['access_token'])}` };
  const info = await fetch(`${server.url}/oauth2/userinfo`, { headers: bearer });
  t.same(await info.json(), {
    sub: subjectOf(realPerson.username),
    name: realPerson.name,
    cert_type: '01',
    cert_no: realPerson.idNumber,
    mobile: realPerson.phone,
    level: realPerson.level,
  });

  t.same(await post(), { status: 400, body: { error: 'invalid_grant', error_description: 'code already used' } });
  const revoked = await fetch(`${server.url}/oauth2/userinfo`, { headers: bearer });
  t.equal(revoked.status, 401);
  t.same(await revoked.json(), { error: 'invalid_token', error_description: 'access token missing, unknown or expired' });

  const wrongGrant = await fetch(`${server.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ ...form, grant_type: 'password' }) });
  t.equal(wrongGrant.status, 400);
  t.equal(((await wrongGrant.json()) as Record<string, unknown>)['error'], 'unsupported_grant_type');
});

t.test('explicit endpoint URLs work like baseUrl', async (t) => {
  const { server } = await setup(t);
  const jszw = createJszwUpstream({
    authorizeUrl: `${server.url}/oauth2/authorize`,
    tokenUrl: `${server.url}/oauth2/token`,
    userinfoUrl: `${server.url}/oauth2/userinfo`,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    timeoutMs: 2000,
  });
  const { verifier, challenge } = pkce();
  const callback = await runFlow(createBrowser(), jszw.authorizationUrl({ state: 's', codeChallenge: challenge, redirectUri }), realName);
  const identity = await jszw.exchange({ code: callback.searchParams.get('code') ?? '', codeVerifier: verifier, redirectUri });
  t.equal(identity.idNumber, realName.idNumber);
});

t.test('transport failures → UpstreamError within a bound', async (t) => {
  const server = await serveForTest(
    t,
    new Koa().use(async (ctx) => {
      if (ctx.path.startsWith('/slow/')) await new Promise(() => undefined);
      if (ctx.path === '/badinfo/oauth2/token') {
        ctx.body = { access_token: 'x', token_type: 'Bearer', expires_in: 60 };
        return;
      }
      if (ctx.path === '/badinfo/oauth2/userinfo') {
        ctx.body = { sub: 'x', name: 'y', cert_type: '01', cert_no: 'z', level: '未知' };
        return;
      }
      ctx.status = 500;
      ctx.body = 'boom';
    }),
  );
  // The short timeout only where the server hangs; answering servers get a loaded machine's patience.
  const options = { clientId: client.clientId, clientSecret: client.clientSecret, timeoutMs: 5000 };
  const input = { code: 'c', codeVerifier: pkce().verifier, redirectUri };

  t.equal(await failureOf(createJszwUpstream({ baseUrl: server.url, ...options }).exchange(input)), 'jszw: token: HTTP 500');

  const started = Date.now();
  t.equal(await failureOf(createJszwUpstream({ baseUrl: `${server.url}/slow`, ...options, timeoutMs: 200 }).exchange(input)), 'jszw: token: request failed');
  t.ok(Date.now() - started < 3000, 'gives up near timeoutMs');

  t.equal(await failureOf(createJszwUpstream({ baseUrl: `${server.url}/badinfo`, ...options }).exchange(input)), 'jszw: userinfo: unexpected response shape');
  t.equal(await failureOf(createJszwUpstream({ baseUrl: 'http://127.0.0.1:1', ...options }).exchange(input)), 'jszw: token: request failed');
});
