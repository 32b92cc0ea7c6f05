// src/db/: database connection (pg or PGlite), schema types, migrations and the migrator; imports log/ and src/paths.ts only.
// Opens Kysely<DB> on PostgreSQL (DATABASE_URL, a pg Pool) or on the embedded PGlite under DATA_DIR,
// and counts queries (the benchmark's round trips per sign-in) through Kysely's log hook.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import { PreparingClient } from './prepared-client.js';
import { PGliteDialect } from './pglite-dialect.js';
import { acquireDataDirLock, type LockRole } from './data-dir-lock.js';
import type { DB } from './schema.js';

export type Engine = 'postgres' | 'pglite';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** Queries executed so far (successful and failed). */
  stats: { queries: number; errors: number };
  /** Resolves when a trivial query answers within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  /** Directory for the embedded engine; `memory://` keeps it in memory (tests). */
  dataDir: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  logger?: Logger;
  /** Named prepared statements (default on); off behind a pooler in transaction mode (PgBouncer). */
  preparedStatements?: boolean;
  /** Who opens an embedded data directory (named in the refusal another process gets); default server. */
  role?: LockRole;
}

export async function connectDatabase(options: ConnectOptions): Promise<Database> {
  const stats = { queries: 0, errors: 0 };
  const log = (event: LogEvent) => {
    stats.queries += 1;
    if (event.level === 'error') stats.errors += 1;
  };

  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      statement_timeout: options.statementTimeoutMs ?? 10000,
      idleTimeoutMillis: 30000,
      ...(options.preparedStatements === false ? {} : { Client: PreparingClient }),
    });
    // An idle client losing its server (database restart) must not crash the process.
    pool.on('error', (err) => options.logger?.warn({ err: err.message }, 'idle database connection lost'));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log });
    return withHelpers(db, 'postgres', stats);
  }

  const { PGlite } = await import('@electric-sql/pglite');
  let dataDir = options.dataDir;
  let lock: { release(): void } | undefined;
  if (!dataDir.startsWith('memory://')) {
    const base = resolve(dataDir);
    mkdirSync(base, { recursive: true });
    // One writer per directory: refuse (before touching the files) while another live process holds it.
    lock = acquireDataDirLock(base, options.role ?? 'server');
    dataDir = resolve(base, 'pglite');
    mkdirSync(dataDir, { recursive: true });
  }
  try {
    const pglite = await PGlite.create(dataDir);
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite), log });
    const database = withHelpers(db, 'pglite', stats);
    return {
      ...database,
      async close() {
        try {
          await database.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function withHelpers(db: Kysely<DB>, engine: Engine, stats: Database['stats']): Database {
  return {
    db,
    engine,
    stats,
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`.execute(db), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => db.destroy(),
  };
}
