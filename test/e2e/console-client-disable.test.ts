// Issue 17: a system administrator disables a relying party (console or CLI, a written reason,
// audited): it cannot start an authorization, use the token endpoint (code, refresh, client
// credentials), and its tokens stop working at userinfo, introspection and the cases API. Enabled
// again, everything works as before.

import t from 'tap';
import type { CliContext } from '../../src/cli/context.js';
import { clientsCommand } from '../../src/cli/clients.js';
import { createOperations } from '../../src/console/operations.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { csrf, enrolledStaff } from '../helpers/console.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { browsingRelyingParty, demoRedirect, openidRelyingParty } from '../helpers/oidc-flow.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POST a form to /token (or another endpoint) with client authentication; status and JSON body. */
async function postForm(app: TestApp, path: string, auth: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function bearer(app: TestApp, path: string, token: string): Promise<number> {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

t.test(`a disabled relying party is not found (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date());
  const app = await startTestApp(t, { database: testDb.database, clock });
  const { clients, config, database } = app.container;
  const { db } = database;
  const demo = config.devClient;
  const demoAuth = basic(demo.clientId, demo.clientSecret);

  const machine = { client_id: 'cases-machine', client_secret: 'cases-machine-secret-0123456789', client_name: '办件系统', redirect_uris: [], grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', scope: 'openid cases:write' };
  const resourceServer = { ...machine, client_id: 'demo-api', client_secret: 'demo-api-secret-0123456789', client_name: '示例业务接口', scope: 'openid', introspection_audiences: [demo.clientId] };
  for (const c of [machine, resourceServer]) await clients.save(c, 'cli');
  const machineAuth = basic(machine.client_id, machine.client_secret);
  const serverAuth = basic(resourceServer.client_id, resourceServer.client_secret);

  // A citizen signs in at the demo client; a second authorization stops with its code unredeemed.
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '停用测试', phone })).status, 201);
  const openid = await openidRelyingParty(app);
  const rp = browsingRelyingParty(openid);
  const browser = createBrowser(app.url);
  const first = await rp.authorize(browser);
  const signedIn = await browser.post(`${first.page.url}/password`, { _csrf: inputValue(first.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const tokens = await rp.finish(browser, signedIn.location as string, first);
  const pending = await rp.authorize(browser);
  t.ok(pending.page.url.startsWith(demoRedirect), 'a signed-in citizen comes back with a code at once');
  const machineToken = (await postForm(app, '/token', machineAuth, { grant_type: 'client_credentials', scope: 'cases:write' })).body.access_token as string;
  t.type(machineToken, 'string', 'the cases client holds a client-credentials token');

  const sys = await enrolledStaff(app, clock, 'sys', ['sysadmin']);
  const clientPage = await sys.browser.get(`/console/clients/${demo.clientId}`);
  t.equal(clientPage.status, 200);
  t.match(clientPage.text, /data-client-status>[^<]*启用中/, 'the client page shows it enabled');
  const auditCount = async (event: string) => (await db.selectFrom('audit_events').select('id').where('event', '=', event).execute()).length;
  const c = app.container;
  const operations = createOperations({ db, clock, audit: c.services.audit, clients, accounts: c.services.accounts, lockout: c.services.lockout, sms: c.services.smsCodes, box: c.secrets.cipher });
  let cliLines: string[] = [];
  const cli: CliContext = {
    config, logger: c.logger, clock, database, secrets: c.secrets,
    services: () => c.services, operations: () => operations, out: (line) => cliLines.push(line),
  };

  await t.test('a reason is required, in the console and the CLI', async (t) => {
    const refused = await sys.browser.post(`/console/clients/${demo.clientId}/disable`, { _csrf: csrf(clientPage), statusReason: '' });
    t.equal(refused.status, 400);
    t.match(refused.text, /请填写原因/);
    await t.rejects(clientsCommand(cli, ['disable', machine.client_id]), /--reason/);
    t.ok(await clients.find(demo.clientId), 'the demo client is still enabled');
    t.ok(await clients.find(machine.client_id), 'the cases client too');
    t.equal(await auditCount('client.disabled'), 0, 'nothing was audited');
  });

  await t.test('disabled: every door is shut', async (t) => {
    const res = await sys.browser.post(`/console/clients/${demo.clientId}/disable`, { _csrf: csrf(clientPage), statusReason: '应用方通报密钥泄露' });
    t.equal(res.status, 200);
    t.match(res.text, /data-client-status>[^<]*已于 .* 停用/, 'the page shows since when');
    cliLines = [];
    t.equal(await clientsCommand(cli, ['disable', machine.client_id, '--reason', 'contract ended']), 0);
    t.same(cliLines, [`disabled ${machine.client_id}`]);
    t.match(await db.selectFrom('audit_events').selectAll().where('event', '=', 'client.disabled').orderBy('id').execute(), [
      { actor: `staff:${sys.staffId}`, details: { clientId: demo.clientId, role: 'sysadmin', reason: '应用方通报密钥泄露' } },
      { actor: 'cli', details: { clientId: machine.client_id, reason: 'contract ended' } },
    ]);

    cliLines = [];
    await clientsCommand(cli, ['list']);
    t.match(cliLines.find((l) => l.startsWith(`${machine.client_id}\t`)), /\tdisabled since \d{4}-/, '`clients list` marks it');

    const authorize = await rp.authorize(createBrowser(app.url));
    t.equal(authorize.page.status, 400, 'no authorization starts');
    t.notOk(authorize.page.url.startsWith(demoRedirect));
    const redeemed = await openid.redeem(pending.page.url, pending).then(() => 'redeemed', (err: { error?: string }) => err.error);
    t.equal(redeemed, 'invalid_client', 'a code is not exchanged');
    const refreshed = await postForm(app, '/token', demoAuth, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    t.match(refreshed, { status: 401, body: { error: 'invalid_client' } }, 'a refresh token is not used');
    const cc = await postForm(app, '/token', machineAuth, { grant_type: 'client_credentials', scope: 'cases:write' });
    t.match(cc, { status: 401, body: { error: 'invalid_client' } }, 'no client-credentials token');
    t.equal(await bearer(app, '/me', tokens.access_token), 401, 'userinfo refuses its access token');
    t.same((await postForm(app, '/token/introspection', serverAuth, { token: tokens.access_token })).body, { active: false }, 'a resource server learns it is inactive');
    t.equal((await postForm(app, '/token/introspection', demoAuth, { token: tokens.access_token })).status, 401, 'the client itself cannot introspect');
    t.equal(await bearer(app, '/api/cases/ratings', machineToken), 401, 'the cases API refuses its token');

    // The start-up sync of CLIENTS_FILE (and any edit) writes the metadata again: the client stays disabled.
    const stored = await clients.lookup(demo.clientId);
    await clients.save(stored?.metadata as never, stored?.source ?? 'dev');
    t.notOk(await clients.find(demo.clientId), 'a metadata write keeps it disabled');
    const list = await sys.browser.get('/console/clients');
    t.match(list.text, new RegExp(`${demo.clientId}</a>.*?应用已停用`, 's'), 'the list marks it');
  });

  await t.test('enabled again: everything works as before', async (t) => {
    const page = await sys.browser.get(`/console/clients/${demo.clientId}`);
    t.equal((await sys.browser.post(`/console/clients/${demo.clientId}/enable`, { _csrf: csrf(page), statusReason: '密钥已轮换' })).status, 200);
    t.equal(await clientsCommand(cli, ['enable', machine.client_id, '--reason', 'contract renewed']), 0);
    t.equal(await auditCount('client.enabled'), 2, 'both audited');

    t.equal(await bearer(app, '/me', tokens.access_token), 200, 'userinfo answers');
    t.equal((await postForm(app, '/token/introspection', serverAuth, { token: tokens.access_token })).body.active, true, 'introspection says active');
    t.equal(await bearer(app, '/api/cases/ratings', machineToken), 200, 'the cases API answers');
    const cc = await postForm(app, '/token', machineAuth, { grant_type: 'client_credentials', scope: 'cases:write' });
    t.equal(cc.status, 200, 'client credentials work');
    const refreshed = await postForm(app, '/token', demoAuth, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    t.equal(refreshed.status, 200, 'the refresh token works');
    const again = await rp.authorize(browser);
    t.ok(again.page.url.startsWith(demoRedirect), 'an authorization completes');
    t.type((await openid.redeem(again.page.url, again)).access_token, 'string', 'and its code is exchanged');
  });
});
