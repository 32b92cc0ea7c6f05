// Accounts service on a real database (PostgreSQL with DATABASE_URL, else PGlite): registration
// with the registry, uniqueness under races, look-ups, PII at rest, passwords and identity proofs.

import t from 'tap';
import { sql } from 'kysely';
import { createMockPopulationRegistry } from '../../../src/adapters/population-registry/mock.js';
import type { PopulationRegistry } from '../../../src/adapters/population-registry/types.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { gb11643CheckChar } from '../../../src/domain/documents.js';
import { NotFoundError, ValidationError } from '../../../src/errors/app-error.js';
import { createLogger } from '../../../src/log/logger.js';
import { loadPopulationRegistry } from '../../../src/mocks/fixtures.js';
import { ConflictError, createAccountService, type RegisterInput } from '../../../src/services/accounts.js';
import { findAccountWithProofs } from '../../../src/repositories/accounts.js';
import { createAudit } from '../../../src/services/audit.js';
import { createBlindIndex, createKeyring, createPasswordHasher, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createIdentityLevels } from '../../../src/services/identity-levels.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const people = loadPopulationRegistry();
const zhou = people.find((p) => p.idNumber === '31010419721114465X')!; // ends in X
const yuan = people.find((p) => p.idNumber === '320206196710257435')!; // born 19xx: has a 15-digit form
const xue = people.find((p) => p.idNumber === '320102200103203935')!;
const gong = people.find((p) => p.idNumber === '320402198712027179')!;
const lin = people.find((p) => p.idNumber === '321002198111142429')!;
const deng = people.find((p) => p.idNumber === '320402199908217577')!;
const accountTables = ['accounts', 'account_documents', 'phones', 'password_credentials', 'identity_proofs', 'upstream_links'] as const;
const PASSWORD = 'Abcdef12!';

/** A valid resident ID that is in no registry fixture. */
function freshId(seq: number): string {
  const first17 = `32010219900101${String(seq).padStart(3, "0")}`;
  return `${first17}${gb11643CheckChar(first17)}`;
}

// One database for the whole file (an embedded engine takes seconds to start); every test uses
// its own documents and phones and compares row counts before and after.
const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const hasher = createPasswordHasher({ cost: 4, poolSize: 2 });
t.teardown(() => hasher.close());
const db = testDb.database.db;
const clock = createControllableClock(new Date('2026-11-27T02:00:00Z'));
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { keyring, cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const audit = createAudit({ db, clock, logger: createLogger('silent') });
const levels = createIdentityLevels(secrets);
const serviceWith = (registry: PopulationRegistry) =>
  createAccountService({ db, secrets, hasher, registry, clock, audit, levels, registryAdapterName: 'mock-registry' });
/** The identity key of what `value` registered (the identity its proofs must name to count). */
const keyOfInput = (value: RegisterInput) => levels.keyOf({ certType: value.certType, number: value.documentNumber, name: value.name });
const accounts = serviceWith(createMockPopulationRegistry({ people }));

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of accountTables) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

function plus(before: Record<string, number>, added: Partial<Record<(typeof accountTables)[number], number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v + (added[k as keyof typeof added] ?? 0)]));
}

/** Every value given to register(), so the PII scan can look for all of them. */
const given: RegisterInput[] = [];

function input(overrides: Partial<RegisterInput> = {}): RegisterInput {
  const value: RegisterInput = {
    certType: '01',
    documentNumber: freshId(1),
    name: '测试人',
    phoneE164: '+8613800000001',
    password: PASSWORD,
    channel: 'web',
    ip: '203.0.113.9',
    requestId: 'req-1',
    ...overrides,
  };
  given.push(value);
  return value;
}

