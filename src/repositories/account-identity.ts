// SQL for changing who an account says it is: its document (number encrypted, blind index unique)
// and its name. Used by the real-name correction and 账号关联; runs inside the caller's transaction.

import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/** The document blind index an account holds, if it has a document. */
export async function findAccountDocumentIndex(trx: Transaction<DB>, accountId: string): Promise<string | undefined> {
  const row = await trx.selectFrom('account_documents').select('number_index').where('account_id', '=', accountId).executeTakeFirst();
  return row?.number_index;
}

export async function replaceAccountDocument(
  trx: Transaction<DB>,
  row: { accountId: string; certType: string; numberEnvelope: string; numberIndex: string; now: Date },
): Promise<void> {
  await trx
    .insertInto('account_documents')
    .values({ account_id: row.accountId, cert_type: row.certType, number_envelope: row.numberEnvelope, number_index: row.numberIndex, created_at: row.now })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({ cert_type: row.certType, number_envelope: row.numberEnvelope, number_index: row.numberIndex, created_at: row.now }),
    )
    .execute();
}

export async function updateAccountName(trx: Transaction<DB>, accountId: string, nameEnvelope: string, now: Date): Promise<void> {
  await trx.updateTable('accounts').set({ name_envelope: nameEnvelope, updated_at: now }).where('id', '=', accountId).execute();
}
