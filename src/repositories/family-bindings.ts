// SQL for family numbers (亲情号): members an account bound by document, stored encrypted with a
// blind index that is unique across every binder. Values arrive already encrypted.

import type { Kysely, Transaction } from 'kysely';
import type { DB, FamilyBindingsTable } from '../db/schema.js';
import { orDuplicate } from './duplicates.js';

export type FamilyRelation = FamilyBindingsTable['relation'];

export interface FamilyBindingRow {
  id: string;
  binderAccountId: string;
  memberCertType: string;
  memberNumberEnvelope: string;
  memberNameEnvelope: string;
  relation: FamilyRelation;
  createdAt: Date;
}

/** Throws DuplicateError when the member's number is bound already (by anyone). */
export async function insertFamilyBinding(trx: Transaction<DB>, row: FamilyBindingRow & { memberNumberIndex: string }): Promise<void> {
  await orDuplicate(() => trx
    .insertInto('family_bindings')
    .values({
      id: row.id,
      binder_account_id: row.binderAccountId,
      member_cert_type: row.memberCertType,
      member_number_envelope: row.memberNumberEnvelope,
      member_number_index: row.memberNumberIndex,
      member_name_envelope: row.memberNameEnvelope,
      relation: row.relation,
      created_at: row.createdAt,
    })
    .execute());
}

export async function listFamilyBindings(db: Kysely<DB>, binderAccountId: string): Promise<FamilyBindingRow[]> {
  const rows = await db
    .selectFrom('family_bindings')
    .select(['id', 'binder_account_id', 'member_cert_type', 'member_number_envelope', 'member_name_envelope', 'relation', 'created_at'])
    .where('binder_account_id', '=', binderAccountId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    binderAccountId: r.binder_account_id,
    memberCertType: r.member_cert_type,
    memberNumberEnvelope: r.member_number_envelope,
    memberNameEnvelope: r.member_name_envelope,
    relation: r.relation,
    createdAt: r.created_at,
  }));
}

export async function countFamilyBindings(trx: Transaction<DB>, binderAccountId: string): Promise<number> {
  const row = await trx
    .selectFrom('family_bindings')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('binder_account_id', '=', binderAccountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whether any of the blind indexes is bound by some account. */
export async function familyIndexBound(db: Kysely<DB>, indexes: readonly string[]): Promise<boolean> {
  if (indexes.length === 0) return false;
  const row = await db.selectFrom('family_bindings').select('id').where('member_number_index', 'in', indexes).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Deletes the binding when it belongs to `binderAccountId`; returns the removed row's cert type, or undefined. */
export async function deleteFamilyBinding(db: Kysely<DB>, id: string, binderAccountId: string): Promise<{ relation: FamilyRelation; memberNumberEnvelope: string } | undefined> {
  return db
    .deleteFrom('family_bindings')
    .where('id', '=', id)
    .where('binder_account_id', '=', binderAccountId)
    .returning(['relation', 'member_number_envelope as memberNumberEnvelope'])
    .executeTakeFirst();
}