t.test(`registration (${engineName})`, async (t) => {

  t.test('a registry person becomes real_name with a registry proof', async (t) => {
    const result = await accounts.register(input({ documentNumber: xue.idNumber, name: xue.name, phoneE164: '+8613900000001' }));
    t.same({ level: result.level, registry: result.registry }, { level: 'real_name', registry: 'match' });
    t.match(result.accountId, /^[0-9a-f-]{36}$/);
    const view = await accounts.getAccount(result.accountId);
    t.match(view, {
      id: result.accountId,
      status: 'active',
      level: 'real_name',
      name: xue.name,
      certType: '01',
      documentNumber: xue.idNumber,
      phoneE164: '+8613900000001',
      needsPhone: false,
    });
    t.equal(view?.proofs.length, 1);
    t.match(view?.proofs[0], { kind: 'registry_match', level: 'real_name', adapter: 'mock-registry' });
    const proof = await db.selectFrom('identity_proofs').selectAll().where('account_id', '=', result.accountId).executeTakeFirstOrThrow();
    t.equal(proof.reference, 'registry:2026-11-27');
    const phone = await db.selectFrom('phones').selectAll().where('account_id', '=', result.accountId).executeTakeFirstOrThrow();
    t.equal(phone.verified_at.toISOString(), '2026-11-27T02:00:00.000Z');
    const events = await db.selectFrom('audit_events').selectAll().where('subject', '=', result.accountId).execute();
    t.equal(events.length, 1);
    t.match(events[0], { event: 'account.registered', outcome: 'success', ip: '203.0.113.9', request_id: 'req-1' });
    t.same(events[0]?.details, { channel: 'web', level: 'real_name', registry: 'match' });
    t.equal(await accounts.verifyPassword(result.accountId, PASSWORD), true);
  });

  t.test('a valid number not in the registry registers at the lowest level', async (t) => {
    const result = await accounts.register(input({ documentNumber: freshId(2), phoneE164: '+8613900000002', channel: 'app' }));
    t.same({ level: result.level, registry: result.registry }, { level: 'registered', registry: 'mismatch' });
    const view = await accounts.getAccount(result.accountId);
    t.equal(view?.level, 'registered');
    t.same(view?.proofs, []);
  });

  t.test('a registry person with the wrong name is not real-name', async (t) => {
    const result = await accounts.register(input({ documentNumber: deng.idNumber, name: '别人', phoneE164: '+8613900000003' }));
    t.same({ level: result.level, registry: result.registry }, { level: 'registered', registry: 'mismatch' });
  });

  t.test('duplicates are refused with the right code and nothing half-written', async (t) => {
    const before = await counts();
    const docErr = await accounts.register(input({ documentNumber: xue.idNumber, phoneE164: '+8613900000009' })).catch((e: unknown) => e);
    t.ok(docErr instanceof ConflictError);
    t.match(docErr, { code: 'registration.document_taken', field: 'documentNumber', status: 409 });
    const phoneErr = await accounts.register(input({ documentNumber: freshId(3), phoneE164: '+8613900000001' })).catch((e: unknown) => e);
    t.ok(phoneErr instanceof ConflictError);
    t.match(phoneErr, { code: 'registration.phone_taken', field: 'phone', status: 409 });
    t.same(await counts(), before);
  });

  t.test('invalid input is refused before anything is written', async (t) => {
    const before = await counts();
    await t.rejects(accounts.register(input({ documentNumber: `${freshId(4).slice(0, 17)}${freshId(4).endsWith('0') ? '1' : '0'}` })), ValidationError);
    await t.rejects(accounts.register(input({ documentNumber: 'ABC' })), { code: 'documents.id_card.length', field: 'documentNumber' });
    await t.rejects(accounts.register(input({ documentNumber: freshId(4), phoneE164: '12345' })), { code: 'phone.invalid', field: 'phone' });
    await t.rejects(accounts.register(input({ documentNumber: freshId(4), name: '  ' })), { code: 'registration.name_required' });
    await t.rejects(accounts.register(input({ documentNumber: freshId(4), password: 'short' })), { code: 'password.too_short', field: 'password' });
    t.same(await counts(), before);
  });
});

