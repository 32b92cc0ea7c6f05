// A provider request that holds its writes (the token endpoint, the return to /auth/<uid>) stores
// them in one statement, all or none, before its next read and before its reply; reads in the
// request see them; when they cannot be stored the reply never leaves (the outage's answer instead).

import t from 'tap';
import type { Context } from 'koa';
import { connectDatabase } from '../../../src/db/connect.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { UnavailableError } from '../../../src/errors/app-error.js';
import { createAdapterFactory } from '../../../src/oidc/adapter.js';
import { createClientStore } from '../../../src/oidc/client-store.js';
import { withHeldWritesStored } from '../../../src/oidc/held-writes.js';
import { requestReads, withRequestReads } from '../../../src/oidc/request-reads.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const box = { encrypt: (s: string) => `x:${s}`, decrypt: (s: string) => s.slice(2) };

t.test(`held writes (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db, stats } = testDb.database;
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const factory = createAdapterFactory({ db, clock, clients: createClientStore({ db, box, cacheSeconds: 0 }) });
  const [interactions, sessions, grants, codes] = [factory('Interaction'), factory('Session'), factory('Grant'), factory('AuthorizationCode')];
  const stored = async (model: string, id: string) =>
    (await db.selectFrom('oidc_payloads').select(['payload', 'uid', 'grant_id', 'expires_at']).where('model', '=', model).where('id', '=', id).executeTakeFirst()) ?? null;
  const counted = async <T>(work: () => Promise<T>) => {
    const before = stats.queries;
    const value = await work();
    return { value, queries: stats.queries - before };
  };
  // As the runtime runs the token endpoint: a request's reads, its writes held and stored at its end.
  const held = (work: () => Promise<void>) => withRequestReads(() => withHeldWritesStored(fakeContext('/token'), db, work));

  await t.test('what the return from an interaction writes is one statement, all of it', async (t) => {
    await interactions.upsert('i1', { uid: 'i1', returnTo: '/auth/i1' } as never, 600);
    const run = await counted(() =>
      held(async () => {
        await interactions.destroy('i1');
        await sessions.upsert('s1', { uid: 'su1', accountId: 'a1' } as never, 600);
        await grants.upsert('g1', { accountId: 'a1', clientId: 'c1' } as never, 600);
        await codes.upsert('c1', { grantId: 'g1', accountId: 'a1' } as never, 60);
        t.equal(requestReads.hasHeldWrites(), true, 'held, not yet stored');
        t.equal(await stored('Session', 's1'), null, 'nothing in the table while held');
      }),
    );
    t.equal(run.queries, 2, 'four writes, one statement (and the check above)');
    t.equal(await stored('Interaction', 'i1'), null, 'the interaction removed');
    t.match(await stored('Session', 's1'), { uid: 'su1', payload: { accountId: 'a1' } }, 'the session stored with its uid column');
    t.match(await stored('AuthorizationCode', 'c1'), { grant_id: 'g1' }, 'the code stored with its grant column');
    const code = await stored('AuthorizationCode', 'c1');
    t.equal(code?.expires_at?.getTime(), clock.now().getTime() + 60_000, 'with its expiry');
  });

  await t.test('reads in the request see the held writes (stored first)', async (t) => {
    await held(async () => {
      await grants.upsert('g2', { accountId: 'a2', clientId: 'c2' } as never, 600);
      await sessions.upsert('s2', { uid: 'su2', accountId: 'a2' } as never, 600);
      const [grant, session] = await Promise.all([grants.find('g2'), sessions.findByUid('su2')]);
      t.match(grant, { accountId: 'a2' }, 'a find of a held row finds it');
      t.match(session, { accountId: 'a2' }, 'a look-up by uid in the same tick too');
      await codes.upsert('c2', { grantId: 'g2' } as never, 60);
      await codes.consume('c2');
      t.match(await codes.find('c2'), { consumed: Number }, 'a held code is stored before it is consumed');
      await t.rejects(codes.consume('c2'), { name: 'InvalidGrant' }, 'and consumed once');
    });
  });

  await t.test('the last write of a row wins', async (t) => {
    await held(async () => {
      await grants.upsert('g3', { v: 1 } as never, 600);
      await grants.upsert('g3', { v: 2 } as never, 600);
      await grants.upsert('g4', { v: 1 } as never, 600);
      await grants.destroy('g4');
      await grants.destroy('g5');
      await grants.upsert('g5', { v: 5 } as never, 600);
    });
    t.match(await stored('Grant', 'g3'), { payload: { v: 2 } }, 'stored twice: the second');
    t.equal(await stored('Grant', 'g4'), null, 'stored then removed: absent');
    t.match(await stored('Grant', 'g5'), { payload: { v: 5 } }, 'removed then stored: present');
  });

  await t.test('all or none: a write the database refuses takes the others with it', async (t) => {
    await t.rejects(
      held(async () => {
        await grants.upsert('g6', { v: 6 } as never, 600);
        await grants.upsert(null as never, { v: 0 } as never, 600); // no id: refused by the table
      }),
    );
    t.equal(await stored('Grant', 'g6'), null, 'the good write was not stored either');
  });

  await t.test('outside a holding request every write is its own statement, at once', async (t) => {
    const plain = await counted(() => withRequestReads(async () => {
      await grants.upsert('g7', { v: 7 } as never, 600);
      await grants.destroy('g7');
    }));
    t.equal(plain.queries, 2);
    const bare = await counted(() => grants.upsert('g8', { v: 8 } as never, 600));
    t.equal(bare.queries, 1);
    t.match(await stored('Grant', 'g8'), { payload: { v: 8 } });
  });

  await t.test('the request end stores what is held before the reply', async (t) => {
    const ctx = fakeContext('/token');
    await withRequestReads(() => withHeldWritesStored(ctx, db, async () => {
      await grants.upsert('g9', { v: 9 } as never, 600);
      ctx.body = { access_token: 'x' };
    }));
    t.match(await stored('Grant', 'g9'), { payload: { v: 9 } });
    t.same(ctx.body, { access_token: 'x' }, 'the reply left as the provider made it');

    const failing = fakeContext('/token');
    await t.rejects(
      withRequestReads(() => withHeldWritesStored(failing, db, async () => {
        await grants.upsert('g10', { v: 10 } as never, 600);
        throw new Error('the provider failed');
      })),
      { message: 'the provider failed' },
      'an error of the request goes on unchanged',
    );
    t.match(await stored('Grant', 'g10'), { payload: { v: 10 } }, 'and what it held is stored as it would have been at once');
  });
});

/** Just what withHeldWritesStored touches of a Koa context. */
function fakeContext(path: string) {
  const headers = new Map<string, string>();
  const ctx = {
    path,
    status: 200,
    body: undefined as unknown,
    headers,
    set: (name: string, value: string) => void headers.set(name.toLowerCase(), value),
    remove: (name: string) => void headers.delete(name.toLowerCase()),
  };
  return ctx as typeof ctx & Context;
}

t.test('held writes that cannot be stored: the reply never leaves', async (t) => {
  // Nothing listens on port 1: every statement fails as an unreachable database does.
  const gone = await connectDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: 'unused', connectTimeoutMs: 500 });
  t.teardown(() => gone.close());
  const clock = createControllableClock(new Date('2026-01-01T00:00:00Z'));
  const codes = createAdapterFactory({ db: gone.db, clock, clients: createClientStore({ db: gone.db, box, cacheSeconds: 0 }) })('AuthorizationCode');
  const provider = (ctx: Context) => async () => {
    await codes.upsert('c1', { grantId: 'g1' } as never, 60);
    ctx.status = 303;
    ctx.set('Location', 'https://rp.example/cb?code=c1');
    ctx.body = { access_token: 'never-stored' };
  };

  const token = fakeContext('/token');
  await withRequestReads(() => withHeldWritesStored(token, gone.db, provider(token)));
  t.equal(token.status, 503, 'the token endpoint answers 503');
  t.match(token.body, { error: 'temporarily_unavailable' }, 'as OAuth temporarily_unavailable');
  t.notMatch(JSON.stringify(token.body), /never-stored/, 'never the tokens that were not kept');
  t.equal(token.headers.get('location'), undefined);
  t.equal(token.headers.get('cache-control'), 'no-store');

  const resume = fakeContext('/auth/abc');
  await t.rejects(
    withRequestReads(() => withHeldWritesStored(resume, gone.db, provider(resume))),
    UnavailableError,
    'the return from an interaction fails as a page 503 (the error handler renders it)',
  );
  t.equal(resume.headers.get('location'), undefined, 'and the redirect with the code is gone');
});
