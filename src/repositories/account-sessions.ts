// SQL for the user centre's own sessions (/account): one row per signed-in browser, keyed by the
// SHA-256 of the cookie value (the value itself is never stored).

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface AccountSessionRow {
  idHash: string;
  accountId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

type Row = DB['account_sessions'];
const toRow = (r: { id_hash: string; account_id: string; created_at: Date; last_seen_at: Date; expires_at: Date; ip: string | null; user_agent: string | null }): AccountSessionRow => ({
  idHash: r.id_hash,
  accountId: r.account_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
});
const columns = ['id_hash', 'account_id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'] as const satisfies ReadonlyArray<keyof Row>;

export async function insertAccountSession(db: Kysely<DB>, row: AccountSessionRow): Promise<void> {
  await db
    .insertInto('account_sessions')
    .values({
      id_hash: row.idHash,
      account_id: row.accountId,
      created_at: row.createdAt,
      last_seen_at: row.lastSeenAt,
      expires_at: row.expiresAt,
      ip: row.ip,
      user_agent: row.userAgent,
    })
    .execute();
}

/** The session if it has not expired at `now`. */
export async function findLiveAccountSession(db: Kysely<DB>, idHash: string, now: Date): Promise<AccountSessionRow | undefined> {
  const row = await db.selectFrom('account_sessions').select(columns).where('id_hash', '=', idHash).where('expires_at', '>', now).executeTakeFirst();
  return row && toRow(row);
}

export async function touchAccountSession(db: Kysely<DB>, idHash: string, now: Date, expiresAt: Date): Promise<void> {
  await db.updateTable('account_sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
}

export async function listLiveAccountSessions(db: Kysely<DB>, accountId: string, now: Date): Promise<AccountSessionRow[]> {
  const rows = await db
    .selectFrom('account_sessions')
    .select(columns)
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .limit(50)
    .execute();
  return rows.map(toRow);
}

/** Deletes the session when it belongs to `accountId`; returns whether one went. */
export async function deleteAccountSession(db: Kysely<DB>, idHash: string, accountId: string): Promise<boolean> {
  const result = await db.deleteFrom('account_sessions').where('id_hash', '=', idHash).where('account_id', '=', accountId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteExpiredAccountSessions(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('account_sessions').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
