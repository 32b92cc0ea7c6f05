// One migrated database per version of migrations/, built once and copied per test file: on
// PostgreSQL a template database (CREATE DATABASE … TEMPLATE, under an advisory lock, so parallel
// files build it once), on the embedded engine a data directory on tmpfs (built aside, then renamed into place, so it is
// complete whenever it exists).

import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { projectRoot } from '../../src/paths.js';

/** A hash of every migration file and of the ordered list that registers them. */
export function migrationsKey(): string {
  const hash = createHash('sha256');
  const dir = join(projectRoot, 'migrations');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  hash.update(readFileSync(join(projectRoot, 'src', 'db', 'migrations.ts')));
  const pglite = JSON.parse(readFileSync(join(projectRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  return hash.update(pglite.version).digest('hex').slice(0, 16);
}

export async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// Any fixed 64-bit number: the advisory lock every test process takes to build or copy the template.
const templateLock = 0x6a737273_7470;

/**
 * Creates the database `name` as a copy of the migrated template next to `baseUrl`'s database,
 * building the template first if this version of migrations/ has none yet.
 */
export async function createFromPostgresTemplate(baseUrl: string, name: string): Promise<void> {
  const template = `jsrs_tpl_${migrationsKey()}`;
  await withAdminClient(baseUrl, async (admin) => {
    await admin.query('select pg_advisory_lock($1)', [templateLock]);
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [template]);
      if (found.rowCount === 0) {
        // Built under another name and renamed when complete: a killed run leaves no half template.
        const building = `${template}_build`;
        await admin.query(`drop database if exists ${building} with (force)`);
        await admin.query(`create database ${building}`);
        const database = await connectDatabase({ databaseUrl: databaseUrl(baseUrl, building), dataDir: 'unused', poolMax: 1 });
        try {
          await migrateToLatest(database.db as never);
        } finally {
          await database.close();
        }
        await admin.query(`alter database ${building} rename to ${template}`);
      }
      await admin.query(`create database ${name} template ${template}`);
    } finally {
      await admin.query('select pg_advisory_unlock($1)', [templateLock]);
    }
  });
}

const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** A fresh copy of the migrated embedded data directory; returns its path (remove it when done). */
export async function copyPgliteTemplate(): Promise<string> {
  const template = join(scratch, `jsrs-test-pglite-${migrationsKey()}`);
  if (!existsSync(template)) {
    const building = mkdtempSync(`${template}.build-`);
    const database = await connectDatabase({ dataDir: building });
    try {
      await migrateToLatest(database.db as never);
    } finally {
      await database.close();
    }
    try {
      renameSync(building, template);
    } catch {
      // Another test file finished the same template first: use theirs.
      rmSync(building, { recursive: true, force: true });
    }
  }
  const copy = join(scratch, `jsrs-test-db-${randomBytes(6).toString('hex')}`);
  cpSync(template, copy, { recursive: true });
  return copy;
}
