// `npm run bench:import`: the account import measured on PostgreSQL (issue 18). Writes a synthetic
// export (valid resident IDs, mobiles, salted SHA-256 hashes, real-name evidence and upstream links
// on some rows) into a temp dir, imports it into a fresh database with the code `cli import accounts`
// runs, and prints accounts/s, the process RSS at 10,000 and at the end, and the database size per
// account. The database is dropped afterwards (also on failure).
//
// Options: --accounts=N (default 100000), --batch=N (default 1000), --keep-db,
//          --statements (time every SQL statement of the import, per 10,000-row window).
//          BENCH_ADMIN_URL: a PostgreSQL URL to create the database from
//          (default postgres://postgres@127.0.0.1:5432/test).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { connectDatabase } from '../src/db/connect.js';
import { createStatementTimer } from './lib/statement-timer.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { systemClock } from '../src/domain/clock.js';
import { parseDescriptor } from '../src/import/descriptor.js';
import { importAccounts } from '../src/import/import-accounts.js';
import { createBlindIndex, createKeyring, createPiiCipher } from '../src/services/crypto/index.js';
import { createIdentityLevels } from '../src/services/identity-levels.js';
import { descriptor as descriptorJson } from '../test/helpers/legacy-export.js';
import { writeLegacyExport } from './lib/legacy-export.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return raw ? Number(raw) : fallback;
};
const total = option('accounts', 100_000);
const batchSize = option('batch', 1000);
const keepDb = args.includes('--keep-db');
const timeStatements = args.includes('--statements');
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `jsrs_bench_import_${Date.now().toString(36)}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const log = (message: string) => process.stdout.write(`[bench:import] ${message}\n`);
const mib = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;

/** CPU seconds (user + system) a local process has used, from /proc; 0 when unreadable. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'jsrs-bench-import-'));
  await admin(`create database ${dbName}`);
  // One connection: the import uses one at a time, and its server process's CPU can be read.
  const database = await connectDatabase({ databaseUrl: dbUrl, dataDir: 'unused', poolMax: 1 });
  try {
    await migrateToLatest(database.db as never);
    log(`writing ${total} synthetic accounts`);
    const file = join(dir, 'accounts.jsonl');
    await writeLegacyExport(file, 0, total);
    const keyring = createKeyring({ current: { id: 'k1', key: randomBytes(32).toString('base64url') } });
    const secrets = { cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
    const sizeBefore = Number((await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(database.db)).rows[0]?.n);
    const backendPid = Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]?.pid);
    const pgCpuStart = processCpuSeconds(backendPid);
    const cpuStart = process.cpuUsage();
    global.gc?.();
    const rssStart = process.memoryUsage().rss;
    let rssAt10k = 0;
    let rssPeak = rssStart;
    const started = process.hrtime.bigint();
    const timer = timeStatements ? createStatementTimer(() => processCpuSeconds(backendPid) * 1000) : undefined;
    const report = await importAccounts({
      db: timer ? database.db.withPlugin(timer.plugin) : database.db,
      secrets,
      levels: createIdentityLevels(secrets),
      clock: systemClock,
      descriptor: parseDescriptor(descriptorJson),
      file,
      batchSize,
      onBatch: ({ line }) => {
        const rss = process.memoryUsage().rss;
        rssPeak = Math.max(rssPeak, rss);
        if (rssAt10k === 0 && line >= 10_000) rssAt10k = rss;
        if (line % 20_000 === 0) log(`${line} lines, RSS ${mib(rss)} MiB`);
        if (timer && line % 10_000 === 0) log(`statements up to line ${line}: ${JSON.stringify(timer.takeWindow())}`);
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    const importerCpuMs = (cpu.user + cpu.system) / 1000;
    const postgresCpuMs = (processCpuSeconds(backendPid) - pgCpuStart) * 1000;
    const perAccount = (ms: number) => Math.round((ms / Math.max(1, report.counts.imported)) * 1000) / 1000;
    const rssEnd = process.memoryUsage().rss;
    await sql`vacuum analyze`.execute(database.db);
    const sizeAfter = Number((await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(database.db)).rows[0]?.n);
    const result = {
      accounts: total,
      imported: report.counts.imported,
      refused: report.counts.refused,
      conflicts: report.counts.conflicts,
      seconds: Math.round(seconds * 10) / 10,
      accountsPerSecond: Math.round(report.counts.imported / seconds),
      rssStartMiB: mib(rssStart),
      rssAt10kMiB: mib(rssAt10k),
      rssEndMiB: mib(rssEnd),
      rssPeakMiB: mib(rssPeak),
      rssGrowth10kToEndMiB: mib(rssEnd - rssAt10k),
      // CPU per account does not depend on how busy the machine is; the projection is what two
      // otherwise idle cores would give (importer and PostgreSQL each on one, overlapping).
      importerCpuMsPerAccount: perAccount(importerCpuMs),
      postgresCpuMsPerAccount: perAccount(postgresCpuMs),
      projectedAccountsPerSecondOnTwoIdleCores: Math.round(1000 / Math.max(perAccount(importerCpuMs), perAccount(postgresCpuMs), (perAccount(importerCpuMs) + perAccount(postgresCpuMs)) / 2)),
      dbBytesPerAccount: Math.round((sizeAfter - sizeBefore) / Math.max(1, report.counts.imported)),
      batchSize,
      machine: { cpu: os.cpus()[0]?.model.trim(), cores: os.availableParallelism(), load1: os.loadavg()[0], node: process.version },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const met = result.accountsPerSecond >= 5000 && result.rssGrowth10kToEndMiB < 100;
    log(`${result.accountsPerSecond} accounts/s (target ≥ 5000), RSS growth 10k→end ${result.rssGrowth10kToEndMiB} MiB (target < 100): ${met ? 'met' : 'NOT met'}`);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    if (!keepDb) await admin(`drop database if exists ${dbName} with (force)`);
    else log(`kept database ${dbName}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:import failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
