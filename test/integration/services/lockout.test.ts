// Lockout on a real database: an attempt is counted (one statement) before its password is checked,
// so under any number of parallel attempts at most maxFailures checks run, none once locked; the
// lock holds for lockSeconds, lapses by the clock, and a success forgets what was counted before it.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { releaseLoginAttempt, reserveLoginAttempt } from '../../../src/repositories/login-failures.js';
import { createLockout, type AttemptOutcome } from '../../../src/services/lockout.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const db = testDb.database.db;
const start = new Date('2026-11-27T02:00:00Z');
const clock = createControllableClock(start);
const lockSeconds = 4 * 3600;
const lockout = createLockout({ db, clock, maxFailures: 5, lockSeconds });
const until = () => new Date(clock.now().getTime() + lockSeconds * 1000);

const row = (key: string) => db.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();

/** A password check that records whether it ran. */
function checker(right: boolean) {
  const check = { runs: 0, run: async () => { check.runs += 1; return right; } };
  return check;
}

t.test(`sequential: 4 wrong then the right one signs in; the 5th wrong locks (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:sequential';
  for (let i = 1; i <= 4; i += 1) {
    t.same(await lockout.attempt(key, checker(false).run), { ok: false, reason: 'invalid', failures: i }, `failure ${i}`);
  }
  const right = checker(true);
  t.same(await lockout.attempt(key, right.run), { ok: true }, 'the right password in the last slot signs in');
  t.equal(right.runs, 1);
  t.equal(await row(key), undefined, 'and forgets the count (and the lock its slot engaged)');

  for (let i = 1; i <= 4; i += 1) await lockout.attempt(key, checker(false).run);
  const lockedAt = until();
  t.same(await lockout.attempt(key, checker(false).run), { ok: false, reason: 'locked', until: lockedAt, failures: 5, engaged: true }, 'the 5th wrong locks');

  clock.advance(60_000);
  const late = checker(true);
  t.same(await lockout.attempt(key, late.run), { ok: false, reason: 'locked', until: lockedAt, failures: 6, engaged: false }, 'a lock is not extended');
  t.equal(late.runs, 0, 'the right password is not even checked while locked');

  clock.set(new Date(lockedAt.getTime() - 1));
  t.match(await lockout.attempt(key, checker(true).run), { ok: false, reason: 'locked', until: lockedAt }, 'still locked a millisecond before');
  clock.set(lockedAt);
  t.same(await lockout.attempt(key, checker(false).run), { ok: false, reason: 'invalid', failures: 1 }, 'a lapsed lock counts afresh');
  t.match(await row(key), { failures: 1, locked_until: null });
  await lockout.reset(key);
  t.equal(await row(key), undefined);
});

t.test(`keys are independent (${engineName})`, async (t) => {
  clock.set(start);
  for (let i = 0; i < 5; i += 1) await lockout.attempt('identifier:a', checker(false).run);
  t.match(await lockout.attempt('identifier:a', checker(true).run), { ok: false, reason: 'locked' });
  t.same(await lockout.attempt('identifier:b', checker(false).run), { ok: false, reason: 'invalid', failures: 1 });
});

t.test(`the statement under 50 parallel calls: exactly 5 slots, the rest refused (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:statement';
  const lockUntil = until();
  const results = await Promise.all(Array.from({ length: 50 }, () => reserveLoginAttempt(db, { key, now: clock.now(), lockUntil, maxFailures: 5 })));
  const granted = results.filter((r) => r.granted);
  t.same(granted.map((r) => r.slot).sort((a, b) => a - b), [1, 2, 3, 4, 5], 'slots 1 to 5, each once');
  t.same(granted.find((r) => r.slot === 5)?.lockedUntil, lockUntil, 'the last slot engages the lock at once');
  t.ok(granted.filter((r) => r.slot < 5).every((r) => r.lockedUntil === null), 'earlier slots do not lock');
  const refused = results.filter((r) => !r.granted);
  t.equal(refused.length, 45);
  t.ok(refused.every((r) => r.slot > 5 && r.lockedUntil?.getTime() === lockUntil.getTime()), 'every refusal says locked until the same time');
  t.match(await row(key), { failures: 50, locked_until: lockUntil });
});

