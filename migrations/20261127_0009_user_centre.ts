// The user centre (/account): its own sign-in sessions (only a hash of the cookie value is kept),
// family numbers bound by an account (encrypted, blind index unique across all binders), favourite
// services, and an index to find an account's grants and provider sessions in oidc_payloads.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('account_sessions_account_idx').on('account_sessions').column('account_id').execute();
  await db.schema.createIndex('account_sessions_expires_idx').on('account_sessions').column('expires_at').execute();

  await db.schema
    .createTable('family_bindings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('binder_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('member_cert_type', 'text', (c) => c.notNull())
    .addColumn('member_number_envelope', 'text', (c) => c.notNull())
    .addColumn('member_number_index', 'text', (c) => c.notNull().unique())
    .addColumn('member_name_envelope', 'text', (c) => c.notNull())
    .addColumn('relation', 'text', (c) => c.notNull().check(sql`relation in ('parent', 'spouse', 'child', 'other')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('family_bindings_binder_idx').on('family_bindings').column('binder_account_id').execute();

  await db.schema
    .createTable('favourites')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('favourites_pk', ['account_id', 'client_id'])
    .execute();

  await sql`create index oidc_payloads_account_idx on oidc_payloads ((payload->>'accountId')) where model in ('Grant', 'Session')`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists oidc_payloads_account_idx`.execute(db);
  for (const table of ['favourites', 'family_bindings', 'account_sessions']) await db.schema.dropTable(table).execute();
}
