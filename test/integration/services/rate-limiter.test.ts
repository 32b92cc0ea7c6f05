// Rate limiter over the rate_limits table: exact fixed windows moved by the clock, all-or-nothing
// consumption across buckets, the longest wait reported, and exact counts under 50 parallel calls.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { AppError } from '../../../src/errors/app-error.js';
import { createRateLimiter } from '../../../src/services/rate-limiter.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const { db } = testDb.database;
const clock = createControllableClock(new Date('2026-12-01T08:00:00Z'));
const limiter = createRateLimiter({ db, clock });

const count = async (bucket: string) =>
  (await db.selectFrom('rate_limits').select('count').where('bucket', '=', bucket).executeTakeFirst())?.count;

t.test(`limits are exact per window (${engineName})`, async (t) => {
  const rule = { bucket: 'test:minute', limit: 1, windowSeconds: 60 };
  t.same(await limiter.consume([rule]), { ok: true });
  t.same(await limiter.consume([rule]), { ok: false, retryAfterSeconds: 60 });
  clock.advance(59_500);
  t.same(await limiter.consume([rule]), { ok: false, retryAfterSeconds: 1 }, 'a part second rounds up');
  clock.advance(500);
  t.same(await limiter.consume([rule]), { ok: true }, 'the window ended exactly');
  t.equal(await count('test:minute'), 1);

  const hourly = { bucket: 'test:hour', limit: 5, windowSeconds: 3600 };
  for (let i = 0; i < 5; i += 1) {
    t.same(await limiter.consume([hourly]), { ok: true });
    clock.advance(60_000);
  }
  t.same(await limiter.consume([hourly]), { ok: false, retryAfterSeconds: 3600 - 300 });
  t.equal(await count('test:hour'), 5, 'a refused call counts nothing');
});

t.test('all or nothing; the longest wait among the full buckets', async (t) => {
  const a = { bucket: 'aon:a', limit: 1, windowSeconds: 60 };
  const b = { bucket: 'aon:b', limit: 1, windowSeconds: 3600 };
  const c = { bucket: 'aon:c', limit: 10, windowSeconds: 60 };
  t.same(await limiter.consume([b]), { ok: true });
  clock.advance(10_000);
  t.same(await limiter.consume([a]), { ok: true });
  t.same(await limiter.consume([c, a, b]), { ok: false, retryAfterSeconds: 3590 });
  t.equal(await count('aon:c'), undefined, 'the free bucket was not counted (not even created)');
  t.same(await limiter.consume([c]), { ok: true });
  t.equal(await count('aon:c'), 1);
});

t.test('reset forgets a bucket', async (t) => {
  const rule = { bucket: 'reset:x', limit: 1, windowSeconds: 60 };
  t.same(await limiter.consume([rule]), { ok: true });
  t.equal((await limiter.consume([rule])).ok, false);
  await limiter.reset('reset:x');
  t.equal(await count('reset:x'), undefined);
  t.same(await limiter.consume([rule]), { ok: true });
});

t.test('programming errors are refused', async (t) => {
  await t.rejects(limiter.consume([{ bucket: 'd', limit: 1, windowSeconds: 60 }, { bucket: 'd', limit: 2, windowSeconds: 60 }]), AppError);
  await t.rejects(limiter.consume([{ bucket: 'w', limit: 1, windowSeconds: 0 }]), AppError);
  t.same(await limiter.consume([]), { ok: true });
});

t.test('50 parallel calls on shared buckets count exactly', async (t) => {
  const rules = [
    { bucket: 'race:phone', limit: 5, windowSeconds: 60 },
    { bucket: 'race:ip', limit: 100, windowSeconds: 60 },
  ];
  const results = await Promise.all(Array.from({ length: 50 }, () => limiter.consume(rules)));
  t.equal(results.filter((r) => r.ok).length, 5);
  t.equal(await count('race:phone'), 5);
  t.equal(await count('race:ip'), 5, 'refused calls counted nothing on the free bucket');
});
