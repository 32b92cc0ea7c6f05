// Contract suite of the Alipay login port: the HTTP adapter against the mock Alipay running as a
// real HTTP server on loopback (authorisation page, auth_code redirect, RSA2-signed gateway both
// ways) and against broken upstreams (tampered signature, timeout, 500, garbage).

import t, { type Test } from 'tap';
import Koa from 'koa';
import { createAlipayUpstream, type AlipayUpstreamOptions } from '../../src/adapters/upstreams/alipay/http.js';
import { createAlipayGatewayClient, gatewayFailureOf } from '../../src/adapters/upstreams/alipay/gateway.js';
import { extractRawMember, formatGatewayTimestamp, signingContent } from '../../src/adapters/upstreams/alipay-signing.js';
import type { AlipayUpstream } from '../../src/adapters/upstreams/alipay/types.js';
import { createControllableClock, type ControllableClock } from '../../src/domain/clock.js';
import { createAlipayMock } from '../../src/mocks/alipay/app.js';
import { openIdFor } from '../../src/mocks/alipay/state.js';
import { loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import type { RunningServer } from '../../src/mocks/shared/serve.js';
import { decodeAttribute, failureOf, formOf, gatewayReasonOf as reasonOf, rsaKeyPair, serveForTest, serveGatewayMock, type GatewayOptions } from '../helpers/upstream-contract.js';

const appKeys = rsaKeyPair();
const otherKeys = rsaKeyPair();
const alipayKeys = rsaKeyPair();
const appId = '2021004100000001';
const legacyAppId = '2015000000000002';
const accounts = loadUpstreamAccounts().alipay;
const certified = accounts.find((a) => a.certified)!;
const uncertified = accounts.find((a) => !a.certified)!;
const redirectUri = 'https://idp.example/federation/alipay/callback?flow=f1';

interface Setup {
  server: RunningServer;
  /** How the app `appId` calls the mock's gateway. */
  gateway: GatewayOptions;
  mockClock: ControllableClock;
  adapterClock: ControllableClock;
  adapter(overrides?: Partial<AlipayUpstreamOptions>): AlipayUpstream;
}

async function setup(t: Test): Promise<Setup> {
  const start = new Date();
  const mockClock = createControllableClock(start);
  const adapterClock = createControllableClock(start);
  const { server, gateway } = await serveGatewayMock(
    t,
    (baseUrl) =>
      createAlipayMock({
        accounts,
        baseUrl,
        apps: [
          { appId, publicKeyPem: appKeys.publicKeyPem, name: '江苏智慧人社' },
          { appId: legacyAppId, publicKeyPem: appKeys.publicKeyPem, subjectType: 'user_id' },
        ],
        clock: mockClock,
        privateKeyPem: alipayKeys.privateKeyPem,
      }),
    { appId, privateKeyPem: appKeys.privateKeyPem },
  );
  return {
    server,
    gateway,
    mockClock,
    adapterClock,
    adapter: (overrides = {}) =>
      createAlipayUpstream({ ...gateway, authorizeUrl: `${server.url}/oauth2/publicAppAuthorize.htm`, clock: adapterClock, ...overrides }),
  };
}

/** An upstream server with fixed behaviour (500, garbage, never answering). */
const serveFake = (t: Test, handler: Koa.Middleware): Promise<RunningServer> => serveForTest(t, new Koa().use(handler));

/** Plays the browser: open the Alipay page (or the phone page), sign in, read the redirect. */
async function authorize(
  adapter: AlipayUpstream,
  account: { login: string; password: string },
  options: { viaPhone?: boolean; state?: string } = {},
): Promise<URL> {
  const page = await fetch(adapter.authorizationUrl({ state: options.state ?? 'state-123', redirectUri }));
  if (page.status !== 200) throw new Error(`authorisation page answered ${page.status}`);
  let html = await page.text();
  if (options.viaPhone) {
    const link = /<a href="([^"]+)">模拟扫码<\/a>/.exec(html)?.[1];
    if (!link) throw new Error('no 模拟扫码 link');
    html = await (await fetch(decodeAttribute(link))).text();
  }
  const form = formOf(html);
  const response = await fetch(form.action, {
    method: 'POST',
    body: new URLSearchParams({ ...form.hidden, login: account.login, password: account.password }),
    redirect: 'manual',
  });
  if (response.status !== 303) throw new Error(`login answered ${response.status}`);
  return new URL(response.headers.get('location') ?? '');
}

