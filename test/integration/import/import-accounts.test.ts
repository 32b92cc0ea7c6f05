// The account import on a real database: accounts encrypted and blind-indexed like registered ones,
// levels as imported proofs of the identity (never above the evidence), links and family numbers,
// an idempotent re-run, every refusal reason, conflicts listed and not merged, and a dry run that
// changes no row. The legacy-hash count report.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { createMockPopulationRegistry } from '../../../src/adapters/population-registry/mock.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { parseDescriptor } from '../../../src/import/descriptor.js';
import { importAccounts } from '../../../src/import/import-accounts.js';
import { countLegacyHashes } from '../../../src/import/repository.js';
import { refusalReasons } from '../../../src/import/rows.js';
import { createLogger } from '../../../src/log/logger.js';
import { createAccountService } from '../../../src/services/accounts.js';
import { createAudit } from '../../../src/services/audit.js';
import { createBlindIndex, createKeyring, createPasswordHasher, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createIdentityLevels } from '../../../src/services/identity-levels.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { descriptor as descriptorJson, jsonl, legacyIdNumber, legacyPassword, legacyPhone, legacyRow } from '../../helpers/legacy-export.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const db = testDb.database.db;
const dir = await mkdtemp(join(tmpdir(), 'jsrs-import-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { keyring, cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const levels = createIdentityLevels(secrets);
const hasher = createPasswordHasher({ cost: 4, poolSize: 1 });
t.teardown(() => hasher.close());
const accounts = createAccountService({ db, secrets, hasher, registry: createMockPopulationRegistry({ people: [] }), clock, audit: createAudit({ db, clock, logger: createLogger('silent') }), levels });
const descriptor = parseDescriptor(descriptorJson);

const tables = ['accounts', 'account_documents', 'phones', 'password_credentials', 'identity_proofs', 'upstream_links', 'family_bindings', 'imported_accounts', 'import_checkpoints'] as const;
async function rowCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tables) out[table] = Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]?.n);
  return out;
}

async function writeExport(name: string, rows: unknown[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, jsonl(rows));
  return file;
}

const run = (file: string, extra: { dryRun?: boolean; resume?: boolean; batchSize?: number } = {}) =>
  importAccounts({ db, secrets, levels, clock, descriptor, file, batchSize: 3, ...extra });

async function reportLines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

