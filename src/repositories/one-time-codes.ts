// SQL for one-time codes (only their HMAC is stored): create (voiding older live codes), try a code
// (count the attempt and consume on a match, one conditional update), and read the newest code's state.

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface NewOneTimeCode {
  id: string;
  purpose: string;
  targetIndex: string;
  codeHash: string;
  maxAttempts: number;
  expiresAt: Date;
  createdAt: Date;
}

export interface OneTimeCodeState {
  id: string;
  attempts: number;
  max_attempts: number;
  expires_at: Date;
  consumed_at: Date | null;
}

/** The id of the newest code for purpose+target; among equal times a live one wins over a void one. */
function newestCodeId(db: Kysely<DB>, purpose: string, targetIndex: string) {
  return db
    .selectFrom('one_time_codes')
    .select('id')
    .where('purpose', '=', purpose)
    .where('target_index', '=', targetIndex)
    .orderBy('created_at', 'desc')
    .orderBy(sql`consumed_at is null`, 'desc')
    .orderBy('id', 'desc')
    .limit(1);
}

/** Voids (marks consumed) the live codes for the code's purpose+target and stores the new one: one statement. */
export async function replaceLiveCode(db: Kysely<DB>, code: NewOneTimeCode): Promise<void> {
  await db
    .with('voided', (qb) =>
      qb
        .updateTable('one_time_codes')
        .set({ consumed_at: code.createdAt })
        .where('purpose', '=', code.purpose)
        .where('target_index', '=', code.targetIndex)
        .where('consumed_at', 'is', null)
        .returning('id'),
    )
    .insertInto('one_time_codes')
    .values({
      id: code.id,
      purpose: code.purpose,
      target_index: code.targetIndex,
      code_hash: code.codeHash,
      attempts: 0,
      max_attempts: code.maxAttempts,
      expires_at: code.expiresAt,
      created_at: code.createdAt,
    })
    .execute();
}

/**
 * One try against the newest code for purpose+target, in one conditional update: while it is
 * unconsumed, unexpired and below its max attempts, the attempt is counted and, when `codeHash`
 * matches, the code is consumed by the same statement. Answers whether a try was counted and
 * whether it consumed the code; a concurrent right guess that consumed it first leaves nothing to count.
 */
export async function tryCode(
  db: Kysely<DB>,
  purpose: string,
  targetIndex: string,
  codeHash: string,
  now: Date,
): Promise<{ counted: boolean; consumed: boolean }> {
  const row = await db
    .updateTable('one_time_codes')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      consumed_at: sql<Date | null>`case when code_hash = ${codeHash} then ${now}::timestamptz end`,
    }))
    .where('id', '=', newestCodeId(db, purpose, targetIndex))
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .whereRef('attempts', '<', 'max_attempts')
    .returning(sql<boolean>`consumed_at is not null`.as('consumed'))
    .executeTakeFirst();
  return { counted: row !== undefined, consumed: row?.consumed === true };
}

/** The state of the newest code for purpose+target (to explain a refused attempt), if any. */
export async function findNewestCode(db: Kysely<DB>, purpose: string, targetIndex: string): Promise<OneTimeCodeState | undefined> {
  return db
    .selectFrom('one_time_codes')
    .select(['id', 'attempts', 'max_attempts', 'expires_at', 'consumed_at'])
    .where('id', '=', newestCodeId(db, purpose, targetIndex))
    .executeTakeFirst();
}

/** Removes codes that expired before `before` (housekeeping); returns how many. */
export async function deleteExpiredCodes(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('one_time_codes').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