t.test(`registry unavailable (${engineName})`, async (t) => {
  const unavailable: PopulationRegistry = { verify: async () => 'unavailable' };
  const result = await serviceWith(unavailable).register(input({ documentNumber: gong.idNumber, name: gong.name, phoneE164: '+8613300000001' }));
  t.same({ level: result.level, registry: result.registry }, { level: 'registered', registry: 'unavailable' });
  t.same((await accounts.getAccount(result.accountId))?.proofs, []);
  const throwing: PopulationRegistry = { verify: () => Promise.reject(new Error('boom')) };
  const second = await serviceWith(throwing).register(input({ documentNumber: freshId(6), phoneE164: '+8613300000002' }));
  t.equal(second.registry, 'unavailable', 'a throwing adapter counts as unavailable');
});

t.test(`parallel registrations (${engineName})`, async (t) => {

  t.test('same document: exactly one account', async (t) => {
    const before = await counts();
    const outcomes = await Promise.allSettled([
      accounts.register(input({ documentNumber: freshId(10), phoneE164: '+8613700000001' })),
      accounts.register(input({ documentNumber: freshId(10), phoneE164: '+8613700000002' })),
      accounts.register(input({ documentNumber: freshId(10), phoneE164: '+8613700000003' })),
    ]);
    t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const rejected = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    t.equal(rejected.length, 2);
    for (const err of rejected) t.match(err, { name: 'ConflictError', code: 'registration.document_taken' });
    t.same(await counts(), plus(before, { accounts: 1, account_documents: 1, phones: 1, password_credentials: 1 }));
  });

  t.test('a race lost between the pre-check and the insert maps the unique violation', async (t) => {
    const before = await counts();
    const winner = input({ documentNumber: freshId(13), phoneE164: '+8613700000011' });
    const racing: PopulationRegistry = {
      // Runs after the loser's pre-check and before its transaction: the other registration wins here.
      verify: async () => {
        await accounts.register(winner);
        return 'mismatch';
      },
    };
    await t.rejects(serviceWith(racing).register(input({ documentNumber: freshId(13), phoneE164: '+8613700000012' })), {
      name: 'ConflictError',
      code: 'registration.document_taken',
      field: 'documentNumber',
    });
    const phoneRacing: PopulationRegistry = {
      verify: async () => {
        await accounts.register(input({ documentNumber: freshId(14), phoneE164: '+8613700000013' }));
        return 'mismatch';
      },
    };
    await t.rejects(serviceWith(phoneRacing).register(input({ documentNumber: freshId(15), phoneE164: '+8613700000013' })), {
      name: 'ConflictError',
      code: 'registration.phone_taken',
    });
    t.same(await counts(), plus(before, { accounts: 2, account_documents: 2, phones: 2, password_credentials: 2 }));
  });

  t.test('same phone: exactly one account', async (t) => {
    const before = await counts();
    const outcomes = await Promise.allSettled([
      accounts.register(input({ documentNumber: freshId(11), phoneE164: '+8613700000009' })),
      accounts.register(input({ documentNumber: freshId(12), phoneE164: '+8613700000009' })),
    ]);
    t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    t.match(rejected?.status === 'rejected' ? rejected.reason : undefined, { name: 'ConflictError', code: 'registration.phone_taken', field: 'phone' });
    t.same(await counts(), plus(before, { accounts: 1, account_documents: 1, phones: 1, password_credentials: 1 }));
  });
});

