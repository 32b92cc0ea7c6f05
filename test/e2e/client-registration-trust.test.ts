// Dynamic client registration cannot make a client look official: operator-only metadata
// (first_party, the catalogue fields, introspection_audiences) is refused on create and on update
// over HTTP, the stored metadata stays as it was, a citizen with an SSO session still sees the
// consent page for that client, and the user centre's catalogue never lists it.

import t from 'tap';
import { sql } from 'kysely';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { browsingRelyingParty, demoRedirect, openidRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

const initialAccessToken = 'initial-access-token-for-dcr-trust-0123456789';

interface Registered {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
  [key: string]: unknown;
}

const operatorOnly: Array<[string, unknown]> = [
  ['first_party', true],
  ['first_party', false],
  ['first_party', null],
  ['public_service', true],
  ['service_description', '官方社保查询服务'],
  ['required_level', 'registered'],
  ['introspection_audiences', ['demo-rp']],
];

async function json(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

t.test(`dynamic registration cannot set operator-only metadata (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: { REGISTRATION_ACCESS_TOKEN: initialAccessToken } });
  const db = testDb.database.db;

  const base = {
    client_name: '社保查询（第三方）',
    redirect_uris: [demoRedirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    client_uri: 'https://phish.example/',
  };
  const register = (body: Record<string, unknown>) =>
    fetch(`${app.url}/reg`, { method: 'POST', headers: { authorization: `Bearer ${initialAccessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const created = await json(await register(base));
  t.equal(created.status, 201, 'a plain registration is accepted');
  const client = created.body as unknown as Registered;
  let rat = client.registration_access_token;
  /** PUT /reg/<id>; an accepted update rotates the registration access token, so the new one is kept. */
  const update = async (body: Record<string, unknown>) => {
    const res = await fetch(client.registration_client_uri, { method: 'PUT', headers: { authorization: `Bearer ${rat}`, 'content-type': 'application/json' }, body: JSON.stringify({ client_id: client.client_id, ...body }) });
    const answer = await json(res);
    if (answer.status === 200 && typeof answer.body.registration_access_token === 'string') rat = answer.body.registration_access_token;
    return answer;
  };
  const storedMetadata = async () => (await db.selectFrom('clients').select('metadata').where('client_id', '=', client.client_id).executeTakeFirstOrThrow()).metadata;
  const before = await storedMetadata();

  await t.test('create with operator-only metadata is refused', async (t) => {
    for (const [key, value] of operatorOnly) {
      const res = await json(await register({ ...base, [key]: value }));
      t.equal(res.status, 400, `create with ${key}=${JSON.stringify(value)} answers 400`);
      t.equal(res.body.error, 'invalid_client_metadata', `create with ${key}=${JSON.stringify(value)} is invalid_client_metadata`);
    }
    const count = await db.selectFrom('clients').select((eb) => eb.fn.countAll<string>().as('n')).where('source', '=', 'registration').executeTakeFirstOrThrow();
    t.equal(Number(count.n), 1, 'no refused registration left a client behind');
  });

  await t.test('update (PUT /reg/<id>) with operator-only metadata is refused and changes nothing', async (t) => {
    for (const [key, value] of operatorOnly) {
      const res = await update({ ...base, [key]: value });
      t.equal(res.status, 400, `update with ${key}=${JSON.stringify(value)} answers 400`);
      t.equal(res.body.error, 'invalid_client_metadata', `update with ${key}=${JSON.stringify(value)} is invalid_client_metadata`);
    }
    const all = await update({ ...base, first_party: true, public_service: true, service_description: '官方服务', client_uri: 'https://phish.example/official' });
    t.equal(all.status, 400, 'the attack of the issue (first_party + catalogue fields in one PUT) is refused');
    t.equal(all.body.error, 'invalid_client_metadata');
    t.same(await storedMetadata(), before, 'the stored metadata is unchanged');

    const read = await json(await fetch(client.registration_client_uri, { headers: { authorization: `Bearer ${rat}` } }));
    t.equal(read.status, 200, 'the registration access token still reads the client');
    for (const key of ['first_party', 'public_service', 'service_description', 'required_level', 'introspection_audiences']) {
      t.notOk(key in read.body, `the read answer holds no ${key}`);
    }

    // read-modify-write, as a registration client library does it, still works for standard metadata
    const { registration_access_token: _rat, registration_client_uri: _uri, client_secret_expires_at: _exp, client_id_issued_at: _iat, ...editable } = read.body;
    const renamed = await update({ ...editable, client_name: '社保查询（第三方，改名）' });
    t.equal(renamed.status, 200, 'a standard update is accepted');
    const after = await storedMetadata();
    t.equal(after.client_name, '社保查询（第三方，改名）');
    t.notOk('first_party' in after || 'public_service' in after, 'and stores no operator-only metadata');
  });

  await t.test('a citizen with an SSO session sees consent for the client; the catalogue does not list it', async (t) => {
    const phone = freshPhone();
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '单点用户', phone })).status, 201);
    const browser = createBrowser(app.url);
    const centre = await signInToCentre(browser, phone);
    t.equal(new URL(centre.url).pathname, '/account', 'signed in to the user centre: the browser holds an SSO session');

    const services = await browser.get('/account/services');
    t.equal(services.status, 200);
    t.match(services.text, '人社业务示例 (demo)', 'the operator-registered demo service is listed');
    t.notMatch(services.text, '社保查询（第三方', 'the dynamically registered client is not');
    t.notMatch(services.text, 'phish.example', 'nor its client_uri');

    const rp = browsingRelyingParty(await openidRelyingParty(app, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'openid profile' }));
    const { page } = await rp.authorize(browser);
    t.notOk(page.url.startsWith(demoRedirect), 'the citizen is not sent to the client silently');
    t.match(page.url, /\/interaction\/[\w-]+$/);
    t.match(page.text, /授权确认/, 'the consent page is shown');
    t.match(page.text, /通过开放注册接入，名称由应用自行填写，未经江苏人社审核/, 'saying the client registered itself');
  });

  await t.test('a registration row that holds operator-only metadata (written before this rule) is ignored', async (t) => {
    await db
      .updateTable('clients')
      .set({ metadata: sql`metadata || ${JSON.stringify({ first_party: true, public_service: true, service_description: '遗留的钓鱼条目' })}::jsonb` })
      .where('client_id', '=', client.client_id)
      .execute();
    app.container.clients.invalidate();
    const phone = freshPhone();
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '遗留条目', phone })).status, 201);
    const browser = createBrowser(app.url);
    await signInToCentre(browser, phone);
    const services = await browser.get('/account/services');
    t.notMatch(services.text, '遗留的钓鱼条目', 'the catalogue does not list it');
    const rp = browsingRelyingParty(await openidRelyingParty(app, { clientId: client.client_id, clientSecret: client.client_secret, scope: 'openid profile' }));
    const { page } = await rp.authorize(browser);
    t.match(page.text, /授权确认/, 'and consent is still asked');
  });
});

async function signInToCentre(browser: Browser, account: string): Promise<Response2> {
  const login = await browser.follow('/account');
  if (!/\/interaction\/[\w-]+$/.test(login.url)) throw new Error(`expected the login page, got ${login.status} ${login.url}`);
  const res = await browser.post(`${login.url}/password`, { _csrf: inputValue(login.text, '_csrf') ?? '', account, password: strongPassword });
  if (res.status !== 303 || !res.location) throw new Error(`password sign-in answered ${res.status}`);
  return browser.follow(res.location);
}