const authCodeOf = (url: URL): string => url.searchParams.get('auth_code') ?? '';

t.test('authorizationUrl points at publicAppAuthorize.htm with app_id, scope, redirect_uri and state', async (t) => {
  const { adapter, server } = await setup(t);
  const url = new URL(adapter().authorizationUrl({ state: 's&1', redirectUri }));
  t.equal(`${url.origin}${url.pathname}`, `${server.url}/oauth2/publicAppAuthorize.htm`);
  t.strictSame(Object.fromEntries(url.searchParams), { app_id: appId, scope: 'auth_user', redirect_uri: redirectUri, state: 's&1' });
});

t.test('the authorisation page shows a QR code, a 模拟扫码 link and the account form', async (t) => {
  const { adapter, server } = await setup(t);
  const html = await (await fetch(adapter().authorizationUrl({ state: 's', redirectUri }))).text();
  t.match(html, '请使用支付宝扫码');
  t.match(html, /<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
  t.match(html, new RegExp(`<a href="${server.url}/mobile/authorize\\.htm\\?sid=[0-9a-f]{32}">模拟扫码</a>`));
  t.match(html, '<label for="alipay-login-pc">账号</label>');
  t.match(html, '<label for="alipay-password-pc">密码</label>');
  t.match(html, '<button type="submit">授权</button>');
  t.equal(formOf(html).action, `${server.url}/oauth2/authorize.htm`);
});

t.test('a certified user signs in: open_id subject, name and resident ID number', async (t) => {
  const { adapter } = await setup(t);
  const callback = await authorize(adapter(), certified);
  t.equal(`${callback.origin}${callback.pathname}`, 'https://idp.example/federation/alipay/callback');
  t.strictSame(
    { ...Object.fromEntries(callback.searchParams), auth_code: 'x' },
    { flow: 'f1', app_id: appId, source: 'alipay_wallet', scope: 'auth_user', auth_code: 'x', state: 'state-123' },
  );
  t.match(authCodeOf(callback), /^[0-9a-f]{32}$/);
  const identity = await adapter().exchange(authCodeOf(callback));
  t.strictSame(identity, {
    upstream: 'alipay',
    subject: openIdFor(appId, certified.userId),
    certified: true,
    displayName: certified.nickName,
    name: certified.name,
    certType: '01',
    idNumber: certified.idNumber,
  });
});

t.test('a user who is not certified brings no name and no document', async (t) => {
  const { adapter } = await setup(t);
  const identity = await adapter().exchange(authCodeOf(await authorize(adapter(), uncertified)));
  t.strictSame(identity, {
    upstream: 'alipay',
    subject: openIdFor(appId, uncertified.userId),
    certified: false,
    displayName: uncertified.nickName,
  });
});

t.test('the phone path (模拟扫码) also ends at redirect_uri with an auth_code', async (t) => {
  const { adapter } = await setup(t);
  const callback = await authorize(adapter(), certified, { viaPhone: true, state: 'phone-state' });
  t.equal(callback.searchParams.get('state'), 'phone-state');
  const identity = await adapter().exchange(authCodeOf(callback));
  t.equal(identity.subject, openIdFor(appId, certified.userId));
  t.equal(identity.idNumber, certified.idNumber);
});

t.test('an app configured for user_id gets the user_id as subject', async (t) => {
  const { adapter } = await setup(t);
  const legacy = adapter({ appId: legacyAppId });
  const identity = await legacy.exchange(authCodeOf(await authorize(legacy, certified)));
  t.equal(identity.subject, certified.userId);
  t.equal(identity.certified, true);
});

t.test('a wrong password re-renders the form with an error and no redirect', async (t) => {
  const { adapter } = await setup(t);
  const html = await (await fetch(adapter().authorizationUrl({ state: 's', redirectUri }))).text();
  const form = formOf(html);
  const response = await fetch(form.action, {
    method: 'POST',
    body: new URLSearchParams({ ...form.hidden, login: certified.login, password: 'wrong-password' }),
    redirect: 'manual',
  });
  t.equal(response.status, 400);
  t.equal(response.headers.get('location'), null);
  t.match(await response.text(), '<p class="error" role="alert">账号或密码错误</p>');
});

t.test('the authorisation page refuses an unknown app and a bad redirect_uri', async (t) => {
  const { server } = await setup(t);
  const page = (query: Record<string, string>) =>
    fetch(`${server.url}/oauth2/publicAppAuthorize.htm?${new URLSearchParams(query).toString()}`);
  const unknown = await page({ app_id: '2099', scope: 'auth_user', redirect_uri: redirectUri, state: 's' });
  t.equal(unknown.status, 400);
  t.match(await unknown.text(), '错误码：invalid-app-id');
  const badRedirect = await page({ app_id: appId, scope: 'auth_user', redirect_uri: 'javascript:alert(1)' });
  t.equal(badRedirect.status, 400);
  t.match(await badRedirect.text(), '错误码：invalid-redirect-uri');
  const badScope = await page({ app_id: appId, scope: 'auth_everything', redirect_uri: redirectUri });
  t.equal(badScope.status, 400);
});

t.test('an auth code is single use', async (t) => {
  const { adapter } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  await adapter().exchange(code);
  const err = await failureOf(adapter().exchange(code));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'gateway_error', detail: '40002 isv.code-invalid' });
  t.equal(err.code, 'errors.upstream_unavailable');
  t.equal(err.status, 503);
});

