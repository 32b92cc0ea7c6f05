// A relying party the system administrator disabled (issue 17): while disabled_at is set the client
// store answers "not found" to oidc-provider and the cases API; clearing it enables the client again.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('disabled_at', 'timestamptz').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('disabled_at').execute();
}
