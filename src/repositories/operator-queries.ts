// SQL the operators' tools read and change (src/console/operations.ts, used by the console and the
// CLI alike): lockout rows, all of an account's centre sessions, and the filtered audit trail.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface LockRow {
  key: string;
  failures: number;
  lockedUntil: Date | null;
  updatedAt: Date;
}

export async function findLockRow(db: Kysely<DB>, key: string): Promise<LockRow | undefined> {
  const r = await db.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
  return r ? { key: r.key, failures: r.failures, lockedUntil: r.locked_until, updatedAt: r.updated_at } : undefined;
}

/** Keys locked at `now`, newest lock first. */
export async function listLockedKeys(db: Kysely<DB>, now: Date, limit: number): Promise<LockRow[]> {
  const rows = await db.selectFrom('login_failures').selectAll().where('locked_until', '>', now).orderBy('updated_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({ key: r.key, failures: r.failures, lockedUntil: r.locked_until, updatedAt: r.updated_at }));
}

export async function deleteAccountSessionsOf(db: Kysely<DB>, accountId: string): Promise<number> {
  const result = await db.deleteFrom('account_sessions').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface AuditFilter {
  since: Date;
  until: Date;
  /** Matches subject or actor (an account id, or `staff:<id>`). */
  party?: string | undefined;
  /** Exact event name, or a prefix ending in `.` (`staff.`). */
  event?: string | undefined;
}

/** The audit trail in a time range, filtered, oldest first, page by page (keyset on at, id). */
export async function* readFilteredAuditEvents(db: Kysely<DB>, filter: AuditFilter, pageSize = 1000) {
  let after = filter.since;
  let afterId = '0';
  let first = true;
  for (;;) {
    let query = db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) =>
        first ? eb('at', '>=', after) : eb.or([eb('at', '>', after), eb.and([eb('at', '=', after), eb('id', '>', afterId)])]),
      )
      .where('at', '<', filter.until);
    if (filter.party) {
      const party = filter.party;
      query = query.where((eb) => eb.or([eb('subject', '=', party), eb('actor', '=', party)]));
    }
    if (filter.event) {
      query = filter.event.endsWith('.') ? query.where('event', 'like', `${filter.event.replace(/[%_\\]/g, '\\$&')}%`) : query.where('event', '=', filter.event);
    }
    const rows = await query.orderBy('at').orderBy('id').limit(pageSize).execute();
    for (const row of rows) yield row;
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    first = false;
    after = last.at;
    afterId = String(last.id);
  }
}
