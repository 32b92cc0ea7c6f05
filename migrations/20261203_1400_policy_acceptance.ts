// Which version of 《隐私政策》 and 《个人证件信息处理规则》 each account agreed to, and when (issue 15):
// NULL for accounts that never saw them (created before this, from an upstream sign-in, or imported),
// so they are asked once at their next sign-in, as is everyone when the operator publishes a new version.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('policy_version', 'text').addColumn('policy_accepted_at', 'timestamptz').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('policy_version').dropColumn('policy_accepted_at').execute();
}
