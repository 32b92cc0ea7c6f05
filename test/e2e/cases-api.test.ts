// The 办件 API over HTTP: client-credentials tokens (client secret and private_key_jwt) with the
// operator-granted scope cases:write; idempotent PUT per client and case number; the timeline;
// every bad input (unknown sub, bad transition, foreign URL, oversized field, bad JSON) a 4xx JSON
// error with nothing stored; the per-client rate and per-citizen count limits; the audit trail;
// and dynamic registration refused the scope and the webhook.

import t from 'tap';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, syntheticIdNumber } from '../helpers/citizens.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const caseClient = {
  client_id: 'case-service',
  client_secret: 'case-service-secret-0123456789abcdef',
  client_name: '社保业务系统',
  redirect_uris: ['https://svc.example.gov.cn/callback'],
  grant_types: ['authorization_code', 'client_credentials'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile cases:write',
};

async function tokenFor(app: TestApp, auth: string, scope = 'cases:write'): Promise<string> {
  const res = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function call(app: TestApp, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

t.test(`the cases API (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: { CASES_PER_CITIZEN: '3', CASES_WRITES_PER_CLIENT_PER_MINUTE: '40' } });
  const { clients, services } = app.container;
  const db = testDb.database.db;
  await clients.save(caseClient, 'cli');
  const { scope: _scope, ...withoutScope } = caseClient;
  await clients.save({ ...withoutScope, client_id: 'plain-service', client_secret: 'plain-service-secret-0123456789abcdef' }, 'cli');

  const person = { certType: '01' as const, documentNumber: syntheticIdNumber(), name: '办件用户', phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
  const sub = (await services.accounts.findAccountIdByDocument(person.documentNumber)) as string;
  const token = await tokenFor(app, basic(caseClient.client_id, caseClient.client_secret));
  const countRows = async () => Number((await db.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const countEvents = async () => Number((await db.selectFrom('case_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const valid = { sub, service: '失业保险金申领', department: '南京市人力资源和社会保障局', status: 'accepted', status_note: '材料齐全，已受理', detail_url: 'https://svc.example.gov.cn/cases/A001' };

  await t.test('authorisation', async (t) => {
    const none = await fetch(`${app.url}/api/cases/A001`);
    t.equal(none.status, 401, 'no token: 401');
    t.match(none.headers.get('www-authenticate'), /invalid_token/);
    t.equal((await call(app, 'x'.repeat(40), 'GET', '/api/cases/A001')).status, 401, 'an unknown token: 401');
    const plain = await tokenFor(app, basic('plain-service', 'plain-service-secret-0123456789abcdef'), 'openid');
    const refused = await call(app, plain, 'PUT', '/api/cases/A001', valid);
    t.equal(refused.status, 403, 'a client the operator did not grant cases:write: 403');
    t.equal(refused.body.error, 'insufficient_scope');
    const noScope = await tokenFor(app, basic(caseClient.client_id, caseClient.client_secret), 'openid');
    t.equal((await call(app, noScope, 'PUT', '/api/cases/A001', valid)).status, 403, 'a token issued without the scope: 403');
    t.equal(await countRows(), 0, 'nothing stored');
  });

  await t.test('create, repeat, move forward; the timeline', async (t) => {
    const created = await call(app, token, 'PUT', '/api/cases/A001', valid);
    t.equal(created.status, 201, 'a new case: 201');
    t.equal(created.body.status, 'accepted');
    t.equal(created.body.sub, sub);
    const again = await call(app, token, 'PUT', '/api/cases/A001', valid);
    t.equal(again.status, 200, 'the same PUT again: 200');
    t.equal((again.body.timeline as unknown[]).length, 1, 'an idempotent repeat adds no timeline entry');
    t.equal((await call(app, token, 'PUT', '/api/cases/A001', { ...valid, status: 'in_progress', status_note: '审核中' })).status, 200);
    const done = await call(app, token, 'PUT', '/api/cases/A001', { ...valid, status: 'completed', status_note: '已发放', status_at: '2026-12-01T10:00:00+08:00' });
    t.equal(done.body.completed_at, '2026-12-01T02:00:00.000Z', 'the status time the service gave');
    const got = await call(app, token, 'GET', '/api/cases/A001');
    t.equal(got.status, 200);
    t.same((got.body.timeline as Array<{ status: string }>).map((e) => e.status), ['accepted', 'in_progress', 'completed'], 'each status change a timeline entry');
    t.equal(got.body.rating, null, 'no rating yet');
    t.equal((await call(app, token, 'GET', '/api/cases/NOPE')).status, 404, 'an unknown case number: 404');
    const audit = await db.selectFrom('audit_events').select(['event', 'client_id', 'subject']).where('event', '=', 'case.written').execute();
    t.equal(audit.length, 4, 'every write audited (create, repeat, two changes)');
    t.ok(audit.every((a) => a.client_id === caseClient.client_id && a.subject === sub));
  });

  await t.test('bad input: 4xx JSON, nothing stored', async (t) => {
    const rows = await countRows();
    const events = await countEvents();
    const cases: Array<[string, string, unknown, number, string]> = [
      ['bad transition', '/api/cases/A001', { ...valid, status: 'in_progress' }, 409, 'invalid_transition'],
      ['another subject for the case', '/api/cases/A001', { ...valid, sub: 'someone-else', status: 'completed' }, 422, 'unknown_sub'],
      ['unknown sub', '/api/cases/B001', { ...valid, sub: 'no-such-subject' }, 422, 'unknown_sub'],
      ['foreign URL', '/api/cases/B001', { ...valid, detail_url: 'https://evil.example/phish' }, 422, 'foreign_detail_url'],
      ['javascript URL', '/api/cases/B001', { ...valid, detail_url: 'javascript:alert(1)' }, 422, 'foreign_detail_url'],
      ['not a URL', '/api/cases/B001', { ...valid, detail_url: 'svc/cases' }, 400, 'invalid_request'],
      ['oversized service', '/api/cases/B001', { ...valid, service: '办'.repeat(101) }, 400, 'invalid_request'],
      ['oversized note', '/api/cases/B001', { ...valid, status_note: 'x'.repeat(501) }, 400, 'invalid_request'],
      ['unknown status', '/api/cases/B001', { ...valid, status: 'done' }, 400, 'invalid_request'],
      ['missing service', '/api/cases/B001', { ...valid, service: undefined }, 400, 'invalid_request'],
      ['number for a string', '/api/cases/B001', { ...valid, department: 42 }, 400, 'invalid_request'],
      ['future time', '/api/cases/B001', { ...valid, status_at: '2099-01-01T00:00:00Z' }, 400, 'invalid_request'],
      ['time without zone', '/api/cases/B001', { ...valid, status_at: '2026-12-01T10:00:00' }, 400, 'invalid_request'],
      ['bad case number', `/api/cases/${encodeURIComponent('a b/c')}`, valid, 400, 'invalid_request'],
      ['long case number', `/api/cases/${'A'.repeat(65)}`, valid, 400, 'invalid_request'],
      ['not JSON', '/api/cases/B001', '{"sub":', 400, 'invalid_request'],
      ['a JSON array', '/api/cases/B001', '[1]', 400, 'invalid_request'],
      ['too large a body', '/api/cases/B001', { ...valid, padding: 'x'.repeat(20_000) }, 413, 'payload_too_large'],
    ];
    // The case of "another subject" exists: its answer is the conflict, not unknown_sub, once the sub is real.
    for (const [name, path, body, status, error] of cases) {
      const res = await call(app, token, 'PUT', path, body);
      t.equal(res.status, status, `${name}: ${status}`);
      t.equal(res.body.error, error, `${name}: ${error}`);
      t.type(res.body.error_description, 'string');
    }
    t.equal(await countRows(), rows, 'no case stored');
    t.equal(await countEvents(), events, 'no timeline entry stored');
  });

  await t.test('a case number belongs to its subject', async (t) => {
    const other = { certType: '01' as const, documentNumber: syntheticIdNumber(), name: '另一用户', phone: freshPhone() };
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', other)).status, 201);
    const otherSub = (await services.accounts.findAccountIdByDocument(other.documentNumber)) as string;
    const res = await call(app, token, 'PUT', '/api/cases/A001', { ...valid, sub: otherSub, status: 'completed' });
    t.equal(res.status, 409);
    t.equal(res.body.error, 'case_conflict');
  });

  await t.test('per-citizen case limit', async (t) => {
    t.equal((await call(app, token, 'PUT', '/api/cases/C001', valid)).status, 201);
    t.equal((await call(app, token, 'PUT', '/api/cases/C002', valid)).status, 201);
    const over = await call(app, token, 'PUT', '/api/cases/C003', valid);
    t.equal(over.status, 429, 'the fourth case for one citizen (limit 3): 429');
    t.equal(over.body.error, 'too_many_cases');
    t.equal((await call(app, token, 'PUT', '/api/cases/C002', { ...valid, status: 'in_progress' })).status, 200, 'updates to existing cases still go through');
  });

  await t.test('private_key_jwt client', async (t) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const { client_secret: _s, ...rest } = caseClient;
    await clients.save({ ...rest, client_id: 'jwt-service', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [jwk] }, redirect_uris: ['https://jwt.example.gov.cn/cb'] }, 'cli');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('jwt-service').setSubject('jwt-service').setAudience(`${app.url}/token`).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime('2m')
      .sign(privateKey);
    const res = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'cases:write', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, client_id: 'jwt-service' }).toString(),
    });
    const jwtToken = ((await res.json()) as { access_token: string }).access_token;
    t.type(jwtToken, 'string', 'the token endpoint authenticated the client by its signed assertion');
    const put = await call(app, jwtToken, 'PUT', '/api/cases/A001', { ...valid, detail_url: 'https://jwt.example.gov.cn/x' });
    t.equal(put.status, 201, "the same case number at another client is that client's own case");
    t.equal((await call(app, jwtToken, 'PUT', '/api/cases/A002', valid)).status, 422, "and its detail_url must be on its own redirect origins, not another client's");
  });

  await t.test('per-client rate limit', async (t) => {
    let limited: { status: number; body: Record<string, unknown> } | undefined;
    for (let i = 0; i < 100 && !limited; i += 1) {
      const res = i % 2 === 0 ? await call(app, token, 'GET', '/api/cases/C001') : await call(app, token, 'PUT', '/api/cases/C001', { ...valid, status: 'in_progress' });
      if (res.status === 429) limited = res;
      else if (res.status !== 200) t.fail(`answered ${res.status}`);
    }
    t.ok(limited, 'calls beyond the per-minute limit (reads and writes) are refused');
    t.equal(limited?.body.error, 'rate_limited');
  });
});

t.test(`dynamic registration cannot obtain cases:write or a webhook (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const initialAccessToken = 'initial-access-token-for-cases-0123456789';
  const app = await startTestApp(t, { database: testDb.database, env: { REGISTRATION_ACCESS_TOKEN: initialAccessToken } });
  const register = async (extra: Record<string, unknown>) => {
    const res = await fetch(`${app.url}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${initialAccessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: '第三方', redirect_uris: ['https://third.example/cb'], grant_types: ['authorization_code', 'client_credentials'], response_types: ['code'], ...extra }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  for (const extra of [{ scope: 'cases:write' }, { scope: 'openid cases:write' }, { cases_webhook_uri: 'https://third.example/hook' }]) {
    const res = await register(extra);
    t.equal(res.status, 400, `${JSON.stringify(extra)} refused`);
    t.equal(res.body.error, 'invalid_client_metadata');
  }
  const ok = await register({ scope: 'openid profile' });
  t.equal(ok.status, 201, 'a registration without them is accepted');
  const id = ok.body.client_id as string;
  const cc = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { authorization: basic(id, ok.body.client_secret as string), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'cases:write' }).toString(),
  });
  const body = (await cc.json()) as { access_token?: string };
  if (body.access_token) {
    t.equal((await call(app, body.access_token, 'PUT', '/api/cases/X1', { sub: 'x', service: 's', department: 'd', status: 'accepted' })).status, 403, 'a registered client is refused by the API whatever its token says');
  } else {
    t.pass('the token endpoint refused the scope to a client without it');
  }
});
