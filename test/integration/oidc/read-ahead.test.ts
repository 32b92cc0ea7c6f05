// A token is read with its grant and (when session-bound) its session in one round trip, and where
// the request reads it next, with the account it names; within the same provider request the
// look-ups that follow cost nothing, writes make them read again, and outside a request nothing is kept.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { createAdapterFactory } from '../../../src/oidc/adapter.js';
import { createClientStore } from '../../../src/oidc/client-store.js';
import { requestReads, withRequestReads } from '../../../src/oidc/request-reads.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const box = { encrypt: (s: string) => `x:${s}`, decrypt: (s: string) => s.slice(2) };

t.test(`read-ahead of grant and session (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db, stats } = testDb.database;
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const factory = createAdapterFactory({ db, clock, clients: createClientStore({ db, box, cacheSeconds: 0 }) });
  const [tokens, grants, sessions, refresh] = [factory('AccessToken'), factory('Grant'), factory('Session'), factory('RefreshToken')];

  await sessions.upsert('s-old', { uid: 'u1', accountId: 'a1', generation: 'old' } as never, 600);
  clock.advance(1000);
  await sessions.upsert('s1', { uid: 'u1', accountId: 'a1', generation: 'new' } as never, 600);
  await grants.upsert('g1', { accountId: 'a1', clientId: 'c1', openid: { scope: 'openid' } } as never, 600);
  await tokens.upsert('at-bound', { grantId: 'g1', accountId: 'a1', sessionUid: 'u1', expiresWithSession: true } as never, 600);
  await tokens.upsert('at-free', { grantId: 'g1', accountId: 'a1', sessionUid: 'u1', expiresWithSession: false } as never, 600);
  await tokens.upsert('at-orphan', { grantId: 'g-gone', accountId: 'a1', sessionUid: 'u-gone', expiresWithSession: true } as never, 600);

  const queries = async <T>(work: () => Promise<T>) => {
    const before = stats.queries;
    const value = await work();
    return { value, queries: stats.queries - before };
  };

  await withRequestReads(async () => {
    const token = await queries(() => tokens.find('at-bound'));
    t.match(token.value, { grantId: 'g1', sessionUid: 'u1' });
    t.equal(token.queries, 1, 'token, grant and session in one round trip');
    const grant = await queries(() => grants.find('g1'));
    t.match(grant.value, { clientId: 'c1' });
    t.equal(grant.queries, 0, 'the grant comes from the read-ahead');
    const session = await queries(() => sessions.findByUid('u1'));
    t.match(session.value, { generation: 'new' }, 'the newest session with that uid, as findByUid answers');
    t.equal(session.queries, 0, 'the session comes from the read-ahead');

    await grants.upsert('g1', { accountId: 'a1', clientId: 'c1', changed: true } as never, 600);
    const again = await queries(() => grants.find('g1'));
    t.match(again.value, { changed: true }, 'after a write the grant is read again');
    t.equal(again.queries, 1);
  });

  await withRequestReads(async () => {
    await tokens.find('at-free');
    const session = await queries(() => sessions.findByUid('u1'));
    t.equal(session.queries, 1, 'a token not bound to its session does not read the session ahead');
  });

  await withRequestReads(async () => {
    t.match(await tokens.find('at-orphan'), { grantId: 'g-gone' });
    const grant = await queries(() => grants.find('g-gone'));
    t.equal(grant.value, undefined, 'a missing grant is known to be missing');
    t.equal(grant.queries, 0);
    t.equal(await sessions.findByUid('u-gone'), undefined, 'an ended session is known to have ended');
  });

  await withRequestReads(async () => {
    t.equal(await tokens.find('nope'), undefined, 'an unknown token is undefined');
    await refresh.upsert('rt1', { grantId: 'g1', accountId: 'a1' } as never, 600);
    t.match(await refresh.find('rt1'), { grantId: 'g1' }, 'refresh tokens read ahead the same way');
    await sessions.destroy('s1');
    const afterLogout = await queries(() => sessions.findByUid('u1'));
    t.match(afterLogout.value, { generation: 'old' }, 'a destroyed session is read again, not served from the read-ahead');
    t.equal(afterLogout.queries, 1);
  });

  await tokens.find('at-bound');
  const outside = await queries(() => grants.find('g1'));
  t.equal(outside.queries, 1, 'outside a provider request nothing is kept');
});

t.test(`introspection's two look-ups of one value in one round trip (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db, stats } = testDb.database;
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const factory = createAdapterFactory({ db, clock, clients: createClientStore({ db, box, cacheSeconds: 0 }) });
  const [accessTokens, clientTokens, refreshTokens] = [factory('AccessToken'), factory('ClientCredentials'), factory('RefreshToken')];
  await accessTokens.upsert('user-token', { accountId: 'a1', clientId: 'c1' } as never, 600);
  await clientTokens.upsert('service-token', { clientId: 'c2' } as never, 600);
  await refreshTokens.upsert('refresh-token', { accountId: 'a1', clientId: 'c1' } as never, 600);

  // What oidc-provider's findToken does for token_type_hint=access_token: both look-ups in one tick.
  const bothKinds = (value: string) => withRequestReads(async () => {
    const before = stats.queries;
    const [asAccess, asClient] = await Promise.all([accessTokens.find(value), clientTokens.find(value)]);
    return { asAccess, asClient, queries: stats.queries - before };
  });

  const user = await bothKinds('user-token');
  t.match(user.asAccess, { accountId: 'a1' });
  t.equal(user.asClient, undefined, 'the value is no client-credentials token');
  t.equal(user.queries, 1, 'an access token: one round trip for both look-ups');

  const service = await bothKinds('service-token');
  t.equal(service.asAccess, undefined);
  t.match(service.asClient, { clientId: 'c2' }, 'a client-credentials token is found by the twin read');
  t.equal(service.queries, 1, 'a client-credentials token: one round trip for both look-ups');

  const neither = await bothKinds('refresh-token');
  t.same([neither.asAccess, neither.asClient, neither.queries], [undefined, undefined, 1], 'another kind of token is neither, still one round trip');

  await withRequestReads(async () => {
    await accessTokens.find('service-token');
    await clientTokens.upsert('service-token', { clientId: 'c2', changed: true } as never, 600);
    const before = stats.queries;
    t.match(await clientTokens.find('service-token'), { changed: true }, 'a write to the twin model makes it read again');
    t.equal(stats.queries - before, 1);
  });

  const outside = stats.queries;
  await accessTokens.find('service-token');
  t.match(await clientTokens.find('service-token'), { clientId: 'c2' });
  t.equal(stats.queries - outside, 2, 'outside a provider request each look-up reads');
});

