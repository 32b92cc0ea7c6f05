// SMS code service end to end on a real database with the dev gateway: captcha and proof of work
// first, exact per-number and per-IP limits (which hold for a client that solves both), undelivered
// sends, HMAC-only storage, and the two races.

import t from 'tap';
import { createDevSmsGateway } from '../../../src/adapters/sms/dev.js';
import type { SmsGateway } from '../../../src/adapters/sms/types.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { RateLimitedError, UpstreamError, ValidationError } from '../../../src/errors/app-error.js';
import { createCaptchaService } from '../../../src/services/captcha.js';
import { createProofOfWork } from '../../../src/services/proof-of-work.js';
import { createBlindIndex } from '../../../src/services/crypto/index.js';
import { createOneTimeCodes } from '../../../src/services/one-time-codes.js';
import { createRateLimiter } from '../../../src/services/rate-limiter.js';
import { createSmsCodeService, smsBuckets } from '../../../src/services/sms-codes.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { solvePow } from '../../helpers/pow.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const { db } = testDb.database;
const clock = createControllableClock(new Date('2026-12-01T08:00:00Z'));
const blindIndex = createBlindIndex(Buffer.alloc(32, 7));
const proofOfWork = createProofOfWork({ clock, key: Buffer.alloc(32, 4), difficulty: 100, ttlSeconds: 600 });
const captcha = createCaptchaService({ db, clock, key: Buffer.alloc(32, 5), dev: true, proofOfWork });
const codes = createOneTimeCodes({ db, clock, key: Buffer.alloc(32, 9), ttlSeconds: 300, maxAttempts: 5 });
const rateLimiter = createRateLimiter({ db, clock });
const limits = { perNumberPerMinute: 1, perNumberPerHour: 5, perNumberPerDay: 10, perIpPerHour: 30 };

function service(gateway: SmsGateway, overrides: Partial<typeof limits> = {}) {
  return createSmsCodeService({
    rateLimiter,
    captcha,
    codes,
    gateway,
    blindIndex,
    clock,
    limits: { ...limits, ...overrides },
    codeTtlSeconds: 300,
  });
}

const gateway = createDevSmsGateway();
const sms = service(gateway);
let phoneSeq = 0;
const nextPhone = () => `+861390000${String((phoneSeq += 1)).padStart(4, '0')}`;
let ipSeq = 0;
const nextIp = () => `203.0.113.${(ipSeq += 1)}`;

/** A captcha answered and its proof of work solved, as the page's script would. */
async function solved() {
  const { id, pow } = await captcha.issue();
  return { captchaId: id, captchaAnswer: captcha.lastAnswer() ?? '', pow: await solvePow(pow) };
}
const codeIn = (text: string | undefined) => /验证码为(\d{6})/.exec(text ?? '')?.[1];
const codeRows = (phone: string) =>
  db.selectFrom('one_time_codes').selectAll().where('target_index', '=', blindIndex('phone', phone)).execute();

t.test(`send and verify (${engineName})`, async (t) => {
  const phone = nextPhone();
  const result = await sms.send({ purpose: 'login', phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) });
  t.same(result, { resendAfterSeconds: 60, expiresInSeconds: 300 });
  const [message, ...rest] = gateway.outbox(phone);
  t.equal(rest.length, 0);
  t.match(message?.text, /^【江苏人社】您的登录验证码为\d{6}，5分钟内有效，请勿泄露。$/);
  const code = codeIn(message?.text) ?? '';

  const [row] = await codeRows(phone);
  t.equal(row?.purpose, 'sms:login');
  t.notOk(JSON.stringify(row).includes(code), 'only the HMAC is stored');

  t.equal(await sms.verify({ purpose: 'register', phoneE164: phone, code }), 'invalid', 'purposes do not mix');
  t.equal(await sms.verify({ purpose: 'login', phoneE164: phone, code }), 'ok');
  t.equal(await sms.verify({ purpose: 'login', phoneE164: phone, code }), 'invalid', 'single use');
});

t.test('expiry by the clock', async (t) => {
  const phone = nextPhone();
  await sms.send({ purpose: 'register', phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) });
  const code = codeIn(gateway.outbox(phone)[0]?.text) ?? '';
  clock.advance(300_000);
  t.equal(await sms.verify({ purpose: 'register', phoneE164: phone, code }), 'expired');
});

