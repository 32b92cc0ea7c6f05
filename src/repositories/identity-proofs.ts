// SQL for identity proofs: append-only evidence (registry match, face match, upstream assertion)
// from which an account's identity level is computed.

import type { Kysely, Transaction } from 'kysely';
import type { DB, IdentityLevelColumn, IdentityProofsTable } from '../db/schema.js';

export type ProofKindColumn = IdentityProofsTable['kind'];

export interface ProofRow {
  kind: ProofKindColumn;
  level: IdentityLevelColumn;
  adapter: string;
  reference: string | null;
  createdAt: Date;
}

export async function insertIdentityProof(
  trx: Transaction<DB>,
  row: { id: string; accountId: string; kind: ProofKindColumn; level: IdentityLevelColumn; adapter: string; reference: string | null; now: Date },
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
      created_at: row.now,
    })
    .execute();
}

/** Oldest first. */
export async function listIdentityProofs(db: Kysely<DB>, accountId: string): Promise<ProofRow[]> {
  const rows = await db
    .selectFrom('identity_proofs')
    .select(['kind', 'level', 'adapter', 'reference', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ kind: r.kind, level: r.level, adapter: r.adapter, reference: r.reference, createdAt: r.created_at }));
}