t.test(`look-ups (${engineName})`, async (t) => {
  const a = await accounts.register(input({ documentNumber: zhou.idNumber, name: zhou.name, phoneE164: '+8613912345678' }));
  const b = await accounts.register(input({ documentNumber: yuan.idNumber, name: yuan.name, phoneE164: '+8613812345678' }));

  t.equal(await accounts.findAccountIdByPhone('+8613912345678'), a.accountId);
  t.equal(await accounts.findAccountIdByPhone('139 1234 5678'), a.accountId);
  t.equal(await accounts.findAccountIdByPhone('+8613000000000'), undefined);
  t.equal(await accounts.findAccountIdByPhone('not a phone'), undefined);

  t.equal(await accounts.findAccountIdByDocument(zhou.idNumber), a.accountId);
  t.equal(await accounts.findAccountIdByDocument(zhou.idNumber.toLowerCase()), a.accountId, 'lower-case x');
  t.equal(await accounts.findAccountIdByDocument(` ${zhou.idNumber.slice(0, 6)} ${zhou.idNumber.slice(6).toLowerCase()} `), a.accountId);
  t.equal(await accounts.findAccountIdByDocument('320206671025743'), b.accountId, '15-digit legacy number');
  t.equal(await accounts.findAccountIdByDocument(freshId(99)), undefined);
  t.equal(await accounts.findAccountIdByDocument(''), undefined);

  const named = async (raw: string) => (await accounts.findPasswordCandidate(raw)).accountId;
  t.equal(await named('13912345678'), a.accountId);
  t.equal(await named('+86 138-1234-5678'), b.accountId);
  t.equal(await named(zhou.idNumber.toLowerCase()), a.accountId);
  t.equal(await named('320206671025743'), b.accountId);
  for (const unknown of ['13000000000', freshId(98), 'admin', '', ' ', 'x'.repeat(5000)]) {
    t.equal(await named(unknown), undefined, `unknown ${unknown.slice(0, 12)}`);
  }

  t.equal(await accounts.documentTaken(zhou.idNumber.toLowerCase()), true);
  t.equal(await accounts.documentTaken('320206671025743'), true);
  t.equal(await accounts.documentTaken(freshId(97)), false);
  t.equal(await accounts.phoneTaken('+8613812345678'), true);
  t.equal(await accounts.phoneTaken('+8613812345679'), false);

  t.equal(await accounts.getAccount('00000000-0000-4000-8000-000000000000'), undefined);
  t.equal(await accounts.getAccount('not-a-uuid'), undefined);

  await t.test('the account by its number: the very view getAccount gives, in one statement', async (t) => {
    const before = testDb.database.stats.queries;
    const byPhone = await accounts.getAccountByPhone('+8613912345678');
    t.equal(testDb.database.stats.queries - before, 1, 'one statement');
    t.same(byPhone, await accounts.getAccount(a.accountId), 'the holder of the number, decrypted and levelled as getAccount does');
    t.equal(byPhone?.id, a.accountId);
    t.equal((await accounts.getAccountByPhone('138 1234 5678'))?.id, b.accountId, 'each number its own holder');
    for (const unknown of ['+8613000000000', 'not a phone', '', 'x'.repeat(5000)]) {
      t.equal(await accounts.getAccountByPhone(unknown), undefined, `no holder: ${unknown.slice(0, 12)}`);
    }
  });

  await t.test("a password sign-in's candidate: the account, its credential and its view in one statement", async (t) => {
    for (const [raw, id] of [['13912345678', a.accountId], [zhou.idNumber, a.accountId], ['320206671025743', b.accountId]] as const) {
      const before = testDb.database.stats.queries;
      const candidate = await accounts.findPasswordCandidate(raw);
      t.equal(testDb.database.stats.queries - before, 1, `one statement (${raw.slice(0, 3)}…)`);
      t.equal(candidate.accountId, id);
      t.same(candidate.view(), await accounts.getAccount(id), 'the view getAccount gives');
      const reads = testDb.database.stats.queries;
      t.equal(await candidate.verify(PASSWORD), true, 'the right password');
      t.equal(await candidate.verify('Abcdef12?'), false, 'a wrong one');
      t.equal(testDb.database.stats.queries - reads, 0, 'verified against the credential read with it');
    }
    const unknown = await accounts.findPasswordCandidate('13000000000');
    t.equal(unknown.view(), undefined, 'an unknown identifier has no account');
    t.equal(await unknown.verify(PASSWORD), false, 'and no password verifies');
  });
});