t.test(`50 parallel wrong passwords: exactly 5 checks (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:parallel-wrong';
  const check = checker(false);
  const results = await Promise.all(Array.from({ length: 50 }, () => lockout.attempt(key, check.run)));
  t.equal(check.runs, 5, 'five checks, whatever the interleaving');
  t.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, 4);
  const locked = results.filter((r): r is Extract<AttemptOutcome, { reason: 'locked' }> => !r.ok && r.reason === 'locked');
  t.equal(locked.length, 46);
  t.same(locked.filter((r) => r.engaged).map((r) => r.failures), [5], 'one engaged the lock, in the last slot');
});

t.test(`50 parallel attempts with the right password among them: 5 checks, no success once locked (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:parallel-mixed';
  // Every check waits at a gate until the refused attempts have answered, so all 50 are counted
  // while checks are still running: the worst interleaving, made certain.
  let releaseGate = () => {};
  const gate = new Promise<void>((resolve) => (releaseGate = resolve));
  let checks = 0;
  const check = async () => {
    checks += 1;
    const right = checks === 1; // the first attempt to be checked holds the right password
    await gate;
    return right;
  };
  let answered = 0;
  let allRefused = () => {};
  const refused = new Promise<void>((resolve) => (allRefused = resolve));
  const pending = Array.from({ length: 50 }, () =>
    lockout.attempt(key, check).finally(() => {
      answered += 1;
      if (answered === 45) allRefused();
    }),
  );
  await Promise.race([refused, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  t.equal(answered, 45, '45 refused without waiting for any check');
  t.equal(checks, 5, 'five checks started');
  releaseGate();
  const results = await Promise.all(pending);
  t.equal(checks, 5, 'and no more after them');
  t.equal(results.filter((r) => r.ok).length, 1, 'the right password, counted before the lock, signs in');
  t.equal(results.filter((r) => !r.ok && r.reason === 'locked' && !r.engaged).length, 45);
  const later = checker(true);
  t.match(await lockout.attempt(key, later.run), { ok: false, reason: 'locked' }, 'the attempts counted after it keep the lock');
  t.equal(later.runs, 0);
});

t.test(`a success forgets only what was counted up to it (${engineName})`, async (t) => {
  clock.set(start);
  const key = 'account:release';
  const lockUntil = until();
  const reserve = () => reserveLoginAttempt(db, { key, now: clock.now(), lockUntil, maxFailures: 5 });
  await reserve();
  const mine = await reserve();
  await reserve();
  t.equal(mine.slot, 2);
  await releaseLoginAttempt(db, key, mine.slot);
  t.match(await row(key), { failures: 1, locked_until: null }, 'the attempt counted after it stays');
  await releaseLoginAttempt(db, key, 1);
  t.equal(await row(key), undefined, 'nothing counted after it: the row goes');
});

t.test(`a limit of one locks on the first failure, also after a lapse (${engineName})`, async (t) => {
  clock.set(start);
  const strict = createLockout({ db, clock, maxFailures: 1, lockSeconds: 60 });
  t.same(await strict.attempt('strict', checker(false).run), { ok: false, reason: 'locked', until: new Date(start.getTime() + 60_000), failures: 1, engaged: true });
  clock.advance(60_000);
  t.same(await strict.attempt('strict', checker(false).run), { ok: false, reason: 'locked', until: new Date(clock.now().getTime() + 60_000), failures: 1, engaged: true });
  clock.advance(60_000);
  t.same(await strict.attempt('strict', checker(true).run), { ok: true });
  t.equal(await row('strict'), undefined);
});
