// Retention of the 好差评 webhook outbox: delivered rows are purged by the 办件 job once older than
// cases.outboxRetentionDays; this partial index finds them by delivery time (undelivered rows, whose
// delivered_at is null, are not in it and are never purged).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('case_rating_outbox_delivered_idx')
    .on('case_rating_outbox')
    .column('delivered_at')
    .where(sql.ref('delivered_at'), 'is not', null)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('case_rating_outbox_delivered_idx').execute();
}
