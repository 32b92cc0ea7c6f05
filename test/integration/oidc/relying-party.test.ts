// A certified relying-party library (openid-client 6) against the real app: discovery, dynamic
// registration, client credentials, introspection, revocation — on whichever engine this run uses.

import t from 'tap';
import * as client from 'openid-client';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { startTestApp } from '../../helpers/app.js';

const registrationToken = 'initial-access-token-for-tests-0123456789';

t.test(`openid-client discovers, registers and uses client credentials (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: { REGISTRATION_ACCESS_TOKEN: registrationToken } });
  const issuer = new URL(app.url);

  const registered = await client.dynamicClientRegistration(
    issuer,
    { client_name: 'RP under test', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    undefined,
    { initialAccessToken: registrationToken, execute: [client.allowInsecureRequests] },
  );
  const metadata = registered.clientMetadata();
  t.type(metadata.client_id, 'string', 'registration returns a client id');
  t.type(metadata.client_secret, 'string', 'and a secret');
  t.equal(registered.serverMetadata().issuer, app.url, 'discovery names the issuer');

  const config = await client.discovery(issuer, metadata.client_id, metadata.client_secret as string, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const tokens = await client.clientCredentialsGrant(config, { scope: '' });
  t.type(tokens.access_token, 'string', 'client credentials grant issues an access token');
  t.equal(tokens.token_type.toLowerCase(), 'bearer');

  const active = await client.tokenIntrospection(config, tokens.access_token);
  t.equal(active.active, true, 'the new token introspects as active');
  t.equal(active.client_id, metadata.client_id, 'issued to the registered client');

  await client.tokenRevocation(config, tokens.access_token);
  const revoked = await client.tokenIntrospection(config, tokens.access_token);
  t.equal(revoked.active, false, 'after revocation the token is inactive');

  // the stored secret is encrypted at rest
  const row = await testDb.database.db.selectFrom('clients').selectAll().where('client_id', '=', metadata.client_id).executeTakeFirstOrThrow();
  t.equal(row.source, 'registration');
  t.notOk(JSON.stringify(row.metadata).includes(metadata.client_secret as string), 'metadata does not hold the secret');
  t.notOk((row.secret_envelope ?? '').includes(metadata.client_secret as string), 'the secret is stored encrypted');
  const audited = await testDb.database.db.selectFrom('audit_events').select(['event', 'client_id']).where('event', '=', 'client.registered').execute();
  t.same(audited, [{ event: 'client.registered', client_id: metadata.client_id }], 'the registration is in the audit trail');
});

t.test('registration is refused without the initial access token, and closed when none is configured', async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const open = await startTestApp(t, { database: testDb.database, env: { REGISTRATION_ACCESS_TOKEN: registrationToken } });
  const res = await fetch(`${open.url}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-value-000000' },
    body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'] }),
  });
  t.equal(res.status, 401);
  t.equal(((await res.json()) as { error: string }).error, 'invalid_token');

  const discovery = (await (await fetch(`${open.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  t.equal(discovery.registration_endpoint, `${open.url}/reg`);

  const closedDb = await createTestDatabase();
  t.teardown(() => closedDb.drop());
  const closed = await startTestApp(t, { database: closedDb.database });
  const closedDiscovery = (await (await fetch(`${closed.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  t.equal(closedDiscovery.registration_endpoint, undefined, 'no registration endpoint without REGISTRATION_ACCESS_TOKEN');
  const refused = await fetch(`${closed.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(refused.status, 404);
});
