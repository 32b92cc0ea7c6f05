// Every identity proof names the identity it proved (a keyed digest of certificate type, document
// number and name), and an account's level is computed from the proofs of its current identity
// only, so the stored per-account level column goes. Rows from before carry no digest yet: the
// start-up job src/jobs/bind-unkeyed-proofs.ts binds them to the identity their account holds then.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('identity_proofs').addColumn('identity_key', 'text').execute();
  await sql`create index identity_proofs_unkeyed_idx on identity_proofs (account_id) where identity_key is null`.execute(db);
  await db.schema.alterTable('accounts').dropColumn('level').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('level', 'text', (c) => c.notNull().defaultTo('registered')).execute();
  await db.schema.dropIndex('identity_proofs_unkeyed_idx').execute();
  await db.schema.alterTable('identity_proofs').dropColumn('identity_key').execute();
}
