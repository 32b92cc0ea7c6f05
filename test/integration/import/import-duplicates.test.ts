// A value taken between the import's look-up and its write: the repository answers 'duplicate'
// (not a database error), undoes the batch's rows and leaves the transaction usable; the import
// looks again and lists the row as a conflict. The race itself needs two sessions, so it runs on
// PostgreSQL; the embedded engine has one session, where no commit can come in between.

import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { parseDescriptor } from '../../../src/import/descriptor.js';
import { importAccounts } from '../../../src/import/import-accounts.js';
import { emptyBatchRows, withImportTables, writeBatch } from '../../../src/import/repository.js';
import { createBlindIndex, createKeyring, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createIdentityLevels } from '../../../src/services/identity-levels.js';
import { piiAad } from '../../../src/services/pii-aad.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { descriptor as descriptorJson, jsonl, legacyIdNumber, legacyPhone, legacyRow } from '../../helpers/legacy-export.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const db = testDb.database.db;
const dir = await mkdtemp(join(tmpdir(), 'jsrs-import-dup-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const descriptor = parseDescriptor(descriptorJson);
const run = (file: string) => importAccounts({ db, secrets, levels: createIdentityLevels(secrets), clock, descriptor, file, batchSize: 3 });

async function exportFile(name: string, rows: unknown[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, jsonl(rows));
  return file;
}

const accountExists = async (id: string) => (await db.selectFrom('accounts').select('id').where('id', '=', id).execute()).length === 1;

t.test(`writeBatch answers 'duplicate' for a taken document number and undoes only its batch (${engineName})`, async (t) => {
  t.same((await run(await exportFile('held.jsonl', [legacyRow(600)]))).counts, { imported: 1, duplicates: 0, refused: 0, conflicts: 0 });
  const now = clock.now();
  const batch = (id: string, n: number, number: string) => {
    const rows = emptyBatchRows();
    rows.accounts.push({ id, name_envelope: secrets.cipher.encrypt('李四', piiAad.name(id)), needs_phone: true, created_at: now, updated_at: now });
    rows.documents.push({ account_id: id, cert_type: '01', number_envelope: secrets.cipher.encrypt(number, piiAad.documentNumber(id)), number_index: secrets.blindIndex('document', number), created_at: now });
    rows.imported.push({ platform: descriptor.platform, legacy_id: `u${n}`, account_id: id, imported_at: now });
    return rows;
  };
  const taken = randomUUID();
  const free = randomUUID();
  await withImportTables(db)
    .transaction()
    .execute(async (trx) => {
      const first = await writeBatch(trx, batch(taken, 601, legacyIdNumber(600)));
      t.same(first, { ok: false, duplicate: { constraint: 'account_documents_number_index_key' } }, 'the unique index that refused it, as a result');
      t.equal((await sql<{ n: number }>`select count(*)::int as n from accounts where id = ${taken}`.execute(trx)).rows[0]?.n, 0, 'its account row was undone with it');
      t.same(await writeBatch(trx, batch(free, 602, legacyIdNumber(602))), { ok: true }, 'the transaction is still usable');
    });
  t.notOk(await accountExists(taken), 'nothing of the refused batch is committed');
  t.ok(await accountExists(free), 'the next batch in the same transaction is');
});

if (testDb.url) {
  const otherUrl = testDb.url;
  t.test('a phone a registration commits between the look-up and the write becomes a conflict (postgres)', async (t) => {
    const phone = `+86${legacyPhone(701)}`;
    const native = randomUUID();
    const other = new pg.Client({ connectionString: otherUrl });
    await other.connect();
    t.teardown(() => other.end());
    // The other session registers the phone and keeps its transaction open: the import cannot see it.
    await other.query('begin');
    await other.query(`insert into accounts (id, needs_phone, created_at, updated_at) values ($1, false, now(), now())`, [native]);
    await other.query(`insert into phones (account_id, phone_envelope, phone_index, verified_at) values ($1, $2, $3, now())`, [
      native,
      secrets.cipher.encrypt(phone, piiAad.phone(native)),
      secrets.blindIndex('phone', phone),
    ]);
    const file = await exportFile('race.jsonl', [legacyRow(700), legacyRow(701), legacyRow(702)]);
    const importing = run(file);
    // The import's write waits on the phone's unique index for the other transaction; then it commits.
    for (let waited = 0; ; waited += 50) {
      const { rows } = await other.query<{ n: number }>(`select count(*)::int as n from pg_locks where not granted and locktype = 'transactionid'`);
      if ((rows[0]?.n ?? 0) > 0) break;
      if (waited > 20_000) throw new Error('the import never waited on the open registration');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await other.query('commit');
    const report = await importing;
    t.same(report.counts, { imported: 2, duplicates: 0, refused: 0, conflicts: 1 }, 'the rest of the batch is imported');
    const conflicts = (await readFile(report.conflictsFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    t.same(conflicts, [{ line: 2, legacy_id: 'u701', field: 'phone', held_by: 'native', imported: false }], 'listed once, held by the account registered here');
    const imported = await withImportTables(db).selectFrom('imported_accounts').select('legacy_id').where('legacy_id', 'in', ['u700', 'u701', 'u702']).orderBy('legacy_id').execute();
    t.same(imported.map((r) => r.legacy_id), ['u700', 'u702']);
    t.ok(await accountExists(native), 'the registration is untouched');
  });
}