t.test(`a failed read-ahead fails its twin's look-up and is never an unhandled rejection (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  const { db } = testDb.database;
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const factory = createAdapterFactory({ db, clock, clients: createClientStore({ db, box, cacheSeconds: 0 }) });
  const [accessTokens, clientTokens] = [factory('AccessToken'), factory('ClientCredentials')];
  await testDb.drop(); // the database is gone: every query fails
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => process.off('unhandledRejection', onUnhandled));
  await withRequestReads(async () => {
    const [asAccess, asClient] = await Promise.allSettled([accessTokens.find('v'), clientTokens.find('v')]);
    t.equal(asAccess.status, 'rejected', 'the access token look-up fails');
    t.equal(asClient.status, 'rejected', 'the twin look-up fails with it, it does not answer "absent"');
  });
  await withRequestReads(async () => {
    await accessTokens.find('w').catch(() => undefined); // the twin is never asked for
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.same(unhandled, [], 'no unhandled rejection');
});

t.test(`the account a payload names comes with it where the request reads it next (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db, stats } = testDb.database;
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const factory = createAdapterFactory({ db, clock, clients: createClientStore({ db, box, cacheSeconds: 0 }) });
  const [interactions, accessTokens] = [factory('Interaction'), factory('AccessToken')];
  const [present, gone] = [randomUUID(), randomUUID()];
  await db.insertInto('accounts').values({ id: present, name_envelope: 'sealed-name', needs_phone: false }).execute();
  await interactions.upsert('i-signed-in', { uid: 'i-signed-in', result: { login: { accountId: present } } } as never, 600);
  await interactions.upsert('i-open', { uid: 'i-open' } as never, 600);
  await accessTokens.upsert('at-gone', { accountId: gone, grantId: 'g-none' } as never, 600);
  await accessTokens.upsert('at-odd', { accountId: 'not-a-uuid', grantId: 'g-none' } as never, 600);

  await withRequestReads(async () => {
    const before = stats.queries;
    t.match(await interactions.find('i-signed-in'), { result: { login: { accountId: present } } });
    t.equal(stats.queries - before, 1, 'the interaction and its account in one round trip');
    t.match(requestReads.recallAccount(present), { account: { id: present, nameEnvelope: 'sealed-name' }, proofs: [] });
    t.equal(requestReads.recallAccount(gone), undefined, 'nothing under another id');
    await interactions.find('i-open');
    await accessTokens.find('at-gone');
    t.equal(requestReads.recallAccount(gone), null, 'an account that is gone is read as gone');
    t.match(await accessTokens.find('at-odd'), { accountId: 'not-a-uuid' }, 'an id that is no uuid reads no account and fails nothing');
    t.equal(requestReads.recallAccount('not-a-uuid'), undefined);
  }, { accountsWanted: true });

  await withRequestReads(async () => {
    await interactions.find('i-signed-in');
    t.equal(requestReads.recallAccount(present), undefined, 'a request that does not read accounts next reads none ahead');
  });
});
