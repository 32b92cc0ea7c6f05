// One-time codes: 6 digits stored only as an HMAC, single use, expiry by the clock, a new code
// voids the old one, and the attempt counter stays exact under 50 parallel wrong guesses.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { hashSecret } from '../../../src/services/crypto/index.js';
import { createOneTimeCodes } from '../../../src/services/one-time-codes.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const { db } = testDb.database;
const key = Buffer.alloc(32, 9);
const clock = createControllableClock(new Date('2026-12-01T08:00:00Z'));
const codes = createOneTimeCodes({ db, clock, key, ttlSeconds: 300, maxAttempts: 5 });

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const rowsFor = (target: string) => db.selectFrom('one_time_codes').selectAll().where('target_index', '=', target).execute();

t.test(`create and verify once (${engineName})`, async (t) => {
  const { code, expiresAt } = await codes.create('sms:login', 'target-1');
  t.match(code, /^\d{6}$/);
  t.equal(expiresAt.getTime(), clock.now().getTime() + 300_000);
  t.equal(await codes.verify('sms:login', 'target-1', code), 'ok');
  t.equal(await codes.verify('sms:login', 'target-1', code), 'invalid', 'single use');
  t.equal(await codes.verify('sms:register', 'target-1', code), 'invalid', 'the purpose is part of the key');
  t.equal(await codes.verify('sms:login', 'never-sent', '123456'), 'invalid', 'no code ever: invalid');
});

t.test('only the HMAC is stored', async (t) => {
  const { code } = await codes.create('sms:login', 'target-hmac');
  const [row] = await rowsFor('target-hmac');
  t.ok(row);
  t.equal(row?.code_hash, hashSecret(key, code));
  t.notOk(JSON.stringify(row).includes(code), 'the plaintext code appears nowhere in the row');
  t.equal(row?.attempts, 0);
  t.equal(row?.max_attempts, 5);
});

t.test('expiry follows the clock', async (t) => {
  const { code } = await codes.create('sms:login', 'target-exp');
  clock.advance(299_999);
  t.equal(await codes.verify('sms:login', 'target-exp', wrong(code)), 'invalid');
  clock.advance(1);
  t.equal(await codes.verify('sms:login', 'target-exp', code), 'expired');
  const [row] = await rowsFor('target-exp');
  t.equal(row?.attempts, 1, 'a try on an expired code is not counted');
});

t.test('a new code voids the older one', async (t) => {
  const first = await codes.create('sms:login', 'target-new');
  const second = await codes.create('sms:login', 'target-new');
  if (first.code !== second.code) {
    t.equal(await codes.verify('sms:login', 'target-new', first.code), 'invalid');
  }
  t.equal(await codes.verify('sms:login', 'target-new', second.code), 'ok');
  const rows = await rowsFor('target-new');
  t.equal(rows.length, 2);
  t.ok(rows.every((r) => r.consumed_at !== null), 'both are now used up');
});

t.test('wrong tries exhaust the code', async (t) => {
  const { code } = await codes.create('sms:login', 'target-ex');
  for (let i = 0; i < 4; i += 1) t.equal(await codes.verify('sms:login', 'target-ex', wrong(code)), 'invalid');
  t.equal(await codes.verify('sms:login', 'target-ex', code), 'ok', 'the fifth try may still be right');

  const again = await codes.create('sms:login', 'target-ex');
  for (let i = 0; i < 5; i += 1) t.equal(await codes.verify('sms:login', 'target-ex', wrong(again.code)), 'invalid');
  t.equal(await codes.verify('sms:login', 'target-ex', again.code), 'exhausted');
  t.equal(await codes.verify('sms:login', 'target-ex', 'x'), 'exhausted', 'malformed input is just another try');
});

t.test('50 parallel wrong tries count exactly max_attempts', async (t) => {
  const { code } = await codes.create('sms:login', 'target-race');
  const outcomes = await Promise.all(Array.from({ length: 50 }, () => codes.verify('sms:login', 'target-race', wrong(code))));
  t.equal(outcomes.filter((o) => o === 'invalid').length, 5);
  t.equal(outcomes.filter((o) => o === 'exhausted').length, 45);
  const [row] = await rowsFor('target-race');
  t.equal(row?.attempts, 5);
  t.equal(await codes.verify('sms:login', 'target-race', code), 'exhausted', 'the right code now fails');
  t.equal((await rowsFor('target-race'))[0]?.attempts, 5);
});

t.test('parallel right guesses: exactly one succeeds', async (t) => {
  const { code } = await codes.create('sms:login', 'target-double');
  const outcomes = await Promise.all(Array.from({ length: 5 }, () => codes.verify('sms:login', 'target-double', code)));
  t.equal(outcomes.filter((o) => o === 'ok').length, 1);
  t.equal(outcomes.filter((o) => o === 'invalid').length, 4);
});