t.test('an auth code expires after 60 s', async (t) => {
  const { adapter, mockClock, adapterClock } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  mockClock.advance(61_000);
  adapterClock.advance(61_000);
  const err = await failureOf(adapter().exchange(code));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'gateway_error', detail: '40002 isv.code-invalid' });
});

t.test('an unknown code and a malformed code are refused', async (t) => {
  const { adapter } = await setup(t);
  const unknown = await failureOf(adapter().exchange('0123456789abcdef0123456789abcdef'));
  t.strictSame(reasonOf(unknown), { upstream: 'alipay', reason: 'gateway_error', detail: '40002 isv.code-invalid' });
  const malformed = await failureOf(adapter().exchange('a b&c=d'));
  t.strictSame(reasonOf(malformed), { upstream: 'alipay', reason: 'invalid_input', detail: 'auth_code' });
});

t.test('a request signed with the wrong key gets isv.invalid-signature', async (t) => {
  const { adapter } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  const err = await failureOf(adapter({ privateKeyPem: otherKeys.privateKeyPem }).exchange(code));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'gateway_error', detail: '40002 isv.invalid-signature' });
  // the code was not spent by the refused call
  t.equal((await adapter().exchange(code)).subject, openIdFor(appId, certified.userId));
});

t.test('an unknown app id gets isv.invalid-app-id', async (t) => {
  const { adapter } = await setup(t);
  const err = await failureOf(adapter({ appId: '2099000000000000' }).exchange('0123456789abcdef0123456789abcdef'));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'gateway_error', detail: '40002 isv.invalid-app-id' });
});

t.test('a stale timestamp (> 10 min) is refused', async (t) => {
  const { adapter, adapterClock } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  adapterClock.advance(-11 * 60_000);
  const err = await failureOf(adapter().exchange(code));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'gateway_error', detail: '40002 isv.invalid-timestamp' });
});

t.test('an invalid access token gets aop.invalid-auth-token', async (t) => {
  const { gateway } = await setup(t);
  const client = createAlipayGatewayClient({ upstream: 'alipay', ...gateway });
  const err = await failureOf(client.call('alipay.user.info.share', { auth_token: 'authusrBnot-a-token' }));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'gateway_error', detail: '20001 aop.invalid-auth-token' });
});

