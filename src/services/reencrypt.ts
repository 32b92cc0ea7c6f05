// Re-encrypts every stored envelope (names, document and phone numbers, family members, client
// secrets, private keys) under the current key and algorithm, in batches, while the service runs.
// Resumable: each pass picks only rows still under an old key or algorithm, and each row is
// updated only if its envelope is unchanged since it was read.

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { PiiCipher } from './crypto/index.js';

interface Column {
  table: string;
  key: string;
  column: string;
  aad: (key: string) => string;
}

/** Every encrypted column and the AAD it was sealed with. */
export const encryptedColumns: readonly Column[] = [
  { table: 'accounts', key: 'id', column: 'name_envelope', aad: (id) => `accounts.name:${id}` },
  { table: 'account_documents', key: 'account_id', column: 'number_envelope', aad: (id) => `account_documents.number:${id}` },
  { table: 'phones', key: 'account_id', column: 'phone_envelope', aad: (id) => `phones.phone:${id}` },
  { table: 'family_bindings', key: 'id', column: 'member_number_envelope', aad: (id) => `family_bindings.number:${id}` },
  { table: 'family_bindings', key: 'id', column: 'member_name_envelope', aad: (id) => `family_bindings.name:${id}` },
  { table: 'clients', key: 'client_id', column: 'secret_envelope', aad: (id) => `clients.secret:${id}` },
  { table: 'signing_keys', key: 'kid', column: 'private_envelope', aad: (id) => `signing_keys.private:${id}` },
  // staff TOTP secrets (src/console/staff.ts totpAad)
  { table: 'staff_accounts', key: 'id', column: 'totp_envelope', aad: (id) => `staff_accounts.totp:${id}` },
];

export interface ReencryptProgress {
  table: string;
  column: string;
  scanned: number;
  reencrypted: number;
}

/** Re-encrypts one column; `onBatch` reports progress after each batch. */
async function reencryptColumn(db: Kysely<DB>, cipher: PiiCipher, col: Column, batchSize: number): Promise<ReencryptProgress> {
  const progress: ReencryptProgress = { table: col.table, column: col.column, scanned: 0, reencrypted: 0 };
  let after = '';
  for (;;) {
    const rows = await sql<{ k: string; v: string | null }>`
      select ${sql.ref(col.key)}::text as k, ${sql.ref(col.column)} as v from ${sql.table(col.table)}
      where ${sql.ref(col.key)}::text > ${after} order by ${sql.ref(col.key)}::text limit ${batchSize}
    `.execute(db);
    if (rows.rows.length === 0) return progress;
    for (const row of rows.rows) {
      progress.scanned += 1;
      if (!row.v || !cipher.needsReencryption(row.v)) continue;
      const fresh = cipher.encrypt(cipher.decrypt(row.v, col.aad(row.k)), col.aad(row.k));
      const updated = await sql`
        update ${sql.table(col.table)} set ${sql.ref(col.column)} = ${fresh}
        where ${sql.ref(col.key)}::text = ${row.k} and ${sql.ref(col.column)} = ${row.v}
      `.execute(db);
      if (Number(updated.numAffectedRows ?? 0n) > 0) progress.reencrypted += 1;
    }
    after = rows.rows[rows.rows.length - 1]?.k ?? after;
  }
}

export async function reencryptAll(db: Kysely<DB>, cipher: PiiCipher, options: { batchSize: number; onColumn?: (p: ReencryptProgress) => void }): Promise<ReencryptProgress[]> {
  const report: ReencryptProgress[] = [];
  for (const col of encryptedColumns) {
    const progress = await reencryptColumn(db, cipher, col, options.batchSize);
    options.onColumn?.(progress);
    report.push(progress);
  }
  return report;
}
