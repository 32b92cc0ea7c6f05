// SQL for rate-limit buckets (one row per bucket: count and the end of its window). Locking reads
// and writes take a Transaction only; the rate-limiter service decides and owns the transaction.

import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export interface BucketRow {
  bucket: string;
  count: number;
  reset_at: Date;
}

/** Inserts the buckets that do not exist yet as already expired (count 0, reset_at = now), in name order. */
export async function insertMissingBuckets(trx: Transaction<DB>, buckets: readonly string[], now: Date): Promise<void> {
  if (buckets.length === 0) return;
  const rows = [...buckets].sort().map((bucket) => ({ bucket, count: 0, reset_at: now }));
  await trx
    .insertInto('rate_limits')
    .values(rows)
    .onConflict((oc) => oc.column('bucket').doNothing())
    .execute();
}

/** Locks the buckets `for update` in name order (one lock order everywhere: no deadlocks). */
export async function lockBuckets(trx: Transaction<DB>, buckets: readonly string[]): Promise<BucketRow[]> {
  if (buckets.length === 0) return [];
  return trx
    .selectFrom('rate_limits')
    .select(['bucket', 'count', 'reset_at'])
    .where('bucket', 'in', [...buckets])
    .orderBy('bucket')
    .forUpdate()
    .execute();
}

/** Stores a locked bucket's new count and window end. */
export async function saveBucket(trx: Transaction<DB>, row: BucketRow): Promise<void> {
  await trx
    .updateTable('rate_limits')
    .set({ count: row.count, reset_at: row.reset_at })
    .where('bucket', '=', row.bucket)
    .execute();
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
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket, count: 1, reset_at: windowEnd })
    .onConflict((oc) =>
      oc.column('bucket').doUpdateSet((eb) => ({
        count: eb.case().when('rate_limits.reset_at', '<=', now).then(1).else(eb('rate_limits.count', '+', 1)).end(),
        reset_at: eb.case().when('rate_limits.reset_at', '<=', now).then(windowEnd).else(eb.ref('rate_limits.reset_at')).end(),
      })),
    )
    .returning(['count', 'reset_at'])
    .executeTakeFirstOrThrow();
  return { count: row.count, resetAt: row.reset_at };
}
