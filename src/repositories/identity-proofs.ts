// SQL for identity proofs: append-only evidence (registry match, face match, upstream assertion),
// each naming the identity it proved; an account's level is computed from those of its identity.

import type { Kysely, Transaction } from 'kysely';
import type { DB, IdentityLevelColumn, IdentityProofsTable } from '../db/schema.js';

export type ProofKindColumn = IdentityProofsTable['kind'];

export interface ProofRow {
  kind: ProofKindColumn;
  level: IdentityLevelColumn;
  adapter: string;
  reference: string | null;
  identityKey: string | null;
  createdAt: Date;
}

export async function insertIdentityProof(
  trx: Transaction<DB>,
  row: { id: string; accountId: string; kind: ProofKindColumn; level: IdentityLevelColumn; adapter: string; reference: string | null; identityKey: string; now: Date },
): Promise<void> {
  await trx
    .insertInto('identity_proofs')
    .values({
      id: row.id,
      account_id: row.accountId,
      kind: row.kind,
      level: row.level,
      adapter: row.adapter,
      reference: row.reference,
      identity_key: row.identityKey,
      created_at: row.now,
    })
    .execute();
}

/** Oldest first. */
export async function listIdentityProofs(db: Kysely<DB>, accountId: string): Promise<ProofRow[]> {
  const rows = await db
    .selectFrom('identity_proofs')
    .select(['kind', 'level', 'adapter', 'reference', 'identity_key', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ kind: r.kind, level: r.level, adapter: r.adapter, reference: r.reference, identityKey: r.identity_key, createdAt: r.created_at }));
}

/** Up to `limit` accounts that still have proofs without an identity key (older than the rule). */
export async function listAccountsWithUnkeyedProofs(db: Kysely<DB>, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('identity_proofs').select('account_id').distinct().where('identity_key', 'is', null).limit(limit).execute();
  return rows.map((r) => r.account_id);
}

/** Binds the account's unkeyed proofs to `identityKey` (the identity the account holds now). */
export async function keyUnkeyedProofs(trx: Transaction<DB>, accountId: string, identityKey: string): Promise<void> {
  await trx.updateTable('identity_proofs').set({ identity_key: identityKey }).where('account_id', '=', accountId).where('identity_key', 'is', null).execute();
}
