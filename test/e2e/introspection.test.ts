// Introspection over HTTP: a client may introspect its own tokens; a confidential client the
// operator named as a resource server (introspection_audiences) may introspect access tokens whose
// audience it serves; any other client learns only { active: false }.

import t from 'tap';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function introspect(app: TestApp, auth: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${app.url}/token/introspection`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  if (res.status !== 200) throw new Error(`introspection answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

async function clientCredentialsToken(app: TestApp, auth: string): Promise<string> {
  const res = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no client credentials token: ${JSON.stringify(body)}`);
  return body.access_token;
}

t.test(`who may introspect a token (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const { clients, config } = app.container;
  const demo = config.devClient;
  const demoAuth = basic(demo.clientId, demo.clientSecret);

  const machine = { client_id: 'machine-client', client_secret: 'machine-client-secret-0123456789', client_name: '批处理', redirect_uris: [], grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic' };
  const stranger = { ...machine, client_id: 'stranger-client', client_secret: 'stranger-client-secret-0123456789', client_name: '无关应用' };
  const resourceServer = { ...machine, client_id: 'demo-api', client_secret: 'demo-api-secret-0123456789', client_name: '示例业务接口', introspection_audiences: [demo.clientId] };
  const publicServer = { client_id: 'public-api', client_name: '公开客户端', redirect_uris: ['http://localhost:3005/cb'], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none', introspection_audiences: [demo.clientId] };
  for (const c of [machine, stranger, resourceServer, publicServer]) await clients.save(c, 'cli');
  const machineAuth = basic(machine.client_id, machine.client_secret);
  const strangerAuth = basic(stranger.client_id, stranger.client_secret);
  const serverAuth = basic(resourceServer.client_id, resourceServer.client_secret);

  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '令牌用户', phone })).status, 201);
  const rp = await demoRelyingParty(app);
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const signedIn = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const tokens = await rp.finish(browser, signedIn.location as string, flow);
  const userToken = tokens.access_token;
  const refreshToken = tokens.refresh_token as string;
  t.type(refreshToken, 'string', 'the first-party demo client holds a refresh token too');
  const machineToken = await clientCredentialsToken(app, machineAuth);

  await t.test('own tokens', async (t) => {
    const own = await introspect(app, demoAuth, userToken);
    t.equal(own.active, true, 'the demo client introspects its own access token');
    t.equal(own.client_id, demo.clientId);
    t.equal(own.identity_level, 'registered', 'with the level stamped on it');
    t.equal((await introspect(app, demoAuth, refreshToken)).active, true, 'and its own refresh token');
    t.equal((await introspect(app, machineAuth, machineToken)).active, true, 'a machine client its own client-credentials token');
  });

  await t.test('foreign tokens', async (t) => {
    t.same(await introspect(app, strangerAuth, userToken), { active: false }, "another client learns nothing about the demo client's access token");
    t.same(await introspect(app, strangerAuth, refreshToken), { active: false }, 'nor its refresh token');
    t.same(await introspect(app, machineAuth, userToken), { active: false });
    t.same(await introspect(app, demoAuth, machineToken), { active: false }, "the demo client learns nothing about the machine client's token");
  });

  await t.test('a resource server named by the operator', async (t) => {
    const served = await introspect(app, serverAuth, userToken);
    t.equal(served.active, true, 'introspects an access token whose audience it serves');
    t.equal(served.client_id, demo.clientId);
    t.equal(served.sub, tokens.claims()?.sub);
    t.same(await introspect(app, serverAuth, refreshToken), { active: false }, 'but not a refresh token (that concerns its client alone)');
    t.same(await introspect(app, serverAuth, machineToken), { active: false }, 'nor a token of an audience it does not serve');
    const asPublic = await fetch(`${app.url}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: userToken, client_id: publicServer.client_id }).toString(),
    });
    t.same(await asPublic.json(), { active: false }, 'a public client cannot act as a resource server, whatever its metadata');
  });
});
