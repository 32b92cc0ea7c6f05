// The audit trail is append-only for the application (no update, no delete inside retention,
// purge only past it); personal data is never stored in clear (a dump of a seeded database holds
// no name, document or phone); and every envelope can be moved to a new key and to SM4.

import { execFileSync } from 'node:child_process';
import t from 'tap';
import { sql } from 'kysely';
import { housekeepOnce } from '../../src/jobs/purge-expired.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createSecrets } from '../../src/services/secrets.js';
import { reencryptAll, encryptedColumns } from '../../src/services/reencrypt.js';
import { createLogger } from '../../src/log/logger.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName, testDatabaseUrl } from '../helpers/database.js';
import { startTestApp, testEncryptionKey } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages } from '../helpers/citizens.js';
import { staffServiceOf } from '../helpers/console.js';

t.test(`audit events are append-only (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db } = testDb.database;
  const now = new Date();
  const old = new Date(now.getTime() - 400 * 86_400_000);
  await db.insertInto('audit_events').values([
    { at: now, event: 'test.recent', outcome: 'info' },
    { at: old, event: 'test.old', outcome: 'info' },
  ]).execute();
  await t.rejects(db.updateTable('audit_events').set({ outcome: 'failure' }).where('event', '=', 'test.recent').execute(), /append-only/, 'no update');
  await t.rejects(db.updateTable('audit_events').set({ outcome: 'failure' }).where('event', '=', 'test.old').execute(), /append-only/, 'not even of old rows');
  await t.rejects(db.deleteFrom('audit_events').where('event', '=', 'test.recent').execute(), /at least 180 days/, 'no delete inside retention');
  await t.rejects(sql`truncate audit_events`.execute(db), /append-only/, 'no truncate');
  const report = await housekeepOnce(db, createControllableClock(now), { batchSize: 100, auditRetentionDays: 180 });
  t.equal(report.audit, 1, 'the purge job removes only what is past retention');
  const left = await db.selectFrom('audit_events').select('event').execute();
  t.same(left.map((r) => r.event), ['test.recent']);
});

t.test(`no personal data in clear at rest, and re-encryption to a new key and SM4 (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const people = loadPopulationRegistry().filter((p) => p.certType === '01').slice(20, 23);
  const phones: string[] = [];
  for (const p of people) {
    const phone = freshPhone();
    phones.push(phone);
    const res = await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: p.idNumber, name: p.name, phone });
    t.equal(res.status, 201, `registered ${p.name.length}-character name`);
  }
  const secrets = [...people.flatMap((p) => [p.idNumber, p.name]), ...phones];

  let dump: string;
  if (testDatabaseUrl) {
    dump = execFileSync('pg_dump', ['--data-only', '--no-owner', testDb.url as string], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    t.match(dump, /COPY public\.accounts/, 'a real pg_dump of the database');
  } else {
    const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(testDb.database.db);
    const parts: string[] = [];
    for (const { tablename } of tables.rows) {
      const rows = await sql<{ r: string }>`select t::text as r from ${sql.table(tablename)} t`.execute(testDb.database.db);
      parts.push(...rows.rows.map((r) => r.r));
    }
    dump = parts.join('\n');
    t.ok(dump.length > 1000, 'every row of every table, as text');
  }
  for (const secret of secrets) t.notOk(dump.includes(secret), 'a name, document number or phone does not appear in clear');

  // a staff member's TOTP secret is sealed too (issue 17), and must move with the rest
  await staffServiceOf(app).create({ username: 'pii-check', displayName: '密评', roles: ['auditor'] }, { kind: 'cli' });

  // rotate to a new master key and to SM4, keeping the old key readable
  const logger = createLogger('silent');
  const rotated = createSecrets(
    loadConfig({ env: { NODE_ENV: 'test', ENCRYPTION_KEY: 'k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA', ENCRYPTION_KEYS_PREVIOUS: testEncryptionKey, PII_ALGORITHM: 'SM4CTR-HSM3' } }),
    logger,
  );
  const first = await reencryptAll(testDb.database.db, rotated.cipher, { batchSize: 2 });
  t.ok(first.reduce((n, p) => n + p.reencrypted, 0) >= people.length * 3, 'names, documents and phones re-encrypted (in batches of 2)');
  const second = await reencryptAll(testDb.database.db, rotated.cipher, { batchSize: 2 });
  t.equal(second.reduce((n, p) => n + p.reencrypted, 0), 0, 'a second run finds nothing left (resumable, idempotent)');
  for (const col of encryptedColumns) {
    const rows = await sql<{ v: string | null }>`select ${sql.ref(col.column)} as v from ${sql.table(col.table)}`.execute(testDb.database.db);
    for (const row of rows.rows) if (row.v) t.match(row.v, /^v1\.SM4CTR-HSM3\.k2\./, `${col.table}.${col.column} under SM4 and the new key`);
    if (col.table === 'staff_accounts') t.equal(rows.rows.length, 1, 'the staff TOTP secret was among them');
  }
  const lookup = await app.container.services.accounts.findAccountIdByPhone(`+86${phones[0]}`);
  t.ok(lookup, 'blind-index look-ups still work after the key rotation');
  const oldApp = app.container.services.accounts;
  await t.rejects(oldApp.getAccount(lookup as string), 'the old keyring alone can no longer read the rows');
});
