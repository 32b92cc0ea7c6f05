// QR sign-in tickets: a short-lived, single-use ticket bound to one login interaction, scanned and
// confirmed by the signed-in 江苏智慧人社 app user, then consumed once by the waiting browser.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('qr_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('interaction_uid', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`state in ('pending', 'scanned', 'confirmed', 'cancelled', 'expired')`),
    )
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('qr_tickets_interaction_idx').on('qr_tickets').column('interaction_uid').execute();
  await db.schema.createIndex('qr_tickets_expires_idx').on('qr_tickets').column('expires_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('qr_tickets').execute();
}
