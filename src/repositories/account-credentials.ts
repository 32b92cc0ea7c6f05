// SQL for password credentials: one bcrypt hash per account, read together with the account's
// status so a sign-in needs one round trip.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AccountStatus } from './accounts.js';

export async function findPasswordHash(
  db: Kysely<DB>,
  accountId: string,
): Promise<{ hash: string; status: AccountStatus } | undefined> {
  return db
    .selectFrom('password_credentials')
    .innerJoin('accounts', 'accounts.id', 'password_credentials.account_id')
    .select(['password_credentials.hash', 'accounts.status'])
    .where('password_credentials.account_id', '=', accountId)
    .executeTakeFirst();
}

/** Inserts or replaces the account's hash. */
export async function upsertPasswordHash(db: Kysely<DB>, accountId: string, hash: string, now: Date): Promise<void> {
  await db
    .insertInto('password_credentials')
    .values({ account_id: accountId, hash, updated_at: now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ hash, updated_at: now }))
    .execute();
}

/** Replaces the hash only while it is still `expected` (a rehash never overwrites a concurrent change); true when replaced. */
export async function replacePasswordHashIfUnchanged(db: Kysely<DB>, accountId: string, expected: string, hash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('password_credentials')
    .set({ hash, updated_at: now })
    .where('account_id', '=', accountId)
    .where('hash', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