t.test('a refused captcha counts nothing and creates nothing', async (t) => {
  const phone = nextPhone();
  const ip = nextIp();
  const { captchaId, pow } = await solved();
  await t.rejects(
    sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, captchaId, captchaAnswer: '####', pow }),
    new ValidationError('captcha.invalid', 'captcha'),
  );
  await t.rejects(sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, captchaId: 'nope', captchaAnswer: 'abcd', pow: '' }), ValidationError);
  t.equal((await codeRows(phone)).length, 0);
  const buckets = Object.values(smsBuckets(blindIndex('phone', phone), ip, 'access'));
  t.equal((await db.selectFrom('rate_limits').select('bucket').where('bucket', 'in', buckets).execute()).length, 0);
  t.same(gateway.outbox(phone), []);
});

t.test('a refused proof of work (missing, forged, expired, replayed) counts nothing and creates nothing', async (t) => {
  const phone = nextPhone();
  const ip = nextIp();
  const refusal = async (pow: (fresh: string) => string | Promise<string>) => {
    const fresh = await solved();
    return sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, ...fresh, pow: await pow(fresh.pow) }).catch((err: unknown) => err);
  };
  t.same(await refusal(() => ''), new ValidationError('pow.missing', 'captcha'), 'no proof: the page had no JavaScript');
  t.same(await refusal(() => 'not base64 at all!'), new ValidationError('pow.invalid', 'captcha'));
  const forged = (pow: string, edit: (payload: { challenge: { parameters: Record<string, unknown> }; solution: { counter: number } }) => void) => {
    const payload = JSON.parse(Buffer.from(pow, 'base64').toString('utf8'));
    edit(payload);
    return Buffer.from(JSON.stringify(payload)).toString('base64');
  };
  t.same(await refusal((pow) => forged(pow, (p) => (p.solution.counter += 1))), new ValidationError('pow.invalid', 'captcha'), 'a wrong counter');
  t.same(await refusal((pow) => forged(pow, (p) => (p.challenge.parameters.data = { exp: 4_102_444_800 }))), new ValidationError('pow.invalid', 'captcha'), 'an edited expiry breaks the signature');
  const other = createProofOfWork({ clock, key: Buffer.alloc(32, 8), difficulty: 10, ttlSeconds: 600 });
  t.same(await refusal(async () => solvePow(await other.issue())), new ValidationError('pow.invalid', 'captcha'), 'a challenge signed with another key');

  const stale = await solvePow(await proofOfWork.issue());
  clock.advance(600_000);
  t.same(await refusal(() => stale), new ValidationError('pow.expired', 'captcha'), 'expired by the clock (a fresh captcha with it)');

  t.equal((await codeRows(phone)).length, 0);
  const buckets = Object.values(smsBuckets(blindIndex('phone', phone), ip, 'access'));
  t.equal((await db.selectFrom('rate_limits').select('bucket').where('bucket', 'in', buckets).execute()).length, 0);
  t.same(gateway.outbox(phone), []);

  const first = await solved();
  await sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, ...first });
  t.equal(gateway.outbox(phone).length, 1, 'the normal path sends');
  clock.advance(60_000);
  const replay = await sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, ...(await solved()), pow: first.pow }).catch((err: unknown) => err);
  t.same(replay, new ValidationError('pow.replayed', 'captcha'), 'a solution buys one send');
  t.equal(gateway.outbox(phone).length, 1);
});

t.test('race: one solution sent 10 times in parallel (each with its own captcha, number and IP) buys one send', async (t) => {
  const shared = (await solved()).pow;
  const inputs = [];
  for (let i = 0; i < 10; i += 1) inputs.push({ purpose: 'login' as const, phoneE164: nextPhone(), ip: nextIp(), deliver: true, ...(await solved()), pow: shared });
  const settled = await Promise.allSettled(inputs.map((input) => sms.send(input)));
  t.equal(settled.filter((s) => s.status === 'fulfilled').length, 1);
  t.equal(settled.filter((s) => s.status === 'rejected' && (s.reason as ValidationError).code === 'pow.replayed').length, 9);
});

t.test('a wrong captcha guess spends its proof of work too', async (t) => {
  const phone = nextPhone();
  const ip = nextIp();
  const attempt = await solved();
  await t.rejects(sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, ...attempt, captchaAnswer: '####' }), new ValidationError('captcha.invalid', 'captcha'));
  const reused = await sms.send({ purpose: 'login', phoneE164: phone, ip, deliver: true, ...(await solved()), pow: attempt.pow }).catch((err: unknown) => err);
  t.same(reused, new ValidationError('pow.replayed', 'captcha'));
});

