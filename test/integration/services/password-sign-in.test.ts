// Password sign-in on a real database: success by phone or document, lockout of accounts and of
// unknown identifiers alike, one bcrypt verification per attempt checked (none once locked, at most
// five under any number of parallel attempts), and an audit trail without PII.

import { createIdentityLevels } from '../../../src/services/identity-levels.js';
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
/** Counts bcrypt verifications: every checked attempt spends exactly one, known account or not. */
const spent = { verify: 0, dummy: 0, right: 0 };
/** While set, every verification waits for it (to hold checks open while other attempts arrive). */
let gate: Promise<void> | undefined;
const hasher: PasswordHasher = {
  ...pool,
  verify: async (password, hash) => {
    spent.verify += 1;
    if (password === PASSWORD) spent.right += 1;
    await gate;
    return pool.verify(password, hash);
  },
  verifyAgainstDummy: async (password) => {
    spent.dummy += 1;
    if (password === PASSWORD) spent.right += 1;
    await gate;
    return pool.verifyAgainstDummy(password);
  },
};
const db = testDb.database.db;
const start = new Date('2026-11-27T02:00:00Z');
const clock = createControllableClock(start);
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { keyring, cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const audit = createAudit({ db, clock, logger: createLogger('silent') });
const accounts = createAccountService({ db, secrets, hasher, registry: createMockPopulationRegistry({ people: [] }), clock, audit, levels: createIdentityLevels(secrets) });
const lockSeconds = 4 * 3600;
const lockout = createLockout({ db, clock, maxFailures: 5, lockSeconds });
const passwordSignIn = createPasswordSignIn({ accounts, lockout, blindIndex: secrets.blindIndex, audit });

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
  t.match(byPhone, { value: { ok: true, accountId: a.accountId, account: { id: a.accountId, status: 'active' } }, verifications: 1 });
  t.match(await passwordSignIn.signIn({ identifier: a.documentNumber.toLowerCase(), password: PASSWORD }), { ok: true, accountId: a.accountId, account: { id: a.accountId } });
  t.same(await passwordSignIn.signIn({ identifier: `+86 ${a.national}`, password: WRONG }), { ok: false, reason: 'invalid', remaining: 4 });
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
    t.same(attempt, { value: { ok: false, reason: 'invalid', remaining: 5 - i }, verifications: 1 }, `failure ${i}: ${5 - i} tries remain`);
  }
  const until = new Date(start.getTime() + lockSeconds * 1000);
  t.same(await passwordSignIn.signIn({ identifier: a.national, password: WRONG }), { ok: false, reason: 'locked', until });
  t.match(await failureRow(`account:${a.accountId}`), { failures: 5, locked_until: until });

  const right = await spending(() => passwordSignIn.signIn({ identifier: a.documentNumber, password: PASSWORD }));
  t.same(right, { value: { ok: false, reason: 'locked', until }, verifications: 0 }, 'the right password says locked, and is not checked');

  const locked = await auditRows('account.locked', a.accountId);
  t.equal(locked.length, 1);
  t.same(locked[0]?.details, { identifier: '137****0002', failures: 5, until: until.toISOString() });
  t.equal(locked[0]?.outcome, 'info');

  clock.set(until);
  t.match(await passwordSignIn.signIn({ identifier: a.national, password: PASSWORD }), { ok: true, accountId: a.accountId }, 'works once the lock lapsed');
  t.equal(await failureRow(`account:${a.accountId}`), undefined, 'and the count is reset');
});

t.test(`a success resets the count (${engineName})`, async (t) => {
  clock.set(start);
  const a = await newAccount(3);
  const attempt = (password: string) => passwordSignIn.signIn({ identifier: a.national, password });
  for (let i = 0; i < 4; i += 1) t.same(await attempt(WRONG), { ok: false, reason: 'invalid', remaining: 4 - i });
  t.match(await attempt(PASSWORD), { ok: true, accountId: a.accountId });
  for (let i = 0; i < 4; i += 1) t.same(await attempt(WRONG), { ok: false, reason: 'invalid', remaining: 4 - i }, 'counted from the success');
  t.match(await failureRow(`account:${a.accountId}`), { failures: 4, locked_until: null });
});

