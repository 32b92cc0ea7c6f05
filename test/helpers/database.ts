// A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is
// set, otherwise an embedded PostgreSQL in a scratch directory; both copied from a migrated
// template (helpers/database-template.ts) and dropped afterwards.

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { copyPgliteTemplate, createFromPostgresTemplate, withAdminClient as admin } from './database-template.js';

export const testDatabaseUrl = process.env.DATABASE_URL || undefined;
export const engineName = testDatabaseUrl ? 'postgres' : 'pglite';

export interface TestDatabase {
  database: Database;
  /** The URL of the fresh database (PostgreSQL only), e.g. for a second process. */
  url: string | undefined;
  /** Opens another connection to the same data (a "restart"); PostgreSQL only. */
  reopen(): Promise<Database>;
  drop(): Promise<void>;
}

/** The database `name` next to `baseUrl`'s: its URL and how to drop it. */
function postgresDatabase(baseUrl: string, name: string): { url: string; drop(): Promise<void> } {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(baseUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** Creates an empty database named jsrs_t_<random> next to DATABASE_URL's; returns its URL. */
export async function createEmptyPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `jsrs_t_${randomBytes(6).toString('hex')}`;
  await admin(baseUrl, (c) => c.query(`create database ${name}`));
  return postgresDatabase(baseUrl, name);
}

/** Like createEmptyPostgresDatabase, migrated: a copy of the migrated template. */
async function createMigratedPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `jsrs_t_${randomBytes(6).toString('hex')}`;
  await createFromPostgresTemplate(baseUrl, name);
  return postgresDatabase(baseUrl, name);
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!testDatabaseUrl) {
    const dataDir = await copyPgliteTemplate();
    const database = await connectDatabase({ dataDir });
    return {
      database,
      url: undefined,
      reopen: () => Promise.reject(new Error('the embedded engine has one connection and cannot be reopened')),
      drop: async () => {
        try {
          await database.close();
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  }
  const fresh = await createMigratedPostgresDatabase(testDatabaseUrl);
  const database = await connectDatabase({ databaseUrl: fresh.url, dataDir: 'unused', poolMax: 5 });
  const opened: Database[] = [database];
  return {
    database,
    url: fresh.url,
    reopen: async () => {
      const again = await connectDatabase({ databaseUrl: fresh.url, dataDir: 'unused', poolMax: 5 });
      opened.push(again);
      return again;
    },
    drop: async () => {
      for (const db of opened) await db.close().catch(() => undefined);
      await fresh.drop();
    },
  };
}
