// SQL for sign-in lockout counters: one row per key. An attempt is counted by one atomic upsert
// BEFORE its password is checked, so parallel attempts on any number of nodes never get more than
// the configured number of checks between two successes, and none at all once the key is locked.

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface AttemptReservation {
  /** True when this attempt may check its password: it holds slot `slot` (1 … maxFailures). */
  granted: boolean;
  /** The row's count after this call: the attempt's slot when granted; above maxFailures when refused. */
  slot: number;
  /** Set while the key is locked, including by this very reservation when it took the last slot. */
  lockedUntil: Date | null;
}

/**
 * Reserves one attempt slot in a single statement and says whether the key was already locked:
 * - locked (locked_until > now): refused; the count moves above `maxFailures` (never a slot), the lock is kept;
 * - lapsed lock (locked_until <= now): counting starts afresh at slot 1;
 * - otherwise: the next slot; the slot that reaches `maxFailures` engages the lock (`lockUntil`)
 *   at once, so every later attempt is refused while that last check runs.
 * Granted ⇔ the returned count is at most `maxFailures`.
 */
export async function reserveLoginAttempt(
  db: Kysely<DB>,
  params: { key: string; now: Date; lockUntil: Date; maxFailures: number },
): Promise<AttemptReservation> {
  const { key, now, lockUntil, maxFailures } = params;
  const firstLock = maxFailures <= 1 ? lockUntil : null;
  const nowTs = sql`${now}::timestamptz`;
  const max = sql`${maxFailures}::integer`;
  const locked = sql`login_failures.locked_until is not null and login_failures.locked_until > ${nowTs}`;
  const lapsed = sql`login_failures.locked_until is not null`; // checked after `locked`
  const row = await db
    .insertInto('login_failures')
    .values({ key, failures: 1, locked_until: firstLock, updated_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case
          when ${locked} then greatest(login_failures.failures, ${max}) + 1
          when ${lapsed} then 1
          else login_failures.failures + 1 end`,
        locked_until: sql<Date | null>`case
          when ${locked} then login_failures.locked_until
          when ${lapsed} then ${firstLock}::timestamptz
          when login_failures.failures + 1 >= ${max} then ${lockUntil}::timestamptz
          else null end`,
        updated_at: now,
      }),
    )
    .returning(['failures', 'locked_until'])
    .executeTakeFirstOrThrow();
  return { granted: row.failures <= maxFailures, slot: row.failures, lockedUntil: row.locked_until };
}

/**
 * After a successful check in slot `slot`: forgets the attempts counted up to it. When nothing was
 * counted after it the row goes (count and any lock it engaged); otherwise the later attempts stay
 * counted and a lock engaged meanwhile stays.
 */
export async function releaseLoginAttempt(db: Kysely<DB>, key: string, slot: number): Promise<void> {
  const deleted = await db.deleteFrom('login_failures').where('key', '=', key).where('failures', '<=', slot).executeTakeFirst();
  if (Number(deleted.numDeletedRows) > 0) return;
  await db
    .updateTable('login_failures')
    .set({ failures: sql<number>`greatest(login_failures.failures - ${slot}::integer, 0)` })
    .where('key', '=', key)
    .execute();
}

export async function deleteLoginFailure(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}
