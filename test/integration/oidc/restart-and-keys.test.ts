// Restarting the process keeps keys, clients and unexpired tokens; rotating keys publishes the
// new key first and keeps the previous one, and every node picks the new set up.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connectDatabase, type Database } from '../../../src/db/connect.js';
import { migrateToLatest } from '../../../src/db/migrator.js';
import { rotateKeys } from '../../../src/oidc/keys.js';
import { createTestDatabase, engineName, testDatabaseUrl } from '../../helpers/database.js';
import { startApp, startTestApp } from '../../helpers/app.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Jwks { keys: Array<{ kid: string; alg: string }> }

async function clientCredentialsToken(url: string, id: string, secret: string): Promise<string> {
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

async function introspect(url: string, id: string, secret: string, token: string): Promise<{ active: boolean }> {
  const res = await fetch(`${url}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(token)}`,
  });
  return (await res.json()) as { active: boolean };
}

/** Opens "the same database" again as a restarted process would. */
async function persistentDatabase(t: Test): Promise<() => Promise<Database>> {
  if (testDatabaseUrl) {
    const testDb = await createTestDatabase();
    t.teardown(() => testDb.drop());
    let first = true;
    return async () => {
      if (first) {
        first = false;
        return testDb.database;
      }
      return testDb.reopen();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'jsrs-restart-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return async () => {
    const database = await connectDatabase({ dataDir: dir });
    await migrateToLatest(database.db as never);
    return database;
  };
}

t.test(`a restart keeps keys, clients and tokens (${engineName})`, async (t) => {
  const open = await persistentDatabase(t);
  const firstDb = await open();
  const first = await startApp({ database: firstDb });
  const demo = first.container.config.devClient;
  await first.container.clients.save({ client_id: 'machine', client_secret: 'machine-secret-123', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }, 'cli');
  const token = await clientCredentialsToken(first.url, 'machine', 'machine-secret-123');
  const jwksBefore = (await (await fetch(`${first.url}/jwks`)).json()) as Jwks;
  t.same(jwksBefore.keys.map((k) => k.alg).sort(), ['ES256', 'RS256'], 'an RS256 and an ES256 key on first start');
  await first.stop();
  if (!testDatabaseUrl) await firstDb.close();

  const secondDb = await open();
  const second = await startApp({ database: secondDb });
  t.teardown(async () => {
    await second.stop();
    if (!testDatabaseUrl) await secondDb.close();
  });
  const jwksAfter = (await (await fetch(`${second.url}/jwks`)).json()) as Jwks;
  t.same(jwksAfter.keys.map((k) => k.kid), jwksBefore.keys.map((k) => k.kid), 'the same keys after the restart');
  t.equal((await introspect(second.url, 'machine', 'machine-secret-123', token)).active, true, 'a token from before the restart is still active');
  t.ok(await second.container.clients.find(demo.clientId), 'clients are kept');
  for (let i = 0; i < 5; i += 1) await second.container.services.lockout.attempt('identifier:restart-test', async () => false);
  const third = await startApp({ database: secondDb });
  t.teardown(() => third.stop());
  let checked = false;
  const after = await third.container.services.lockout.attempt('identifier:restart-test', async () => (checked = true));
  t.match(after, { ok: false, reason: 'locked' }, 'a lock holds across a restart');
  t.equal(checked, false, 'and nothing is checked');
});

t.test(`key rotation publishes new keys first and keeps the old ones (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const nodeA = await startTestApp(t, { database: testDb.database });
  const before = (await (await fetch(`${nodeA.url}/jwks`)).json()) as Jwks;
  await rotateKeys(testDb.database.db, nodeA.container.secrets.cipher, nodeA.container.clock, 'sig', 3600);
  t.equal(await nodeA.container.oidc.refreshKeys(), true, 'the node notices the new key set');
  t.equal(await nodeA.container.oidc.refreshKeys(), false, 'and only once');
  const after = (await (await fetch(`${nodeA.url}/jwks`)).json()) as Jwks;
  t.equal(after.keys.length, 4, 'two new keys and the two retired ones');
  t.notOk(before.keys.some((k) => k.kid === after.keys[0]?.kid), 'a new key is listed first');
  for (const old of before.keys) t.ok(after.keys.some((k) => k.kid === old.kid), `retired ${old.alg} key still published`);
  t.equal(after.keys[0]?.alg, 'RS256', 'RS256 stays the first (default) signing algorithm');

  const cookieBefore = await testDb.database.db.selectFrom('signing_keys').select('kid').where('use', '=', 'cookie').execute();
  await rotateKeys(testDb.database.db, nodeA.container.secrets.cipher, nodeA.container.clock, 'cookie', 3600);
  const cookieAfter = await testDb.database.db.selectFrom('signing_keys').select(['kid', 'status']).where('use', '=', 'cookie').execute();
  t.equal(cookieAfter.length, cookieBefore.length + 1, 'a new cookie key');
  t.equal(cookieAfter.filter((k) => k.status === 'active').length, 1, 'one active cookie key');
  const privateColumns = await testDb.database.db.selectFrom('signing_keys').select('private_envelope').execute();
  for (const row of privateColumns) t.match(row.private_envelope, /^v1\./, 'private parts are stored in the cipher envelope');
});