t.test('per number: 1 a minute, 5 an hour, 10 a day', async (t) => {
  const phone = nextPhone();
  const send = async () => sms.send({ purpose: 'login', phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) });
  await send();
  const refused = await send().catch((err: unknown) => err);
  t.type(refused, RateLimitedError);
  t.equal((refused as RateLimitedError).retryAfterSeconds, 60);
  t.equal((refused as RateLimitedError).code, 'sms.rate_limited');
  t.same((refused as RateLimitedError).params, { seconds: 60 });
  clock.advance(20_000);
  t.equal(((await send().catch((err: unknown) => err)) as RateLimitedError).retryAfterSeconds, 40);
  clock.advance(40_000);
  await send();
  for (let i = 0; i < 3; i += 1) {
    clock.advance(60_000);
    await send();
  }
  t.equal(gateway.outbox(phone).length, 5);
  clock.advance(60_000);
  // The hour window opened at the first send, 300 s ago (20 + 40 + 3 × 60 + 60).
  t.equal(((await send().catch((err: unknown) => err)) as RateLimitedError).retryAfterSeconds, 3600 - 300);
  t.equal((await codeRows(phone)).length, 5, 'refused sends created no code');

  clock.advance(3_600_000);
  for (let i = 0; i < 5; i += 1) {
    await send();
    clock.advance(60_000);
  }
  t.equal(gateway.outbox(phone).length, 10);
  const dayWait = ((await send().catch((err: unknown) => err)) as RateLimitedError).retryAfterSeconds;
  t.equal(dayWait, 86400 - 300 - 3600 - 300, 'the day window opened at the first send');
  clock.advance(dayWait * 1000);
  await send();
  t.equal(gateway.outbox(phone).length, 11);
});

t.test('recovery and appeal codes have their own per-number quota', async (t) => {
  // 2 a day per group keeps the test short; minute and hour limits do not get in the way.
  const tight = service(gateway, { perNumberPerMinute: 10, perNumberPerHour: 10, perNumberPerDay: 2 });
  const send = async (purpose: 'login' | 'register' | 'recover' | 'appeal', phone: string) =>
    tight.send({ purpose, phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) }).then(
      () => 'sent',
      (err: unknown) => (err instanceof RateLimitedError ? 'limited' : Promise.reject(err)),
    );

  const stranger = nextPhone();
  t.same([await send('login', stranger), await send('register', stranger), await send('login', stranger)], ['sent', 'sent', 'limited'], 'sign-in and registration share one quota, and it runs out');
  t.equal(await send('recover', stranger), 'sent', 'the owner can still get a recovery code');
  t.equal(await send('appeal', stranger), 'sent', 'and an appeal code');
  t.equal(await send('recover', stranger), 'limited', 'recovery and appeal share their own quota, which runs out too');
  t.equal(await send('login', stranger), 'limited', 'spending it gave sign-in nothing back');

  const owner = nextPhone();
  t.same([await send('recover', owner), await send('appeal', owner), await send('appeal', owner)], ['sent', 'sent', 'limited']);
  t.equal(await send('login', owner), 'sent', 'an exhausted recovery quota does not block sign-in codes');
  t.equal(gateway.outbox(stranger).length + gateway.outbox(owner).length, 7, 'every send that was not limited delivered one message');
});

t.test('per IP: 30 an hour across numbers', async (t) => {
  const ip = nextIp();
  for (let i = 0; i < 30; i += 1) {
    await sms.send({ purpose: 'register', phoneE164: nextPhone(), ip, deliver: true, ...(await solved()) });
  }
  const phone = nextPhone();
  const refused = await sms.send({ purpose: 'register', phoneE164: phone, ip, deliver: true, ...(await solved()) }).catch((err: unknown) => err);
  t.type(refused, RateLimitedError);
  t.equal((refused as RateLimitedError).retryAfterSeconds, 3600);
  t.equal((await codeRows(phone)).length, 0);
  const fresh = await db
    .selectFrom('rate_limits')
    .select('bucket')
    .where('bucket', '=', smsBuckets(blindIndex('phone', phone), ip, 'access').minute)
    .executeTakeFirst();
  t.equal(fresh, undefined, 'the refused send left no bucket for the number');
  // Another IP may still send to the same number.
  await sms.send({ purpose: 'register', phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) });
  t.equal(gateway.outbox(phone).length, 1);
});

t.test('deliver=false: the same work and answer, no message', async (t) => {
  const phone = nextPhone();
  const result = await sms.send({ purpose: 'login', phoneE164: phone, ip: nextIp(), deliver: false, ...(await solved()) });
  t.same(result, { resendAfterSeconds: 60, expiresInSeconds: 300 });
  t.equal((await codeRows(phone)).length, 1);
  t.same(gateway.outbox(phone), []);
  const again = await sms.send({ purpose: 'login', phoneE164: phone, ip: nextIp(), deliver: false, ...(await solved()) }).catch((e: unknown) => e);
  t.type(again, RateLimitedError, 'limits apply the same way');
});

