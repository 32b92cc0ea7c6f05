// Citizens: the account, its one document and one phone (encrypted, with blind indexes that make
// them unique), its password, and the proofs its identity level is computed from.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'disabled')`))
    .addColumn('level', 'text', (c) => c.notNull().defaultTo('registered').check(sql`level in ('registered', 'real_name', 'real_person')`))
    .addColumn('name_envelope', 'text')
    .addColumn('needs_phone', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('account_documents')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('cert_type', 'text', (c) => c.notNull())
    .addColumn('number_envelope', 'text', (c) => c.notNull())
    .addColumn('number_index', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('phones')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('phone_envelope', 'text', (c) => c.notNull())
    .addColumn('phone_index', 'text', (c) => c.notNull().unique())
    .addColumn('verified_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('password_credentials')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('identity_proofs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('registry_match', 'face_match', 'upstream_assertion')`))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('registered', 'real_name', 'real_person')`))
    .addColumn('adapter', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('identity_proofs_account_idx').on('identity_proofs').column('account_id').execute();

  await db.schema
    .createTable('upstream_links')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('upstream', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('upstream_links_pk', ['upstream', 'subject'])
    .execute();
  await db.schema.createIndex('upstream_links_account_idx').on('upstream_links').column('account_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['upstream_links', 'identity_proofs', 'password_credentials', 'phones', 'account_documents', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
