// SQL for links between an upstream identity (电子社保卡, 江苏政务, 支付宝: upstream + subject) and the
// one account it signs in to, plus the row counts tests use to prove nothing half-made stays behind.

import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export interface UpstreamLinkRow {
  accountId: string;
  upstream: string;
  subject: string;
  createdAt: Date;
}

export async function findUpstreamLink(db: Kysely<DB>, upstream: string, subject: string): Promise<UpstreamLinkRow | undefined> {
  const row = await db
    .selectFrom('upstream_links')
    .select(['account_id', 'upstream', 'subject', 'created_at'])
    .where('upstream', '=', upstream)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return row && { accountId: row.account_id, upstream: row.upstream, subject: row.subject, createdAt: row.created_at };
}

/** Inserts the link; a concurrent insert of the same (upstream, subject) raises a unique violation. */
export async function insertUpstreamLinkRow(trx: Transaction<DB>, row: { accountId: string; upstream: string; subject: string; now: Date }): Promise<void> {
  await trx
    .insertInto('upstream_links')
    .values({ account_id: row.accountId, upstream: row.upstream, subject: row.subject, created_at: row.now })
    .execute();
}
