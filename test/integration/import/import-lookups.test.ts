// The import's batch look-up probes each key through a unique index, never a scan of the table, with
// a batch's worth of keys and tables that have not been analysed: a scan makes every batch cost in
// proportion to the rows already imported (docs/performance.md, account import).

import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { parseDescriptor } from '../../../src/import/descriptor.js';
import { importAccounts } from '../../../src/import/import-accounts.js';
import { holdingsQuery } from '../../../src/import/repository.js';
import { createBlindIndex, createKeyring, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createIdentityLevels } from '../../../src/services/identity-levels.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { descriptor, jsonl, legacyRow } from '../../helpers/legacy-export.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const walk = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(walk)];
const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');

t.test(`a batch's look-up probes unique indexes, not tables (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const db = testDb.database.db;
  const dir = await mkdtemp(join(tmpdir(), 'jsrs-import-plan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
  const secrets = { cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
  const held = 3000;
  const file = join(dir, 'held.jsonl');
  await writeFile(file, jsonl(Array.from({ length: held }, (_, n) => legacyRow(n, { upstream_links: n % 5 === 0 ? { essc: `essc-${n}` } : {} }))));
  const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
  const report = await importAccounts({ db, secrets, levels: createIdentityLevels(secrets), clock, descriptor: parseDescriptor(descriptor), file, batchSize: 1000 });
  t.equal(report.counts.imported, held);

  // The next batch's keys: 1000 legacy ids, 2000 document numbers (own and family), 1000 phones, 200 links.
  const keys = {
    legacyIds: Array.from({ length: 1000 }, (_, i) => `u${held + i}`),
    documentIndexes: Array.from({ length: 2000 }, (_, i) => hex(`document ${i}`)),
    phoneIndexes: Array.from({ length: 1000 }, (_, i) => hex(`phone ${i}`)),
    upstreams: Array.from({ length: 200 }, (_, i) => ({ upstream: 'essc', subject: `essc-${held + 5 * i}` })),
  };
  const explained = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${holdingsQuery(descriptor.platform, keys)}`.execute(db);
  const raw = explained.rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  const nodes = walk(plan[0]?.Plan as PlanNode);
  const tables = ['imported_accounts', 'account_documents', 'family_bindings', 'phones', 'upstream_links'];
  const scanned = nodes.filter((n) => n['Relation Name'] !== undefined && tables.includes(n['Relation Name']) && !/Index/.test(n['Node Type']));
  t.same(scanned.map((n) => `${n['Node Type']} on ${n['Relation Name']}`), [], 'no table is scanned');
  const indexes = new Set(nodes.filter((n) => n['Index Name'] !== undefined).map((n) => n['Index Name']));
  for (const index of ['imported_accounts_pk', 'account_documents_number_index_key', 'family_bindings_member_number_index_key', 'phones_phone_index_key', 'upstream_links_pk', 'imported_accounts_account_id_key']) {
    t.ok(indexes.has(index), `probed through ${index}`);
  }
});