t.test(`claims from a read made ahead count only for the account it read (${engineName})`, async (t) => {
  const person = people.filter((p) => p.certType === '01').at(-1)!;
  const matched = await accounts.register(input({ documentNumber: person.idNumber, name: person.name, phoneE164: '+8613700000061' }));
  const other = await accounts.register(input({ documentNumber: freshId(61), name: '另一人', phoneE164: '+8613700000062' }));
  const readOfMatched = await findAccountWithProofs(db, matched.accountId);
  t.ok(readOfMatched);

  const queries = async <T>(work: () => Promise<T>) => {
    const before = testDb.database.stats.queries;
    const value = await work();
    return { value, queries: testDb.database.stats.queries - before };
  };
  const own = await queries(() => accounts.getAccountForClaims(matched.accountId, readOfMatched));
  t.equal(own.queries, 0, 'its own read: no query');
  t.match(own.value, { id: matched.accountId, level: 'real_name' });
  t.equal(own.value?.name(), person.name);

  const carried = await queries(() => accounts.getAccountForClaims(other.accountId, readOfMatched));
  t.equal(carried.queries, 1, 'another account’s read is not used: this one is read');
  t.match(carried.value, { id: other.accountId, level: 'registered' }, 'the level is never carried to another account');
  t.equal(carried.value?.name(), '另一人');

  t.equal(await accounts.getAccountForClaims(other.accountId, null), undefined, 'read as gone: no claims');
  const now = await accounts.getAccountForClaims(other.accountId);
  t.same([now?.id, now?.level, now?.name(), now?.documentNumber(), now?.phoneE164()], [other.accountId, 'registered', '另一人', carried.value?.documentNumber(), '+8613700000062'], 'without a read: the same claims, read now');
});

t.test(`a ciphertext cannot be moved to another account (${engineName})`, async (t) => {
  const a = await accounts.register(input({ documentNumber: freshId(20), phoneE164: '+8613600000001' }));
  const b = await accounts.register(input({ documentNumber: freshId(21), phoneE164: '+8613600000002', name: '乙' }));
  const aName = await db.selectFrom('accounts').select('name_envelope').where('id', '=', a.accountId).executeTakeFirstOrThrow();
  await db.updateTable('accounts').set({ name_envelope: aName.name_envelope }).where('id', '=', b.accountId).execute();
  await t.rejects(accounts.getAccount(b.accountId), { name: 'CipherError' });
});

t.test(`identity proofs raise the level and never lower it (${engineName})`, async (t) => {
  const registered = input();
  const identityKey = keyOfInput(registered);
  const { accountId } = await accounts.register(registered);
  clock.advance(1000);
  t.equal(await accounts.addProof(accountId, { kind: 'face_match', level: 'real_person', adapter: 'mock-face', identityKey }), 'registered', 'a face alone proves no name');
  clock.advance(1000);
  t.equal(await accounts.addProof(accountId, { kind: 'upstream_assertion', level: 'real_name', adapter: 'jszw', reference: 'jszw:u1', identityKey }), 'real_person');
  clock.advance(1000);
  t.equal(await accounts.addProof(accountId, { kind: 'upstream_assertion', level: 'registered', adapter: 'alipay', identityKey }), 'real_person', 'a lower proof does not lower');
  const view = await accounts.getAccount(accountId);
  t.equal(view?.level, 'real_person');
  t.same(view?.proofs.map((p) => [p.kind, p.level, p.adapter]), [
    ['face_match', 'real_person', 'mock-face'],
    ['upstream_assertion', 'real_name', 'jszw'],
    ['upstream_assertion', 'registered', 'alipay'],
  ]);
  const changes = await db.selectFrom('audit_events').select(['details']).where('event', '=', 'account.level_changed').execute();
  t.same(changes.map((c) => c.details), [{ from: 'registered', to: 'real_person', kind: 'upstream_assertion', adapter: 'jszw' }]);

  const secondInput = input({ documentNumber: freshId(30), phoneE164: '+8613500000001' });
  const second = await accounts.register(secondInput);
  const secondKey = keyOfInput(secondInput);
  const raised = await Promise.all([
    accounts.addProof(second.accountId, { kind: 'registry_match', level: 'real_name', adapter: 'mock-registry', identityKey: secondKey }),
    accounts.addProof(second.accountId, { kind: 'face_match', level: 'real_person', adapter: 'mock-face', identityKey: secondKey }),
  ]);
  t.ok(raised.includes('real_person'), 'parallel proofs are serialised: the later one sees the earlier');
  t.equal((await accounts.getAccount(second.accountId))?.level, 'real_person');

  await t.rejects(accounts.addProof('00000000-0000-4000-8000-000000000000', { kind: 'face_match', level: 'real_person', adapter: 'x', identityKey }), NotFoundError);
  await t.rejects(accounts.addProof('nope', { kind: 'face_match', level: 'real_person', adapter: 'x', identityKey }), NotFoundError);
});

