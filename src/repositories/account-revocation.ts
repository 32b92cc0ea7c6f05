// SQL that takes things away from an account: its provider sessions and tokens (after a password
// reset or an ID takeover), its phone, upstream links and family bindings (takeover).

import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export const sessionModels = ['Session'] as const;
export const tokenModels = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant'] as const;

/** Deletes the account's oidc-provider rows of the given models; returns how many went. */
export async function deleteProviderRowsOfAccount(db: Kysely<DB>, accountId: string, models: readonly string[]): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('model', 'in', [...models])
    .where(sql<string>`payload->>'accountId'`, '=', accountId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deletePhoneOfAccount(trx: Transaction<DB>, accountId: string): Promise<void> {
  await trx.deleteFrom('phones').where('account_id', '=', accountId).execute();
}

/** Removes a phone from whichever account holds it; returns that account's id. */
export async function deletePhoneByIndex(trx: Transaction<DB>, phoneIndex: string): Promise<string | undefined> {
  const row = await trx.deleteFrom('phones').where('phone_index', '=', phoneIndex).returning('account_id').executeTakeFirst();
  return row?.account_id;
}

export async function upsertPhone(trx: Transaction<DB>, row: { accountId: string; phoneEnvelope: string; phoneIndex: string; now: Date }): Promise<void> {
  await trx
    .insertInto('phones')
    .values({ account_id: row.accountId, phone_envelope: row.phoneEnvelope, phone_index: row.phoneIndex, verified_at: row.now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ phone_envelope: row.phoneEnvelope, phone_index: row.phoneIndex, verified_at: row.now }))
    .execute();
}

export async function deleteUpstreamLinksOfAccount(trx: Transaction<DB>, accountId: string): Promise<number> {
  const result = await trx.deleteFrom('upstream_links').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteFamilyBindingsOfBinder(trx: Transaction<DB>, accountId: string): Promise<number> {
  const result = await trx.deleteFrom('family_bindings').where('binder_account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes the binding of this member (blind index); returns the binder's account id. */
export async function deleteFamilyBindingByMember(trx: Transaction<DB>, memberIndex: string): Promise<string | undefined> {
  const row = await trx.deleteFrom('family_bindings').where('member_number_index', '=', memberIndex).returning('binder_account_id').executeTakeFirst();
  return row?.binder_account_id;
}

export async function setNeedsPhone(trx: Transaction<DB>, accountId: string, needsPhone: boolean, now: Date): Promise<void> {
  await trx.updateTable('accounts').set({ needs_phone: needsPhone, updated_at: now }).where('id', '=', accountId).execute();
}
