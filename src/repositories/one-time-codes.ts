// SQL for one-time codes (only their HMAC is stored): create (voiding older live codes), try a code
// (count the attempt and consume on a match, one conditional update), and read the newest code's state.
// SQL text, not built by Kysely: every SMS send and check runs these (its builder's CPU).

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

/** The id of the newest code for purpose+target, as a subquery; among equal times a live one wins over a void one. */
function newestCodeId(purpose: string, targetIndex: string) {
  return sql`(select id from one_time_codes where purpose = ${purpose} and target_index = ${targetIndex}
               order by created_at desc, consumed_at is null desc, id desc limit 1)`;
}

/** Voids (marks consumed) the live codes for the code's purpose+target and stores the new one: one statement. */
export async function replaceLiveCode(db: Kysely<DB>, code: NewOneTimeCode): Promise<void> {
  await sql`
    with voided as (
      update one_time_codes set consumed_at = ${code.createdAt}
       where purpose = ${code.purpose} and target_index = ${code.targetIndex} and consumed_at is null
      returning id
    )
    insert into one_time_codes (id, purpose, target_index, code_hash, attempts, max_attempts, expires_at, created_at)
    values (${code.id}, ${code.purpose}, ${code.targetIndex}, ${code.codeHash}, 0, ${code.maxAttempts}, ${code.expiresAt}, ${code.createdAt})`.execute(db);
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
  const { rows } = await sql<{ consumed: boolean }>`
    update one_time_codes
       set attempts = attempts + 1, consumed_at = case when code_hash = ${codeHash} then ${now}::timestamptz end
     where id = ${newestCodeId(purpose, targetIndex)}
       and consumed_at is null and expires_at > ${now}::timestamptz and attempts < max_attempts
    returning consumed_at is not null as consumed`.execute(db);
  const row = rows[0];
  return { counted: row !== undefined, consumed: row?.consumed === true };
}

/** The state of the newest code for purpose+target (to explain a refused attempt), if any. */
export async function findNewestCode(db: Kysely<DB>, purpose: string, targetIndex: string): Promise<OneTimeCodeState | undefined> {
  const { rows } = await sql<OneTimeCodeState>`
    select id, attempts, max_attempts, expires_at, consumed_at from one_time_codes where id = ${newestCodeId(purpose, targetIndex)}`.execute(db);
  return rows[0];
}

/** Removes codes that expired before `before` (housekeeping); returns how many. */
export async function deleteExpiredCodes(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('one_time_codes').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