t.test(`an unknown identifier locks the same way (${engineName})`, async (t) => {
  clock.set(start);
  const verifiesBefore = spent.verify;
  const unknown = '13000000000';
  const spellings = [unknown, '+86 130 0000 0000', '130-0000-0000', '008613000000000', unknown];
  for (let i = 0; i < 4; i += 1) {
    const attempt = await spending(() => passwordSignIn.signIn({ identifier: spellings[i] ?? unknown, password: PASSWORD }));
    // the same answer as a known account's (remaining tries included): it reveals nothing
    t.same(attempt, { value: { ok: false, reason: 'invalid', remaining: 4 - i }, verifications: 1 });
  }
  const until = new Date(start.getTime() + lockSeconds * 1000);
  t.same(await passwordSignIn.signIn({ identifier: spellings[4] ?? unknown, password: PASSWORD }), { ok: false, reason: 'locked', until });
  t.same(await passwordSignIn.signIn({ identifier: '+8613000000000', password: WRONG }), { ok: false, reason: 'locked', until });
  t.equal(spent.verify, verifiesBefore, 'only the dummy hash was ever used');
  const key = `identifier:${secrets.blindIndex('identifier', '+8613000000000')}`;
  t.match(await failureRow(key), { failures: 6, locked_until: until }, 'the refused attempt is counted above the limit');
  const locked = await auditRows('account.locked', null);
  t.equal(locked.length, 1);
  t.same(locked[0]?.details, { identifier: '130****0000', failures: 5, until: until.toISOString() });

  const doc = '320102198505059999';
  for (let i = 0; i < 5; i += 1) await passwordSignIn.signIn({ identifier: doc.toLowerCase(), password: WRONG });
  t.match(await passwordSignIn.signIn({ identifier: doc, password: WRONG }), { ok: false, reason: 'locked' });
  t.same(await passwordSignIn.signIn({ identifier: 'someone-else', password: WRONG }), { ok: false, reason: 'invalid', remaining: 4 }, 'other identifiers are not locked');
});

t.test(`20 parallel wrong passwords engage the lock at exactly 5 (${engineName})`, async (t) => {
  clock.set(start);
  const a = await newAccount(4);
  const { value: results, verifications } = await spending(() => Promise.all(Array.from({ length: 20 }, () => passwordSignIn.signIn({ identifier: a.national, password: WRONG }))));
  t.equal(verifications, 5, 'five verifications, none after the lock engaged');
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

t.test(`50 parallel attempts with the right password among them: at most 5 verifications, no success once locked (${engineName})`, async (t) => {
  clock.set(start);
  const until = new Date(start.getTime() + lockSeconds * 1000);
  for (const [label, identifier, rightAt] of [
    ['an account, the right password sent first', 'account', 0],
    ['an account, the right password sent last', 'account', 49],
    ['an unknown identifier', 'unknown', 0],
  ] as const) {
    const a = await newAccount(10 + rightAt + (identifier === 'unknown' ? 1 : 0));
    const id = identifier === 'account' ? a.national : '13100000000';
    // Verifications wait at the gate until the refused attempts have answered: every attempt is
    // counted while the first checks are still running (the interleaving of the reported race).
    let open = () => {};
    gate = new Promise<void>((resolve) => (open = resolve));
    const before = spent.verify + spent.dummy;
    const rightBefore = spent.right;
    let answered = 0;
    let allRefused = () => {};
    const refused = new Promise<void>((resolve) => (allRefused = resolve));
    const pending = Array.from({ length: 50 }, (_, i) =>
      passwordSignIn.signIn({ identifier: id, password: i === rightAt ? PASSWORD : WRONG }).finally(() => {
        answered += 1;
        if (answered === 45) allRefused();
      }),
    );
    await Promise.race([refused, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    t.equal(answered, 45, `${label}: 45 answered without a verification`);
    open();
    gate = undefined;
    const results = await Promise.all(pending);
    t.equal(spent.verify + spent.dummy - before, 5, `${label}: 5 verifications`);
    const successes = results.filter((r) => r.ok).length;
    // The right password signs in only when it took one of the five slots (counted before the
    // lock engaged); counted after it, it is refused unchecked, like every other attempt.
    const rightChecked = spent.right - rightBefore;
    t.equal(successes, identifier === 'account' ? rightChecked : 0, `${label}: ${successes} success(es), the right password ${rightChecked ? '' : 'not '}checked`);
    // The wrong password in the fifth slot engages the lock and answers 'locked'. When the right
    // password took that slot itself (arrival order is not send order), all four wrong ones say
    // 'invalid'. Its slot is read back from the counter: 50 attempts counted, the success forgot
    // the ones up to its own.
    // (For an unknown identifier the right password is as wrong as any other.)
    const signedIn = identifier === 'account' && rightChecked === 1;
    const rightSlot = signedIn ? 50 - ((await failureRow(`account:${a.accountId}`))?.failures ?? 0) : 0;
    const invalid = signedIn && rightSlot < 5 ? 3 : 4;
    t.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, invalid, `${label}: ${invalid} wrong passwords checked before the lock`);
    t.equal(results.filter((r) => !r.ok && r.reason === 'locked').length, 50 - successes - invalid, `${label}: the rest say locked`);
    t.same(await passwordSignIn.signIn({ identifier: id, password: identifier === 'account' ? PASSWORD : WRONG }), { ok: false, reason: 'locked', until }, `${label}: locked afterwards`);
  }
});

t.test(`the audit trail holds no clear identifier (${engineName})`, async (t) => {
  const result = await sql<{ row: string }>`select row_to_json(a)::text as row from audit_events a`.execute(db);
  t.ok(result.rows.length > 40, `${result.rows.length} audit rows`);
  const needles = [...phones, ...phones.map((p) => `+86${p}`), ...numbers, '13000000000', '320102198505059999'];
  for (const { row } of result.rows) t.same(needles.filter((n) => row.includes(n)), [], 'no clear phone or document');
});
