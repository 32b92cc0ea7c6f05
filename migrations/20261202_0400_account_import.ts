// Importing accounts from the platform this provider replaces: which legacy account became which
// account (a re-run skips it), and per input file the last line whose batch committed (--resume).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imported_accounts')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('legacy_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'uuid', (c) => c.notNull().unique().references('accounts.id').onDelete('cascade'))
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('imported_accounts_pk', ['platform', 'legacy_id'])
    .execute();

  await db.schema
    .createTable('import_checkpoints')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('line', 'bigint', (c) => c.notNull())
    .addColumn('counts', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_checkpoints').execute();
  await db.schema.dropTable('imported_accounts').execute();
}
