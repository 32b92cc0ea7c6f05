// Applies pending migrations (at start, from `npm run migrate`, and in tests); the same list serves
// PostgreSQL and the embedded engine. Concurrent starts are serialised by Kysely's migration lock.

import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Logger } from '../log/logger.js';
import { migrationProvider } from './migrations.js';

/** Migrates to the latest version; throws the first migration error. */
export async function migrateToLatest(db: Kysely<unknown>, logger?: Logger): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) logger?.info({ migration: name }, 'migration applied');
  const failed = (results ?? []).find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
  return applied;
}
