// The single-statement limiter used for per-IP POST limits: exact under concurrency, a fresh
// window after the old one ends, and the wait reported in seconds.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { createRateLimiter } from '../../../src/services/rate-limiter.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

t.test(`hit counts one bucket in one statement (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date('2026-03-01T00:00:00Z'));
  const limiter = createRateLimiter({ db: testDb.database.db, clock });
  const rule = { bucket: 'post:ip:203.0.113.9', limit: 10, windowSeconds: 60 };
  const results = await Promise.all(Array.from({ length: 25 }, () => limiter.hit(rule)));
  t.equal(results.filter((r) => r.ok).length, 10, 'exactly the limit passes out of 25 parallel hits');
  const refused = results.find((r) => !r.ok);
  t.same(refused, { ok: false, retryAfterSeconds: 60 }, 'the rest are told to wait the window out');
  clock.advance(30_000);
  t.same(await limiter.hit(rule), { ok: false, retryAfterSeconds: 30 }, 'half way through, half the wait');
  clock.advance(30_001);
  t.same(await limiter.hit(rule), { ok: true }, 'a fresh window after the old one ends');
  const row = await testDb.database.db.selectFrom('rate_limits').selectAll().where('bucket', '=', rule.bucket).executeTakeFirstOrThrow();
  t.equal(row.count, 1);
});
