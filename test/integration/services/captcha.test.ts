// Graphical captcha: a JPEG data URI with a proof-of-work challenge, only the HMAC of the answer
// stored, one use per captcha (right or wrong), case-insensitive, expiry by the clock, malformed ids
// refused before SQL; the captcha and its proof of work used up together in one statement.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { CAPTCHA_ALPHABET } from '../../../src/services/captcha-image.js';
import { createCaptchaService } from '../../../src/services/captcha.js';
import { createProofOfWork } from '../../../src/services/proof-of-work.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { solvePow } from '../../helpers/pow.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const { db } = testDb.database;
const key = Buffer.alloc(32, 5);
const clock = createControllableClock(new Date('2026-12-01T08:00:00Z'));
const proofOfWork = createProofOfWork({ clock, key: Buffer.alloc(32, 6), difficulty: 50, ttlSeconds: 600 });
const captcha = createCaptchaService({ db, clock, key, dev: true, proofOfWork });

async function issued() {
  const { id, image } = await captcha.issue();
  const answer = captcha.lastAnswer();
  if (answer === undefined) throw new Error('dev captcha must expose its answer');
  return { id, image, answer };
}

const flipCase = (s: string) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

t.test(`issue gives a JPEG image and a proof-of-work challenge, and stores only an HMAC (${engineName})`, async (t) => {
  const { id, image, answer } = await issued();
  t.match(id, /^[0-9a-f-]{36}$/);
  t.match(answer, new RegExp(`^[${CAPTCHA_ALPHABET}]{4}$`));
  t.ok(image.startsWith('data:image/jpeg;base64,'));
  const jpeg = Buffer.from(image.slice('data:image/jpeg;base64,'.length), 'base64');
  t.same([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG, no markup to read');
  t.ok(jpeg.length < 12_000, `${jpeg.length} bytes`);
  t.notOk(jpeg.toString('latin1').toLowerCase().includes(answer.toLowerCase()), 'the answer is not in the bytes');
  const { pow } = await captcha.issue();
  t.match(pow, { parameters: { algorithm: 'SHA-256' }, signature: /^[0-9a-f]{64}$/ }, 'a signed challenge comes with it');
  const row = await db.selectFrom('captchas').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.match(row.answer_hash, /^[0-9a-f]{64}$/);
  t.notOk(JSON.stringify(row).toLowerCase().includes(answer.toLowerCase()));
  t.equal(row.expires_at.getTime(), clock.now().getTime() + 300_000);
});

t.test('one answer, one use', async (t) => {
  const right = await issued();
  t.equal(await captcha.verify(right.id, right.answer), true);
  t.equal(await captcha.verify(right.id, right.answer), false, 'the right answer twice: second refused');

  const wrong = await issued();
  t.equal(await captcha.verify(wrong.id, 'zzzzz'), false);
  t.equal(await captcha.verify(wrong.id, wrong.answer), false, 'a wrong answer consumed it');

  const parallel = await issued();
  const results = await Promise.all(Array.from({ length: 10 }, () => captcha.verify(parallel.id, parallel.answer)));
  t.equal(results.filter(Boolean).length, 1, 'parallel right answers: exactly one wins');
});

t.test('case-insensitive, trimmed', async (t) => {
  const c = await issued();
  t.equal(await captcha.verify(c.id, ` ${flipCase(c.answer)} `), true);
});

t.test('unknown, malformed and expired ids are false', async (t) => {
  t.equal(await captcha.verify('00000000-0000-4000-8000-000000000000', 'abcd'), false);
  for (const bad of ['', 'not-a-uuid', "1' or '1'='1", '00000000-0000-4000-8000-00000000000g', 'x'.repeat(5000)]) {
    t.equal(await captcha.verify(bad, 'abcd'), false, `malformed: ${bad.slice(0, 20)}`);
  }
  const c = await issued();
  clock.advance(300_000);
  t.equal(await captcha.verify(c.id, c.answer), false, 'expired at its ttl');
  const long = await issued();
  t.equal(await captcha.verify(long.id, long.answer + 'x'.repeat(100)), false, 'overlong answer');
});

t.test('lastAnswer only in dev', async (t) => {
  const prod = createCaptchaService({ db, clock, key, ttlSeconds: 60, dev: false, proofOfWork });
  const { id } = await prod.issue();
  t.equal(prod.lastAnswer(), undefined);
  const row = await db.selectFrom('captchas').select('expires_at').where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(row.expires_at.getTime(), clock.now().getTime() + 60_000);
});

t.test(`the captcha and its proof of work are used up together, in one statement (${engineName})`, async (t) => {
  const withWork = async () => {
    const { id, pow } = await captcha.issue();
    return { id, answer: captcha.lastAnswer() ?? '', pow: await solvePow(pow) };
  };
  const statements = async <T>(work: () => Promise<T>): Promise<{ value: T; statements: number }> => {
    const before = testDb.database.stats.queries;
    const value = await work();
    return { value, statements: testDb.database.stats.queries - before };
  };

  const right = await withWork();
  t.same(await statements(() => captcha.verifyWithWork(right.id, right.answer, right.pow)), { value: { answered: true, work: 'ok' }, statements: 1 }, 'both pass in one statement');
  t.same(await captcha.verifyWithWork(right.id, right.answer, right.pow), { answered: false, work: 'replayed' }, 'then neither is there to use again');

  const wrong = await withWork();
  t.same(await captcha.verifyWithWork(wrong.id, '####', wrong.pow), { answered: false, work: 'ok' }, 'a wrong answer');
  const again = await withWork();
  t.same(await captcha.verifyWithWork(again.id, again.answer, wrong.pow), { answered: true, work: 'replayed' }, "spent that answer's proof of work all the same");

  const malformed = await withWork();
  t.same(await captcha.verifyWithWork('not-a-uuid', 'abcd', malformed.pow), { answered: false, work: 'ok' }, 'a malformed captcha id');
  const after = await withWork();
  t.same((await captcha.verifyWithWork(after.id, after.answer, malformed.pow)).work, 'replayed', 'spends the proof of work too');

  const noWork = await withWork();
  t.same(await statements(() => captcha.verifyWithWork(noWork.id, noWork.answer, '')), { value: { answered: true, work: 'missing' }, statements: 1 }, 'no proof of work: the captcha alone');
  t.notOk(await captcha.verify(noWork.id, noWork.answer), 'and it is used up');
  const forged = await withWork();
  t.same(await captcha.verifyWithWork(forged.id, forged.answer, 'not base64 at all!'), { answered: true, work: 'invalid' });
  t.notOk(await captcha.verify(forged.id, forged.answer), 'used up with a forged one as well');
});
