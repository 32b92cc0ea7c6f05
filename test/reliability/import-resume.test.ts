// `cli import accounts` killed with SIGKILL in the middle of an import, then run again with
// --resume: it continues after the last committed batch, and the totals, the rows and the refusal
// report come out as if it had never stopped (PostgreSQL when DATABASE_URL is set, else PGlite on disk).

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connectDatabase } from '../../src/db/connect.js';
import { projectRoot } from '../../src/paths.js';
import { testEncryptionKey } from '../helpers/app.js';
import { createEmptyPostgresDatabase, engineName, testDatabaseUrl } from '../helpers/database.js';
import { descriptor, jsonl, legacyIdNumber, legacyRow } from '../helpers/legacy-export.js';

const total = 3000;
const batch = 50;

t.test(`an import killed mid-way resumes after its last committed batch (${engineName})`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'jsrs-import-resume-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'development', LOG_LEVEL: 'warn', ENCRYPTION_KEY: testEncryptionKey };
  if (testDatabaseUrl) {
    const fresh = await createEmptyPostgresDatabase(testDatabaseUrl);
    t.teardown(() => fresh.drop());
    env.DATABASE_URL = fresh.url;
  } else {
    env.DATA_DIR = join(dir, 'data');
  }

  // Every 100th row is refused (a bad check character); one row repeats an earlier document.
  const rows = Array.from({ length: total }, (_, n) => {
    if (n % 100 === 99) return legacyRow(n, { document_number: `${legacyIdNumber(n).slice(0, 17)}${legacyIdNumber(n).endsWith('0') ? '1' : '0'}` });
    if (n === total - 2) return legacyRow(n, { document_number: legacyIdNumber(0) });
    return legacyRow(n);
  });
  const refusedRows = rows.filter((_, n) => n % 100 === 99).length;
  const file = join(dir, 'accounts.jsonl');
  await writeFile(file, jsonl(rows));
  await writeFile(join(dir, 'accounts.descriptor.json'), JSON.stringify(descriptor));

  function cli(args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'import', 'accounts', file, '--batch', String(batch), ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  }

  const first = cli([]);
  t.teardown(() => void first.child.kill('SIGKILL'));
  // Kill once a few batches have committed (each commit prints its line), well before the end.
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      const lines = [...first.stderr().matchAll(/^line (\d+):/gm)].map((m) => Number(m[1]));
      if (lines.some((l) => l >= 10 * batch)) {
        first.child.kill('SIGKILL');
        resolve();
      }
    };
    first.child.stderr.on('data', check);
    void first.exited.then(() => reject(new Error(`the import ended before it could be killed:\n${first.stderr()}`)));
  });
  t.equal((await first.exited).signal, 'SIGKILL', 'the first run was killed');

  const second = cli(['--resume']);
  const ended = await second.exited;
  t.equal(ended.code, 0, ended.code === 0 ? 'the resumed run finishes' : second.stderr());
  const summary = JSON.parse(second.stdout().trim().split('\n').pop() as string) as Record<string, number>;
  const resumedAfter = summary.resumed_after_line ?? 0;
  t.ok(resumedAfter >= 10 * batch && resumedAfter < total, `it continued after line ${resumedAfter}`);
  t.notMatch(second.stderr(), new RegExp(`^line ${batch}:`, 'm'), 'committed batches are not read again');
  t.same(
    { imported: summary.imported, duplicates: summary.duplicates, refused: summary.refused, conflicts: summary.conflicts },
    { imported: total - refusedRows - 1, duplicates: 0, refused: refusedRows, conflicts: 1 },
    'the totals are those of one uninterrupted run',
  );
  const refused = (await readFile(`${file}.refused.jsonl`, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { line: number });
  t.same(refused.map((r) => r.line), rows.flatMap((_, n) => (n % 100 === 99 ? [n + 1] : [])), 'each refused row is reported once');

  const database = await connectDatabase(testDatabaseUrl ? { databaseUrl: env.DATABASE_URL, dataDir: 'unused' } : { dataDir: env.DATA_DIR as string });
  t.teardown(() => database.close());
  const db = database.db;
  const count = async (table: 'accounts' | 'account_documents' | 'phones' | 'password_credentials') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  for (const table of ['accounts', 'account_documents', 'phones', 'password_credentials'] as const) {
    t.equal(await count(table), total - refusedRows - 1, `${table}: one row per imported account, none twice`);
  }
  const audits = await db.selectFrom('audit_events').select(['actor', 'details']).where('event', '=', 'accounts.imported').execute();
  t.match(audits, [{ actor: 'cli', details: { platform: 'old-jsrs', imported: total - refusedRows - 1, refused: refusedRows, conflicts: 1, resumedAfterLine: resumedAfter } }], 'the finished import is audited once, with its counts');
});
