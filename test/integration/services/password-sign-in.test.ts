// Password sign-in on a real database: success by phone or document, lockout of accounts and of
// unknown identifiers alike, one bcrypt verification per attempt, and an audit trail without PII.

import t from 'tap';
import { sql } from 'kysely';
import { createMockPopulationRegistry } from '../../../src/adapters/population-registry/mock.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { gb11643CheckChar } from '../../../src/domain/documents.js';
import { createLogger } from '../../../src/log/logger.js';
import { createAccountService } from '../../../src/services/accounts.js';
import { createAudit } from '../../../src/services/audit.js';
import { createBlindIndex, createKeyring, createPasswordHasher, createPiiCipher, type PasswordHasher } from '../../../src/services/crypto/index.js';
import { createLockout } from '../../../src/services/lockout.js';
import { createPasswordSignIn } from '../../../src/services/password-sign-in.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const pool = createPasswordHasher({ cost: 4, poolSize: 2 });
t.teardown(() => pool.close());
/** Counts bcrypt verifications: every attempt must spend exactly one, known account or not. */
const spent = { verify: 0, dummy: 0 };
const hasher: PasswordHasher = {
  ...pool,
  verify: (password, hash) => {
    spent.verify += 1;
    return pool.verify(password, hash);
  },
  verifyAgainstDummy: (password) => {
    spent.dummy += 1;
    return pool.verifyAgainstDummy(password);
  },
};
const db = testDb.database.db;
const start = new Date('2026-11-27T02:00:00Z');
const clock = createControllableClock(start);
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { keyring, cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const audit = createAudit({ db, clock, logger: createLogger('silent') });
const accounts = createAccountService({ db, secrets, hasher, registry: createMockPopulationRegistry({ people: [] }), clock, audit });
const lockSeconds = 4 * 3600;
const lockout = createLockout({ db, clock, maxFailures: 5, lockSeconds });
const passwordSignIn = createPasswordSignIn({ accounts, lockout, hasher, blindIndex: secrets.blindIndex, audit });

const PASSWORD = 'Abcdef12!';
const WRONG = 'Abcdef12?';
const phones: string[] = [];
const numbers: string[] = [];

async function newAccount(seq: number): Promise<{ accountId: string; national: string; documentNumber: string }> {
  const first17 = `32010219850505${String(seq).padStart(3, '0')}`;
  const documentNumber = `${first17}${gb11643CheckChar(first17)}`;
  const national = `1370000${String(seq).padStart(4, '0')}`;
  phones.push(national);
  numbers.push(documentNumber);
  const { accountId } = await accounts.register({
    certType: '01',
    documentNumber,
    name: '登录人',
    phoneE164: `+86${national}`,
    password: PASSWORD,
    channel: 'web',
  });
  return { accountId, national, documentNumber };
}

const failureRow = (key: string) => db.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
const auditRows = (event: string, subject: string | null) =>
  db
    .selectFrom('audit_events')
    .selectAll()
    .where('event', '=', event)
    .where((eb) => (subject === null ? eb('subject', 'is', null) : eb('subject', '=', subject)))
    .orderBy('at')
    .orderBy('id')
    .execute();

/** Runs `fn` and returns how many bcrypt verifications it spent. */
async function spending<T>(fn: () => Promise<T>): Promise<{ value: T; verifications: number }> {
  const before = spent.verify + spent.dummy;
  const value = await fn();
  return { value, verifications: spent.verify + spent.dummy - before };
}

t.test(`success by phone or document, failure by either (${engineName})`, async (t) => {
  clock.set(start);
  const a = await newAccount(1);
  const byPhone = await spending(() => passwordSignIn.signIn({ identifier: a.national, password: PASSWORD, ip: '203.0.113.5', requestId: 'r1', clientId: 'rp1' }));
  t.same(byPhone, { value: { ok: true, accountId: a.accountId }, verifications: 1 });
  t.same(await passwordSignIn.signIn({ identifier: a.documentNumber.toLowerCase(), password: PASSWORD }), { ok: true, accountId: a.accountId });
  t.same(await passwordSignIn.signIn({ identifier: `+86 ${a.national}`, password: WRONG }), { ok: false, reason: 'invalid' });
  const rows = await auditRows('signin.password', a.accountId);
  t.match(rows, [
    { outcome: 'success', client_id: 'rp1', ip: '203.0.113.5', request_id: 'r1', details: { identifier: '137****0001' } },
    { outcome: 'success', details: { identifier: '3201**********' + a.documentNumber.slice(-4) } },
    { outcome: 'failure', details: { identifier: '137****0001', reason: 'invalid', failures: 1 } },
  ]);
});

t.test(`an account locks after 5 failures for 4 hours (${engineName})`, async (t) => {
  clock.set(start);
  const a = await newAccount(2);
  for (let i = 1; i <= 4; i += 1) {
    const attempt = await spending(() => passwordSignIn.signIn({ identifier: a.national, password: WRONG }));
    t.same(attempt, { value: { ok: false, reason: 'invalid' }, verifications: 1 }, `failure ${i}`);
  }
  const until = new Date(start.getTime() + lockSeconds * 1000);
  t.same(await passwordSignIn.signIn({ identifier: a.national, password: WRONG }), { ok: false, reason: 'locked', until });
  t.match(await failureRow(`account:${a.accountId}`), { failures: 5, locked_until: until });

  const dummiesBefore = spent.dummy;
  const right = await spending(() => passwordSignIn.signIn({ identifier: a.documentNumber, password: PASSWORD }));
  t.same(right, { value: { ok: false, reason: 'locked', until }, verifications: 1 }, 'the right password says locked, after the same work');
  t.equal(spent.dummy, dummiesBefore + 1, 'checked against the dummy hash');

  const locked = await auditRows('account.locked', a.accountId);
  t.equal(locked.length, 1);
  t.same(locked[0]?.details, { identifier: '137****0002', failures: 5, until: until.toISOString() });
  t.equal(locked[0]?.outcome, 'info');

  clock.set(until);
  t.same(await passwordSignIn.signIn({ identifier: a.national, password: PASSWORD }), { ok: true, accountId: a.accountId }, 'works once the lock lapsed');
  t.equal(await failureRow(`account:${a.accountId}`), undefined, 'and the count is reset');
});

t.test(`a success resets the count (${engineName})`, async (t) => {
  clock.set(start);
  const a = await newAccount(3);
  const attempt = (password: string) => passwordSignIn.signIn({ identifier: a.national, password });
  for (let i = 0; i < 4; i += 1) t.same(await attempt(WRONG), { ok: false, reason: 'invalid' });
  t.same(await attempt(PASSWORD), { ok: true, accountId: a.accountId });
  for (let i = 0; i < 4; i += 1) t.same(await attempt(WRONG), { ok: false, reason: 'invalid' });
  t.match(await failureRow(`account:${a.accountId}`), { failures: 4, locked_until: null });
});

t.test(`an unknown identifier locks the same way (${engineName})`, async (t) => {
  clock.set(start);
  const verifiesBefore = spent.verify;
  const unknown = '13000000000';
  const spellings = [unknown, '+86 130 0000 0000', '130-0000-0000', '008613000000000', unknown];
  for (let i = 0; i < 4; i += 1) {
    const attempt = await spending(() => passwordSignIn.signIn({ identifier: spellings[i] ?? unknown, password: PASSWORD }));
    t.same(attempt, { value: { ok: false, reason: 'invalid' }, verifications: 1 });
  }
  const until = new Date(start.getTime() + lockSeconds * 1000);
  t.same(await passwordSignIn.signIn({ identifier: spellings[4] ?? unknown, password: PASSWORD }), { ok: false, reason: 'locked', until });
  t.same(await passwordSignIn.signIn({ identifier: '+8613000000000', password: WRONG }), { ok: false, reason: 'locked', until });
  t.equal(spent.verify, verifiesBefore, 'only the dummy hash was ever used');
  const key = `identifier:${secrets.blindIndex('identifier', '+8613000000000')}`;
  t.match(await failureRow(key), { failures: 5, locked_until: until });
  const locked = await auditRows('account.locked', null);
  t.equal(locked.length, 1);
  t.same(locked[0]?.details, { identifier: '130****0000', failures: 5, until: until.toISOString() });

  const doc = '320102198505059999';
  for (let i = 0; i < 5; i += 1) await passwordSignIn.signIn({ identifier: doc.toLowerCase(), password: WRONG });
  t.match(await passwordSignIn.signIn({ identifier: doc, password: WRONG }), { ok: false, reason: 'locked' });
  t.same(await passwordSignIn.signIn({ identifier: 'someone-else', password: WRONG }), { ok: false, reason: 'invalid' }, 'other identifiers are not locked');
});

t.test(`20 parallel wrong passwords engage the lock at exactly 5 (${engineName})`, async (t) => {
  clock.set(start);
  const a = await newAccount(4);
  const results = await Promise.all(Array.from({ length: 20 }, () => passwordSignIn.signIn({ identifier: a.national, password: WRONG })));
  const until = new Date(start.getTime() + lockSeconds * 1000);
  t.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, 4, 'exactly 4 answers before the lock');
  t.same(
    results.filter((r) => !r.ok && r.reason === 'locked'),
    Array.from({ length: 16 }, () => ({ ok: false, reason: 'locked', until })),
  );
  const row = await failureRow(`account:${a.accountId}`);
  t.same(row?.locked_until, until);
  t.ok(row && row.failures >= 5 && row.failures <= 20, `failures counted: ${row?.failures}`);
  const locked = await auditRows('account.locked', a.accountId);
  t.equal(locked.length, 1, 'one lock event');
  t.match(locked[0]?.details, { failures: 5 });
  const failures = await auditRows('signin.password', a.accountId);
  t.equal(failures.length, 20);
  t.same(
    failures.flatMap((f) => (typeof f.details.failures === 'number' && f.details.failures <= 5 ? [f.details.failures] : [])).sort(),
    [1, 2, 3, 4, 5],
  );
  t.same(await passwordSignIn.signIn({ identifier: a.national, password: PASSWORD }), { ok: false, reason: 'locked', until });
});

t.test(`the audit trail holds no clear identifier (${engineName})`, async (t) => {
  const result = await sql<{ row: string }>`select row_to_json(a)::text as row from audit_events a`.execute(db);
  t.ok(result.rows.length > 40, `${result.rows.length} audit rows`);
  const needles = [...phones, ...phones.map((p) => `+86${p}`), ...numbers, '13000000000', '320102198505059999'];
  for (const { row } of result.rows) t.same(needles.filter((n) => row.includes(n)), [], 'no clear phone or document');
});