t.test(`imported accounts are stored like registered ones (${engineName})`, async (t) => {
  const rows = [
    legacyRow(1, { level: 'registered', evidence: {} }),
    legacyRow(2, { level: 'real_name', upstream_links: { essc: 'essc-2', alipay: '2088000000000002' } }),
    legacyRow(3, {
      level: 'real_person',
      evidence: { registry_match_at: '2019-03-01', face_check_at: '2021-05-06T10:00:00+08:00' },
      family_members: [{ cert_type: '01', document_number: legacyIdNumber(9001), name: '张小三', relation: 'child' }],
    }),
    legacyRow(4, { level: 'registered', evidence: { registry_match_at: '2019-03-01' }, phone: null, password_hash: null }),
  ];
  const file = await writeExport('valid.jsonl', rows);
  const report = await run(file);
  t.same(report.counts, { imported: 4, duplicates: 0, refused: 0, conflicts: 0 });

  const id2 = await accounts.findAccountIdByDocument(legacyIdNumber(2));
  t.ok(id2, 'found by its document blind index');
  t.equal(await accounts.findAccountIdByPhone(`+86${legacyPhone(2)}`), id2, 'and by its phone blind index');
  const view = await accounts.getAccount(id2 as string);
  t.match(view, { name: '张三', documentNumber: legacyIdNumber(2), phoneE164: `+86${legacyPhone(2)}`, level: 'real_name', certType: '01', needsPhone: false });
  t.match(view?.proofs, [{ kind: 'registry_match', adapter: 'import:old-jsrs', createdAt: new Date('2019-03-01T00:00:00Z') }], 'the level is an imported proof dated by the legacy evidence');
  const raw = JSON.stringify(await db.selectFrom('account_documents').selectAll().execute()) + JSON.stringify(await db.selectFrom('accounts').selectAll().execute());
  t.notMatch(raw, legacyIdNumber(2), 'no clear document number is stored');
  t.notMatch(raw, '张三', 'no clear name is stored');
  const links = await db.selectFrom('upstream_links').select(['upstream', 'subject']).where('account_id', '=', id2 as string).orderBy('upstream').execute();
  t.same(links, [{ upstream: 'alipay', subject: '2088000000000002' }, { upstream: 'essc', subject: 'essc-2' }]);

  const id3 = (await accounts.findAccountIdByDocument(legacyIdNumber(3))) as string;
  t.equal((await accounts.getAccount(id3))?.level, 'real_person', 'registry match and face check make real_person');
  const family = await db.selectFrom('family_bindings').selectAll().where('binder_account_id', '=', id3).execute();
  t.equal(family.length, 1, 'the family number is bound');
  t.equal(family[0]?.member_number_index, secrets.blindIndex('document', legacyIdNumber(9001)), 'with the blind index every binding has');

  const id1 = (await accounts.findAccountIdByDocument(legacyIdNumber(1))) as string;
  t.equal((await accounts.getAccount(id1))?.level, 'registered');
  const id4 = (await accounts.findAccountIdByDocument(legacyIdNumber(4))) as string;
  const four = await accounts.getAccount(id4);
  t.equal(four?.level, 'registered', 'evidence above the claimed level proves nothing more than the claim');
  t.same(four?.proofs, []);
  t.equal(four?.needsPhone, true, 'an account without a phone must bind one');
  t.notOk(await accounts.verifyPassword(id4, legacyPassword), 'an account exported without a password has none');

  t.ok(await accounts.verifyPassword(id2 as string, legacyPassword), 'the legacy password works');
  t.notOk(await accounts.verifyPassword(id1, 'Wrong#2019pw'), 'a wrong one does not');
  const legacy = await countLegacyHashes(db, 4);
  t.same(legacy, { digests: { sha256: 2 }, bcryptOtherCost: 0, total: 2 }, 'the report counts the hashes still legacy (one was rehashed)');
  const stored = await db.selectFrom('password_credentials').select('hash').where('account_id', '=', id2 as string).executeTakeFirstOrThrow();
  t.match(stored.hash, /^\$2[aby]\$04\$/, 'the verified legacy hash was replaced by a bcrypt one');

  await t.test('a re-run changes nothing', async (t) => {
    const before = await rowCounts();
    const again = await run(file);
    t.same(again.counts, { imported: 0, duplicates: 4, refused: 0, conflicts: 0 });
    t.same(await rowCounts(), { ...before }, 'no row added or removed');
  });
});

t.test('every refusal reason', async (t) => {
  const n = 100;
  const cases: Array<[string, unknown]> = [
    ['row.not_json', '{"legacy_id": "x1", '],
    ['row.too_long', JSON.stringify(legacyRow(n, { name: 'x'.repeat(70_000) }))],
    ['legacy_id.invalid', legacyRow(n + 1, { legacy_id: '' })],
    ['documents.unknown_type', legacyRow(n + 2, { cert_type: '99' })],
    ['document.invalid', legacyRow(n + 3, { document_number: legacyIdNumber(n + 3).slice(0, 17) + (legacyIdNumber(n + 3).endsWith('1') ? '2' : '1') })],
    ['phone.invalid', legacyRow(n + 4, { phone: '12345' })],
    ['name.invalid', legacyRow(n + 5, { name: '  ' })],
    ['password.algorithm_mismatch', legacyRow(n + 6, { password_algorithm: 'md5' })],
    ['password.malformed_hash', legacyRow(n + 7, { password_hash: 'abc' })],
    ['password.salt_missing', legacyRow(n + 8, { password_salt: '' })],
    ['level.unknown', legacyRow(n + 9, { level: 'gold' })],
    ['level.evidence_missing', legacyRow(n + 10, { level: 'real_person', evidence: { registry_match_at: '2019-03-01' } })],
    ['evidence.invalid_date', legacyRow(n + 11, { evidence: { registry_match_at: '2099-01-01' } })],
    ['created_at.invalid', legacyRow(n + 12, { created_at: 'yesterday' })],
    ['upstream_links.invalid', legacyRow(n + 13, { upstream_links: { wechat: 'w1' } })],
    ['family_members.invalid', legacyRow(n + 14, { family_members: [{ cert_type: '01', document_number: '320102', name: '李四', relation: 'child' }] })],
    ['family_members.too_many', legacyRow(n + 15, { family_members: Array.from({ length: 9 }, (_, i) => ({ cert_type: '01', document_number: legacyIdNumber(9100 + i), name: '李四', relation: 'child' })) })],
  ];
  t.same(cases.map((c) => c[0]).sort(), [...refusalReasons].sort(), 'every reason has a case');
  const before = await rowCounts();
  const file = await writeExport('refused.jsonl', cases.map((c) => c[1]));
  const report = await run(file);
  t.same(report.counts, { imported: 0, duplicates: 0, refused: cases.length, conflicts: 0 });
  const lines = await reportLines(report.refusedFile);
  t.same(lines.map((l) => l.reason), cases.map((c) => c[0]), 'each line refused with its reason, in order');
  t.same(lines.map((l) => l.line), cases.map((_, i) => i + 1), 'naming the line');
  t.equal(lines[4]?.detail, 'documents.id_card.check_digit', 'the registration rule that failed');
  t.notMatch(JSON.stringify(lines), legacyIdNumber(n + 3), 'the report repeats no document number');
  t.same((await rowCounts()).accounts, before.accounts, 'nothing refused was written');
});

