// SQL for sign-in failure counters (lockout): one row per key, counted by one atomic upsert so
// parallel failures on any number of nodes lock at exactly the configured count.

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface LoginFailureState {
  failures: number;
  lockedUntil: Date | null;
}

export async function findLoginFailure(db: Kysely<DB>, key: string): Promise<LoginFailureState | undefined> {
  const row = await db.selectFrom('login_failures').select(['failures', 'locked_until']).where('key', '=', key).executeTakeFirst();
  return row && { failures: row.failures, lockedUntil: row.locked_until };
}

/**
 * Counts one failure in a single statement. A lapsed lock (locked_until <= now) starts the count
 * afresh at 1; an unlocked row whose count reaches `maxFailures` gets exactly `maxFailures` and
 * `locked_until = lockUntil`; a locked row keeps its lock and counts on (above `maxFailures`).
 * So the one call that engages a lock is the one that returns failures == maxFailures, locked.
 */
export async function recordLoginFailure(
  db: Kysely<DB>,
  params: { key: string; now: Date; lockUntil: Date; maxFailures: number },
): Promise<LoginFailureState> {
  const { key, now, lockUntil, maxFailures } = params;
  const firstLock = maxFailures <= 1 ? lockUntil : null;
  const nowTs = sql`${now}::timestamptz`;
  const max = sql`${maxFailures}::integer`;
  const lapsed = sql`login_failures.locked_until is not null and login_failures.locked_until <= ${nowTs}`;
  const unlockedReaching = sql`login_failures.locked_until is null and login_failures.failures + 1 >= ${max}`;
  const row = await db
    .insertInto('login_failures')
    .values({ key, failures: 1, locked_until: firstLock, updated_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when ${lapsed} then 1 when ${unlockedReaching} then ${max} else login_failures.failures + 1 end`,
        locked_until: sql<Date | null>`case
          when ${lapsed} then ${firstLock}::timestamptz
          when ${unlockedReaching} then ${lockUntil}::timestamptz
          else login_failures.locked_until end`,
        updated_at: now,
      }),
    )
    .returning(['failures', 'locked_until'])
    .executeTakeFirstOrThrow();
  return { failures: row.failures, lockedUntil: row.locked_until };
}

export async function deleteLoginFailure(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}
