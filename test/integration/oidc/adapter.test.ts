// The Kysely adapter honours oidc-provider's contract: upsert replaces, find returns consumed
// markers, consume is single-use under concurrency, look-ups by uid / user code / grant id work,
// and expired rows are purged in batches.

import t from 'tap';
import { createAdapterFactory } from '../../../src/oidc/adapter.js';
import { createClientStore } from '../../../src/oidc/client-store.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { purgeExpiredOnce } from '../../../src/jobs/purge-expired.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const box = { encrypt: (s: string) => `x:${s}`, decrypt: (s: string) => s.slice(2) };

t.test(`adapter contract (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db } = testDb.database;
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const clients = createClientStore({ db, box, cacheSeconds: 0 });
  const factory = createAdapterFactory({ db, clock, clients });

  const codes = factory('AuthorizationCode');
  await codes.upsert('c1', { grantId: 'g1', accountId: 'a1', exp: 1 } as never, 60);
  t.match(await codes.find('c1'), { grantId: 'g1', accountId: 'a1' });
  t.equal((await codes.find('c1') as { consumed?: unknown }).consumed, undefined, 'not consumed yet');
  await codes.upsert('c1', { grantId: 'g1', accountId: 'a2' } as never, 60);
  t.equal((await codes.find('c1') as { accountId: string }).accountId, 'a2', 'upsert replaces the payload');

  const results = await Promise.allSettled(Array.from({ length: 10 }, () => codes.consume('c1')));
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one of 10 concurrent consumes wins');
  t.equal(results.filter((r) => r.status === 'rejected').length, 9);
  t.type((await codes.find('c1') as { consumed?: unknown }).consumed, 'number', 'find reports consumed');
  t.equal(await codes.find('missing'), undefined);

  const sessions = factory('Session');
  await sessions.upsert('s1', { uid: 'uid-1', accountId: 'a1' } as never, 600);
  t.match(await sessions.findByUid('uid-1'), { accountId: 'a1' });
  t.equal(await sessions.findByUid('nope'), undefined);

  const devices = factory('DeviceCode');
  await devices.upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g1' } as never, 600);
  t.match(await devices.findByUserCode('ABCD-EFGH'), { grantId: 'g1' });

  const accessTokens = factory('AccessToken');
  await accessTokens.upsert('at1', { grantId: 'g1' } as never, 600);
  await accessTokens.upsert('at2', { grantId: 'g2' } as never, 600);
  await accessTokens.revokeByGrantId('g1');
  t.equal(await accessTokens.find('at1'), undefined, 'revokeByGrantId removes the grant\'s tokens');
  t.ok(await accessTokens.find('at2'), 'and leaves other grants alone');
  t.ok(await codes.find('c1'), 'and only of its own model');

  await accessTokens.destroy('at2');
  t.equal(await accessTokens.find('at2'), undefined, 'destroy removes');

  const replay = factory('ReplayDetection');
  await replay.upsert('jti-1', { iat: 1 } as never, 30);
  await factory('Interaction').upsert('i1', { uid: 'i1' } as never, 3600);
  await factory('PushedAuthorizationRequest').upsert('p1', { params: {} } as never, 10);
  const grants = factory('Grant');
  await grants.upsert('g9', { accountId: 'a1', clientId: 'c' } as never, undefined);
  t.ok(await grants.find('g9'), 'rows without expiry are kept');

  // 30 s replay rows and the 10 s PAR expire; move past expiry plus the safety margin
  for (let i = 0; i < 25; i += 1) await factory('AccessToken').upsert(`bulk-${i}`, {} as never, 1);
  clock.advance(2 * 3600 * 1000);
  const purged = await purgeExpiredOnce(db, clock, 7);
  t.equal(purged, 25 + 6 /* c1, s1, d1, jti-1, i1, p1 */, 'every expired row of every model is purged, in batches of 7');
  t.ok(await grants.find('g9'), 'a row with no expiry survives the purge');
  t.equal(await purgeExpiredOnce(db, clock, 7), 0, 'nothing left to purge');
});

t.test(`client store serves clients from the table, secret decrypted (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db } = testDb.database;
  const clients = createClientStore({ db, box, cacheSeconds: 0 });
  const adapter = createAdapterFactory({ db, clock: createControllableClock(), clients })('Client');
  await adapter.upsert('rp1', { client_id: 'rp1', client_secret: 's3cret', redirect_uris: ['https://rp/cb'] } as never);
  const row = await db.selectFrom('clients').selectAll().where('client_id', '=', 'rp1').executeTakeFirstOrThrow();
  t.equal(row.secret_envelope, 'x:s3cret', 'the secret goes through the box');
  t.notOk('client_secret' in row.metadata, 'and not into the metadata column');
  t.match(await adapter.find('rp1'), { client_id: 'rp1', client_secret: 's3cret', redirect_uris: ['https://rp/cb'] });
  await adapter.destroy('rp1');
  t.equal(await adapter.find('rp1'), undefined);
});