t.test(`a proof counts only for the identity it proved (${engineName})`, async (t) => {
  const mine = input({ documentNumber: freshId(50), phoneE164: '+8613500000050', name: '甲某' });
  const { accountId } = await accounts.register(mine);
  const other = levels.keyOf({ certType: '01', number: freshId(51), name: '乙某' });
  t.equal(await accounts.addProof(accountId, { kind: 'registry_match', level: 'real_name', adapter: 'mock-registry', identityKey: other }), 'registered', "another person's registry match raises nothing");
  t.equal(await accounts.addProof(accountId, { kind: 'upstream_assertion', level: 'real_person', adapter: 'jszw', identityKey: other }), 'registered', "nor another person's upstream level");
  t.same((await accounts.getAccount(accountId))?.proofs, [], 'and they are not shown as the account\'s proofs');
  const sameNumberOtherName = levels.keyOf({ certType: '01', number: mine.documentNumber, name: '丙某' });
  t.equal(await accounts.addProof(accountId, { kind: 'registry_match', level: 'real_name', adapter: 'mock-registry', identityKey: sameNumberOtherName }), 'registered', 'the name is part of the identity');
  const sameDigitsOtherType = levels.keyOf({ certType: '08', number: mine.documentNumber, name: mine.name });
  t.equal(await accounts.addProof(accountId, { kind: 'registry_match', level: 'real_name', adapter: 'mock-registry', identityKey: sameDigitsOtherType }), 'registered', 'so is the certificate type');

  // Any path that changes who the account says it is leaves the proofs of the former identity behind.
  t.equal(await accounts.addProof(accountId, { kind: 'registry_match', level: 'real_name', adapter: 'mock-registry', identityKey: keyOfInput(mine) }), 'real_name');
  t.equal(await accounts.addProof(accountId, { kind: 'face_match', level: 'real_person', adapter: 'mock-face', identityKey: keyOfInput(mine) }), 'real_person');
  const swapped = freshId(52);
  await db.updateTable('account_documents').set({ number_envelope: secrets.cipher.encrypt(swapped, `account_documents.number:${accountId}`), number_index: secrets.blindIndex('document', swapped) }).where('account_id', '=', accountId).execute();
  const after = await accounts.getAccount(accountId);
  t.equal(after?.level, 'registered', 'a swapped document carries no level');
  t.same(after?.proofs, [], 'and none of the former proofs');
  await db.updateTable('accounts').set({ name_envelope: secrets.cipher.encrypt('乙某', `accounts.name:${accountId}`) }).where('id', '=', accountId).execute();
  t.equal((await accounts.getAccount(accountId))?.level, 'registered', 'a swapped name neither');
});