t.test('conflicts are listed for the service desk, not merged', async (t) => {
  const m = 200;
  const rows = [
    legacyRow(m, { upstream_links: { jszw: 'jszw-200' } }),
    legacyRow(m + 1, { document_number: legacyIdNumber(m) }), // same document as u200, same batch
    legacyRow(m + 2),
    legacyRow(m + 3, { phone: legacyPhone(m) }), // same phone as u200, next batch
    legacyRow(m + 4, { upstream_links: { jszw: 'jszw-200', essc: 'essc-204' } }), // a link another account holds
    legacyRow(m + 5, { family_members: [{ cert_type: '01', document_number: legacyIdNumber(m + 2), name: '王五', relation: 'parent' }] }), // binds u202's number
    legacyRow(m + 6, { family_members: [{ cert_type: '01', document_number: legacyIdNumber(m + 7), name: '王六', relation: 'spouse' }] }),
    legacyRow(m + 7), // its number is u206's family number
  ];
  const file = await writeExport('conflicts.jsonl', rows);
  const report = await run(file);
  t.same(report.counts, { imported: 5, duplicates: 0, refused: 0, conflicts: 3 });
  const lines = await reportLines(report.conflictsFile);
  t.same(lines, [
    { line: 2, legacy_id: 'u201', field: 'document_number', held_by: 'u200', imported: false },
    { line: 4, legacy_id: 'u203', field: 'phone', held_by: 'u200', imported: false },
    { line: 5, legacy_id: 'u204', field: 'upstream_links.jszw', held_by: 'u200', imported: true },
    { line: 6, legacy_id: 'u205', field: 'family_members[0]', held_by: 'u202', imported: true },
    { line: 8, legacy_id: 'u207', field: 'document_number (a family number)', held_by: 'u206', imported: false },
  ]);
  const id204 = (await accounts.findAccountIdByDocument(legacyIdNumber(m + 4))) as string;
  t.same(
    await db.selectFrom('upstream_links').select(['upstream', 'subject']).where('account_id', '=', id204).execute(),
    [{ upstream: 'essc', subject: 'essc-204' }],
    'the account came in without the conflicting link',
  );
  const id200 = (await accounts.findAccountIdByDocument(legacyIdNumber(m))) as string;
  t.equal((await accounts.getAccount(id200))?.name, '张三', 'the first holder is untouched');

  const native = legacyRow(m + 8);
  await accounts.register({ certType: '01', documentNumber: legacyIdNumber(m + 8), name: '赵六', phoneE164: `+86${legacyPhone(m + 9)}`, password: 'Native#2026pw', channel: 'web' });
  const second = await run(await writeExport('native.jsonl', [native]));
  t.same(second.counts, { imported: 0, duplicates: 0, refused: 0, conflicts: 1 });
  t.same(await reportLines(second.conflictsFile), [{ line: 1, legacy_id: 'u208', field: 'document_number', held_by: 'native', imported: false }], 'an account registered here holds it');
});

t.test('a dry run checks everything and changes no row', async (t) => {
  const k = 300;
  const rows = [legacyRow(k), legacyRow(k + 1), legacyRow(k + 2, { document_number: legacyIdNumber(k) }), legacyRow(k + 3, { phone: 'x' }), legacyRow(1)];
  const file = await writeExport('dry.jsonl', rows);
  const before = await rowCounts();
  const dry = await run(file, { dryRun: true });
  t.same(dry.counts, { imported: 2, duplicates: 1, refused: 1, conflicts: 1 }, 'the same counts a real run gives');
  t.equal(dry.dryRun, true);
  t.same(await rowCounts(), before, 'every table has the rows it had');
  t.equal((await reportLines(dry.refusedFile)).length, 1, 'the refusal report is written');
  const real = await run(file);
  t.same(real.counts, dry.counts, 'the real run agrees with the dry run');
});
