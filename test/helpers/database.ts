// A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is
// set (dropped afterwards), otherwise an in-memory embedded PostgreSQL.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrator.js';

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

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named jsrs_t_<random> next to DATABASE_URL's; returns its URL. */
export async function createEmptyPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `jsrs_t_${randomBytes(6).toString('hex')}`;
  await admin(baseUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(baseUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!testDatabaseUrl) {
    const database = await connectDatabase({ dataDir: 'memory://' });
    await migrateToLatest(database.db as never);
    return {
      database,
      url: undefined,
      reopen: () => Promise.reject(new Error('the in-memory engine cannot be reopened')),
      drop: () => database.close(),
    };
  }
  const fresh = await createEmptyPostgresDatabase(testDatabaseUrl);
  const database = await connectDatabase({ databaseUrl: fresh.url, dataDir: 'unused', poolMax: 5 });
  await migrateToLatest(database.db as never);
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
