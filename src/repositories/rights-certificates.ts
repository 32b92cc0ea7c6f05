// SQL for 我的权益单 certificates: insert one, find one by the hash of its code, and the
// housekeeping delete of rows whose expiry is long past (bounded batches).

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface RightsCertificateRow {
  codeHash: string;
  accountId: string;
  issuedAt: Date;
  expiresAt: Date;
  maskedName: string;
  digest: string;
  withAmounts: boolean;
}

export async function insertRightsCertificate(db: Kysely<DB>, row: RightsCertificateRow): Promise<void> {
  await db
    .insertInto('rights_certificates')
    .values({
      code_hash: row.codeHash,
      account_id: row.accountId,
      issued_at: row.issuedAt,
      expires_at: row.expiresAt,
      masked_name: row.maskedName,
      digest: row.digest,
      with_amounts: row.withAmounts,
      created_at: row.issuedAt,
    })
    .execute();
}

export async function findRightsCertificate(db: Kysely<DB>, codeHash: string): Promise<RightsCertificateRow | undefined> {
  const r = await db
    .selectFrom('rights_certificates')
    .select(['code_hash', 'account_id', 'issued_at', 'expires_at', 'masked_name', 'digest', 'with_amounts'])
    .where('code_hash', '=', codeHash)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    codeHash: r.code_hash,
    accountId: r.account_id,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    maskedName: r.masked_name,
    digest: r.digest,
    withAmounts: r.with_amounts,
  };
}

/** Deletes at most `limit` certificates that expired before `before`; returns how many went. */
export async function deleteRightsCertificatesExpiredBefore(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const doomed = db.selectFrom('rights_certificates').select('code_hash').where('expires_at', '<', before).limit(limit);
  const result = await db.deleteFrom('rights_certificates').where('code_hash', 'in', doomed).executeTakeFirst();
  return Number(result.numDeletedRows);
}