t.test('a response whose signed section was altered is refused', async (t) => {
  const { adapter } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  const tampering: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.text();
    // flip one byte inside the signed section: a different access token / nickname
    const altered = text.replace(/"access_token":"authusrB(.)/, (_m, c: string) => `"access_token":"authusrB${c === 'a' ? 'b' : 'a'}`);
    return new Response(altered, { status: response.status, headers: response.headers });
  };
  const err = await failureOf(adapter({ fetch: tampering }).exchange(code));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'invalid_signature', detail: undefined });
});

t.test('a response signed by another key (wrong Alipay public key configured) is refused', async (t) => {
  const { adapter } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  const err = await failureOf(adapter({ alipayPublicKeyPem: otherKeys.publicKeyPem }).exchange(code));
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'invalid_signature', detail: undefined });
});

t.test('an unsigned success response is refused', async (t) => {
  const { adapter } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  const stripping: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = JSON.parse(await response.text()) as Record<string, unknown>;
    delete body.sign;
    return new Response(JSON.stringify(body), { status: 200 });
  };
  const err = await failureOf(adapter({ fetch: stripping }).exchange(code));
  t.equal(reasonOf(err).reason, 'invalid_signature');
});

t.test('a gateway that never answers times out within the bound', async (t) => {
  const { adapter } = await setup(t);
  const hanging = await serveFake(t, () => new Promise<void>(() => undefined));
  const started = Date.now();
  const err = await failureOf(adapter({ gatewayUrl: `${hanging.url}/gateway.do`, timeoutMs: 200 }).exchange('0123456789abcdef'));
  const elapsed = Date.now() - started;
  t.strictSame(reasonOf(err), { upstream: 'alipay', reason: 'timeout', detail: '200 ms' });
  t.ok(elapsed >= 190 && elapsed < 3000, `timed out after ${elapsed} ms`);
});

t.test('HTTP 500, garbage JSON, a body without the response and a refused connection are upstream errors', async (t) => {
  const { adapter } = await setup(t);
  const broken = await serveFake(t, (ctx) => {
    if (ctx.path === '/500') {
      ctx.status = 500;
      ctx.body = 'Internal Server Error';
    } else if (ctx.path === '/garbage') {
      ctx.type = 'application/json';
      ctx.body = '{"alipay_system_oauth_token_response":{"access_token":';
    } else {
      ctx.type = 'application/json';
      ctx.body = '{"something_else":{},"sign":"AAAA"}';
    }
  });
  const via = (path: string) => adapter({ gatewayUrl: `${broken.url}${path}` }).exchange('0123456789abcdef');
  t.strictSame(reasonOf(await failureOf(via('/500'))), { upstream: 'alipay', reason: 'http_status', detail: '500' });
  t.strictSame(reasonOf(await failureOf(via('/garbage'))), { upstream: 'alipay', reason: 'invalid_body', detail: 'not JSON' });
  t.strictSame(reasonOf(await failureOf(via('/other'))), {
    upstream: 'alipay',
    reason: 'invalid_body',
    detail: 'no alipay_system_oauth_token_response',
  });
  const closed = await serveFake(t, (ctx) => {
    ctx.body = '';
  });
  await closed.close();
  const refused = await failureOf(adapter({ gatewayUrl: `${closed.url}/gateway.do` }).exchange('0123456789abcdef'));
  t.equal(reasonOf(refused).reason, 'network');
});

t.test('failure reasons never carry tokens or codes', async (t) => {
  const { adapter } = await setup(t);
  const code = authCodeOf(await authorize(adapter(), certified));
  await adapter().exchange(code);
  const err = await failureOf(adapter().exchange(code));
  t.notMatch(String(gatewayFailureOf(err)?.message), code);
  t.notMatch(JSON.stringify(err), code);
});

t.test('signing helpers: content, raw response section, Asia/Shanghai timestamp', async (t) => {
  t.equal(signingContent({ b: '2', a: '1', sign: 'x', empty: '', c: 'a=b&c', 中: '文' }), 'a=1&b=2&c=a=b&c&中=文');
  const body = '{"x_response":{"a":"}\\"{","b":{"c":[1,{"d":"x_response"}]}} ,"sign":"s"}';
  t.equal(extractRawMember(body, 'x_response'), '{"a":"}\\"{","b":{"c":[1,{"d":"x_response"}]}}');
  t.equal(extractRawMember(body, 'sign'), '"s"');
  t.equal(extractRawMember('{"y":{"x_response":{}}}', 'x_response'), undefined);
  t.equal(formatGatewayTimestamp(new Date('2025-03-01T16:30:05Z')), '2025-03-02 00:30:05');
});
