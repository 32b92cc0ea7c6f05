// SQL for rate-limit buckets (one row per bucket: count and the end of its window): the
// all-or-nothing consume (a database function, see migration 0011), the single-bucket hit, purges.
// The consume and the hit run on sign-in paths: SQL text, not built by Kysely (its builder's CPU).

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Counts one use on every bucket, or on none when one is full (the `rate_limits_consume` function:
 * missing buckets created, all locked in name order, one round trip). Returns 0 when counted, else
 * the longest wait among the full buckets in whole seconds (at least 1).
 */
export async function consumeBuckets(
  db: Kysely<DB>,
  rules: ReadonlyArray<{ bucket: string; limit: number; windowSeconds: number }>,
  now: Date,
): Promise<number> {
  const { rows } = await sql<{ retry: number }>`
    select rate_limits_consume(
      ${rules.map((r) => r.bucket)}::text[],
      ${rules.map((r) => r.limit)}::integer[],
      ${rules.map((r) => r.windowSeconds)}::double precision[],
      ${now}::timestamptz
    ) as retry
  `.execute(db);
  return Number(rows[0]?.retry ?? 0);
}

export async function deleteBucket(db: Kysely<DB>, bucket: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('bucket', '=', bucket).execute();
}

/** Removes buckets whose window ended before `before` (housekeeping); returns how many. */
export async function deleteExpiredBuckets(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('rate_limits').where('reset_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Counts one hit on a single bucket in ONE statement (a fresh window when the old one ended);
 * returns the count after the hit and when the window resets. Hits past the limit still count.
 */
export async function hitBucket(db: Kysely<DB>, bucket: string, now: Date, windowEnd: Date): Promise<{ count: number; resetAt: Date }> {
  // SQL text, not built: every state-changing request runs it (the per-IP limit).
  const { rows } = await sql<{ count: number; reset_at: Date }>`
    insert into rate_limits (bucket, count, reset_at) values (${bucket}, 1, ${windowEnd}::timestamptz)
    on conflict (bucket) do update set
      count = case when rate_limits.reset_at <= ${now}::timestamptz then 1 else rate_limits.count + 1 end,
      reset_at = case when rate_limits.reset_at <= ${now}::timestamptz then ${windowEnd}::timestamptz else rate_limits.reset_at end
    returning count, reset_at`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('rate_limits: the upsert returned no row');
  return { count: row.count, resetAt: row.reset_at };
}
