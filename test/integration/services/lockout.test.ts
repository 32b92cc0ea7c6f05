// Lockout counters on a real database: the lock engages at exactly the configured count (also
// under 20 parallel failures), holds for lockSeconds, lapses by the clock and resets.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { createLockout } from '../../../src/services/lockout.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const db = testDb.database.db;
const start = new Date('2026-11-27T02:00:00Z');
const clock = createControllableClock(start);
const lockSeconds = 4 * 3600;
const lockout = createLockout({ db, clock, maxFailures: 5, lockSeconds });

const row = (key: string) => db.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();

t.test(`five failures lock for four hours (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:sequential';
  t.same(await lockout.status(key), { locked: false, failures: 0 });
  for (let i = 1; i <= 4; i += 1) {
    t.same(await lockout.recordFailure(key), { locked: false, failures: i, engaged: false }, `failure ${i}`);
    clock.advance(1000);
  }
  const until = new Date(clock.now().getTime() + lockSeconds * 1000);
  t.same(await lockout.recordFailure(key), { locked: true, until, failures: 5, engaged: true });
  t.same(await lockout.status(key), { locked: true, until });

  clock.advance(60_000);
  t.same(await lockout.recordFailure(key), { locked: true, until, failures: 6, engaged: false }, 'a lock is not extended');
  t.match(await row(key), { failures: 6, locked_until: until });

  clock.set(new Date(until.getTime() - 1));
  t.same(await lockout.status(key), { locked: true, until }, 'still locked a millisecond before');
  clock.set(until);
  t.same(await lockout.status(key), { locked: false, failures: 6 }, 'lapsed at until (the stale count is still on record)');
  t.same(await lockout.recordFailure(key), { locked: false, failures: 1, engaged: false }, 'a lapsed lock counts afresh');
  t.match(await row(key), { failures: 1, locked_until: null });

  await lockout.reset(key);
  t.equal(await row(key), undefined);
  t.same(await lockout.status(key), { locked: false, failures: 0 });
});

t.test(`keys are independent (${engineName})`, async (t) => {
  clock.set(start);
  for (let i = 0; i < 5; i += 1) await lockout.recordFailure('identifier:a');
  t.equal((await lockout.status('identifier:a')).locked, true);
  t.equal((await lockout.status('identifier:b')).locked, false);
  t.equal((await lockout.recordFailure('identifier:b')).failures, 1);
});

t.test(`20 parallel failures engage the lock at exactly the configured count (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:parallel';
  const until = new Date(start.getTime() + lockSeconds * 1000);
  const results = await Promise.all(Array.from({ length: 20 }, () => lockout.recordFailure(key)));
  t.same(
    results.map((r) => r.failures).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
    'every failure counted once',
  );
  const engaged = results.filter((r) => r.engaged);
  t.same(engaged, [{ locked: true, until, failures: 5, engaged: true }], 'exactly one call engaged the lock, at 5');
  for (const r of results) {
    if (r.failures < 5) t.same(r, { locked: false, failures: r.failures, engaged: false });
    else t.same(r, { locked: true, until, failures: r.failures, engaged: r.failures === 5 });
  }
  t.match(await row(key), { failures: 20, locked_until: until });
});

t.test(`a limit of one locks on the first failure, also after a lapse (${engineName})`, async (t) => {
  clock.set(start);
  const strict = createLockout({ db, clock, maxFailures: 1, lockSeconds: 60 });
  const until = new Date(start.getTime() + 60_000);
  t.same(await strict.recordFailure('strict'), { locked: true, until, failures: 1, engaged: true });
  clock.advance(60_000);
  const again = new Date(clock.now().getTime() + 60_000);
  t.same(await strict.recordFailure('strict'), { locked: true, until: again, failures: 1, engaged: true });
});