t.test(`passwords (${engineName})`, async (t) => {
  const { accountId } = await accounts.register(input({ documentNumber: freshId(41), phoneE164: '+8613400000002' }));
  t.equal(await accounts.verifyPassword(accountId, PASSWORD), true);
  t.equal(await accounts.verifyPassword(accountId, 'Abcdef12?'), false);
  t.equal(await accounts.verifyPassword('00000000-0000-4000-8000-000000000000', PASSWORD), false, 'unknown account');
  t.equal(await accounts.verifyPassword('not-a-uuid', PASSWORD), false);

  await t.rejects(accounts.setPassword(accountId, 'weakweak'), { code: 'password.too_few_classes', field: 'password' });
  await t.rejects(accounts.setPassword(accountId, 'Ab13400000002'), { code: 'password.contains_phone' });
  await t.rejects(accounts.setPassword('00000000-0000-4000-8000-000000000000', 'Newpass#2026'), NotFoundError);
  await accounts.setPassword(accountId, 'Newpass#2026', { ip: '198.51.100.1', requestId: 'req-pw' });
  t.equal(await accounts.verifyPassword(accountId, PASSWORD), false);
  t.equal(await accounts.verifyPassword(accountId, 'Newpass#2026'), true);
  const changed = await db.selectFrom('audit_events').selectAll().where('event', '=', 'account.password_changed').execute();
  t.match(changed, [{ subject: accountId, ip: '198.51.100.1', request_id: 'req-pw', outcome: 'success' }]);

  await db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', accountId).execute();
  t.equal(await accounts.verifyPassword(accountId, 'Newpass#2026'), false, 'a disabled account does not sign in');
  const disabled = await accounts.findPasswordCandidate('13400000002');
  t.equal(disabled.accountId, accountId);
  t.equal(await disabled.verify('Newpass#2026'), false, 'nor by its candidate');

  const noPassword = await accounts.register(input({ documentNumber: freshId(40), phoneE164: '+8613400000001' }));
  await db.deleteFrom('password_credentials').where('account_id', '=', noPassword.accountId).execute();
  t.equal(await accounts.verifyPassword(noPassword.accountId, PASSWORD), false, 'no credential');
  t.equal(await (await accounts.findPasswordCandidate('13400000001')).verify(PASSWORD), false, 'nor by its candidate');
  await accounts.setPassword(noPassword.accountId, 'Fresh#Pass1');
  t.equal(await accounts.verifyPassword(noPassword.accountId, 'Fresh#Pass1'), true, 'setPassword inserts');
});

t.test(`PII is stored only encrypted (${engineName})`, async (t) => {
  const { accountId } = await accounts.register(input({ documentNumber: lin.idNumber, name: lin.name, phoneE164: '+8613912340000' }));
  await accounts.addProof(accountId, { kind: 'face_match', level: 'real_person', adapter: 'mock-face', reference: 'face:1', identityKey: levels.keyOf({ certType: '01', number: lin.idNumber, name: lin.name }) });
  await db.insertInto('upstream_links').values({ account_id: accountId, upstream: 'essc', subject: 'opaque-sub' }).execute();
  // Every name, number and phone any test of this file registered (CJK names could only leak as
  // themselves; ASCII values are long enough never to occur by chance in base64 or hex).
  const needles = new Set<string>();
  for (const g of given) {
    needles.add(g.name.trim());
    if (g.documentNumber.length >= 8) needles.add(g.documentNumber).add(g.documentNumber.toLowerCase());
    if (g.phoneE164.length >= 11) needles.add(g.phoneE164).add(g.phoneE164.slice(3));
  }
  needles.delete('');
  let rows = 0;
  for (const table of [...accountTables, 'audit_events'] as const) {
    const result = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(db);
    for (const { row } of result.rows) {
      rows += 1;
      const found = [...needles].filter((needle) => row.includes(needle));
      t.same(found, [], `${table} row holds no clear PII`);
    }
  }
  t.ok(rows >= 8, `scanned ${rows} rows`);
  const account = await db.selectFrom('accounts').select('name_envelope').where('id', '=', accountId).executeTakeFirstOrThrow();
  t.match(account.name_envelope, /^v1\.A256GCM\.k1\./);
  const view = await accounts.getAccount(accountId);
  t.same([view?.name, view?.documentNumber, view?.phoneE164], [lin.name, lin.idNumber, '+8613912340000']);
});