t.test('a notice instead of the code: asked after the captcha, the code still made, never sent', async (t) => {
  const phone = nextPhone();
  let asked = 0;
  const noticeInstead = async () => {
    asked += 1;
    return 'phone_registered' as const;
  };
  const { captchaId, pow } = await solved();
  await t.rejects(sms.send({ purpose: 'register', phoneE164: phone, ip: nextIp(), deliver: true, captchaId, captchaAnswer: '####', pow, noticeInstead }), ValidationError);
  t.equal(asked, 0, 'a wrong captcha never reaches the question');
  const result = await sms.send({ purpose: 'register', phoneE164: phone, ip: nextIp(), deliver: true, noticeInstead, ...(await solved()) });
  t.same(result, { resendAfterSeconds: 60, expiresInSeconds: 300 }, 'the same answer as a code send');
  t.equal(asked, 1);
  const [message, ...rest] = gateway.outbox(phone);
  t.equal(rest.length, 0, 'one message');
  t.match(message?.text, /已注册/, 'the notice');
  t.notMatch(message?.text, /\d{4,}/, 'with no code in it');
  t.equal((await codeRows(phone)).length, 1, 'a code exists (never delivered), so verifies behave as for any number');
  t.equal(await sms.verify({ purpose: 'register', phoneE164: phone, code: '000000' }), 'invalid');
  const refused = await sms.send({ purpose: 'register', phoneE164: phone, ip: nextIp(), deliver: true, noticeInstead, ...(await solved()) }).catch((e: unknown) => e);
  t.type(refused, RateLimitedError, 'and the number limits count it');
  t.equal(asked, 1, 'a limited send is not asked either');
});

t.test('a gateway failure propagates as UpstreamError', async (t) => {
  const failing = service({
    send: () => Promise.reject(new UpstreamError('sms', 'errors.sms_unavailable')),
    notify: () => Promise.reject(new UpstreamError('sms', 'errors.sms_unavailable')),
  });
  const phone = nextPhone();
  await t.rejects(
    failing.send({ purpose: 'login', phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) }),
    { name: 'UpstreamError', code: 'errors.sms_unavailable' },
  );
});

t.test('race: 50 parallel sends for one number → 1 code, 1 message', async (t) => {
  const phone = nextPhone();
  const inputs = [];
  for (let i = 0; i < 50; i += 1) inputs.push({ purpose: 'login' as const, phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) });
  const settled = await Promise.allSettled(inputs.map((input) => sms.send(input)));
  t.equal(settled.filter((s) => s.status === 'fulfilled').length, 1);
  const refused = settled.filter((s) => s.status === 'rejected' && s.reason instanceof RateLimitedError);
  t.equal(refused.length, 49);
  t.equal((await codeRows(phone)).length, 1);
  t.equal(gateway.outbox(phone).length, 1);
});

t.test('race: 50 parallel wrong verifies → attempts 5, then the right code fails', async (t) => {
  const phone = nextPhone();
  await sms.send({ purpose: 'recover', phoneE164: phone, ip: nextIp(), deliver: true, ...(await solved()) });
  const code = codeIn(gateway.outbox(phone)[0]?.text) ?? '';
  const bad = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const outcomes = await Promise.all(Array.from({ length: 50 }, () => sms.verify({ purpose: 'recover', phoneE164: phone, code: bad })));
  t.equal(outcomes.filter((o) => o === 'invalid').length, 5);
  t.equal(outcomes.filter((o) => o === 'exhausted').length, 45);
  const [row] = await codeRows(phone);
  t.equal(row?.attempts, 5);
  t.equal(await sms.verify({ purpose: 'recover', phoneE164: phone, code }), 'exhausted');
});

t.test('dev outbox: newest first, the last 500 only', async (t) => {
  const dev = createDevSmsGateway();
  for (let i = 0; i < 501; i += 1) {
    await dev.send(i % 2 === 0 ? '+8613900000001' : '+8613900000002', 'login', { code: String(i).padStart(6, '0'), minutes: 5 });
  }
  const all = dev.outbox();
  t.equal(all.length, 500);
  t.equal(codeIn(all[0]?.text), '000500');
  t.equal(codeIn(all[499]?.text), '000001', 'the oldest message was dropped');
  t.equal(dev.outbox('+8613900000002').length, 250);
  t.match(all[0], { phone: '+8613900000001', created_at: /^\d{4}-\d\d-\d\dT/ });
});
