// SQL of the account import: what a batch must know before it writes (legacy ids already imported,
// documents, phones, family numbers and upstream subjects already held: one statement), the batch's
// rows for every table in one statement that answers 'duplicate' when a unique index refuses one
// (plain SQL, the same on PostgreSQL and PGlite), the resume checkpoints and the counts.

import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, IdentityLevelColumn } from '../db/schema.js';
import type { ProofKindColumn } from '../repositories/identity-proofs.js';
import type { FamilyRelation } from '../repositories/family-bindings.js';
import { LEGACY_HASH_PREFIX } from '../services/crypto/legacy-hash.js';

/** The import's own tables (migrations/20261202_0400_account_import.ts). */
export interface ImportTables {
  imported_accounts: { platform: string; legacy_id: string; account_id: string; imported_at: Date };
  import_checkpoints: { source: string; line: string | number; counts: unknown; updated_at: Date };
}
export type ImportDb = Kysely<DB & ImportTables>;
export type ImportTrx = Transaction<DB & ImportTables>;
type Trx = ImportTrx;

export const withImportTables = (db: Kysely<DB>): ImportDb => db as unknown as ImportDb;

type ColumnType = 'uuid' | 'text' | 'boolean' | 'timestamptz';
type Columns<T> = ReadonlyArray<readonly [keyof T & string, ColumnType]>;

export interface BatchRows {
  accounts: Array<{ id: string; name_envelope: string; needs_phone: boolean; created_at: Date; updated_at: Date }>;
  documents: Array<{ account_id: string; cert_type: string; number_envelope: string; number_index: string; created_at: Date }>;
  phones: Array<{ account_id: string; phone_envelope: string; phone_index: string; verified_at: Date }>;
  passwords: Array<{ account_id: string; hash: string; updated_at: Date }>;
  proofs: Array<{ id: string; account_id: string; kind: ProofKindColumn; level: IdentityLevelColumn; adapter: string; reference: string; identity_key: string; created_at: Date }>;
  links: Array<{ account_id: string; upstream: string; subject: string; created_at: Date }>;
  family: Array<{
    id: string;
    binder_account_id: string;
    member_cert_type: string;
    member_number_envelope: string;
    member_number_index: string;
    member_name_envelope: string;
    relation: FamilyRelation;
    created_at: Date;
  }>;
  imported: Array<{ platform: string; legacy_id: string; account_id: string; imported_at: Date }>;
}

export function emptyBatchRows(): BatchRows {
  return { accounts: [], documents: [], phones: [], passwords: [], proofs: [], links: [], family: [], imported: [] };
}

/** Each batch table with its columns, parents first (the order of the statement's parts). */
const batchTables: { [K in keyof BatchRows]: readonly [table: string, columns: Columns<BatchRows[K][number]>] } = {
  accounts: ['accounts', [['id', 'uuid'], ['name_envelope', 'text'], ['needs_phone', 'boolean'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz']]],
  documents: ['account_documents', [['account_id', 'uuid'], ['cert_type', 'text'], ['number_envelope', 'text'], ['number_index', 'text'], ['created_at', 'timestamptz']]],
  phones: ['phones', [['account_id', 'uuid'], ['phone_envelope', 'text'], ['phone_index', 'text'], ['verified_at', 'timestamptz']]],
  passwords: ['password_credentials', [['account_id', 'uuid'], ['hash', 'text'], ['updated_at', 'timestamptz']]],
  proofs: ['identity_proofs', [['id', 'uuid'], ['account_id', 'uuid'], ['kind', 'text'], ['level', 'text'], ['adapter', 'text'], ['reference', 'text'], ['identity_key', 'text'], ['created_at', 'timestamptz']]],
  links: ['upstream_links', [['account_id', 'uuid'], ['upstream', 'text'], ['subject', 'text'], ['created_at', 'timestamptz']]],
  family: [
    'family_bindings',
    [['id', 'uuid'], ['binder_account_id', 'uuid'], ['member_cert_type', 'text'], ['member_number_envelope', 'text'], ['member_number_index', 'text'], ['member_name_envelope', 'text'], ['relation', 'text'], ['created_at', 'timestamptz']],
  ],
  imported: ['imported_accounts', [['platform', 'text'], ['legacy_id', 'text'], ['account_id', 'uuid'], ['imported_at', 'timestamptz']]],
};

/**
 * `insert into <table> (…) select * from unnest($1::type[], …)`: one bind parameter per column
 * whatever the number of rows (none included), so the statement's text never changes.
 */
function insertPart<T extends Record<string, unknown>>(table: string, columns: Columns<T>, rows: readonly T[]) {
  const arrays = columns.map(([name, type]) => {
    const values = rows.map((r) => {
      const v = r[name];
      return v instanceof Date ? v.toISOString() : (v ?? null);
    });
    return sql`${values}::${sql.raw(type)}[]`;
  });
  return sql`insert into ${sql.table(table)} (${sql.join(columns.map(([name]) => sql.ref(name)))}) select * from unnest(${sql.join(arrays)})`;
}

/** What writing a batch came to: written, or refused by a unique index (someone else took a value meanwhile). */
export type WriteBatchResult = { ok: true } | { ok: false; duplicate: { constraint: string } };

/** The SQLSTATE PostgreSQL (and PGlite) give a unique-index violation; `constraint` names the index. */
function uniqueViolation(err: unknown): { constraint: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  return code === '23505' ? { constraint: typeof constraint === 'string' ? constraint : '' } : undefined;
}

/**
 * Writes a batch's rows to every table, and the resume checkpoint when given, as ONE statement
 * (a data-modifying `with` per table; the foreign keys are checked at its end, when the accounts
 * are there). Under a savepoint: when a unique index refuses a value (a registration committed it
 * after the batch looked), the batch's rows are undone, the transaction stays usable and the
 * result says 'duplicate', so the caller can look again and write what is still free.
 */
export async function writeBatch(trx: Trx, rows: BatchRows, checkpoint?: { source: string; line: number; counts: ImportCounts; now: Date }): Promise<WriteBatchResult> {
  const parts = (Object.keys(batchTables) as Array<keyof BatchRows>).map((key, i) => {
    const [table, columns] = batchTables[key];
    return sql`${sql.raw(`w${i}`)} as (${insertPart(table, columns as Columns<Record<string, unknown>>, rows[key] as unknown as Array<Record<string, unknown>>)})`;
  });
  if (checkpoint) {
    const { source, line, counts, now } = checkpoint;
    parts.push(sql`checkpoint as (
      insert into import_checkpoints (source, line, counts, updated_at) values (${source}, ${line}, ${JSON.stringify(counts)}::jsonb, ${now.toISOString()}::timestamptz)
      on conflict (source) do update set line = excluded.line, counts = excluded.counts, updated_at = excluded.updated_at)`);
  }
  await sql`savepoint import_batch`.execute(trx);
  try {
    await sql`with ${sql.join(parts)} select 1 as written`.execute(trx);
  } catch (err) {
    const duplicate = uniqueViolation(err);
    if (!duplicate) throw err;
    await sql`rollback to savepoint import_batch`.execute(trx);
    return { ok: false, duplicate };
  }
  await sql`release savepoint import_batch`.execute(trx);
  return { ok: true };
}

/**
 * Takes the per-number advisory locks registration and family binding take (lockDocumentNumber's
 * key), in sorted order so two importers cannot deadlock, in one statement.
 */
export async function lockDocumentNumbers(trx: Trx, numberIndexes: readonly string[]): Promise<void> {
  if (numberIndexes.length === 0) return;
  const keys = [...new Set(numberIndexes)].sort().map((i) => `document:${i}`);
  await sql`select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(${keys}::text[]) with ordinality as t(k, n)`.execute(trx);
}

export interface Holdings {
  /** legacy ids of this platform already imported. */
  imported: Set<string>;
  /** document blind index → account holding it. */
  documents: Map<string, string>;
  /** document blind index → account that bound it as a family number. */
  familyBound: Map<string, string>;
  /** phone blind index → account. */
  phones: Map<string, string>;
  /** `upstream\0subject` → account. */
  upstreams: Map<string, string>;
  /** account id → its legacy id, for the accounts above that were imported. */
  legacyIdOf: Map<string, string>;
}

type HeldKind = 'imported' | 'document' | 'family' | 'phone' | 'upstream';

export interface HoldingKeys {
  legacyIds: string[];
  documentIndexes: string[];
  phoneIndexes: string[];
  upstreams: Array<{ upstream: string; subject: string }>;
}

type HeldRow = { kind: HeldKind; key: string; subject: string | null; account_id: string; holder_legacy_id: string | null };

/**
 * The look-up of a batch's keys as one statement. Each key is probed through its unique index (a
 * lateral look-up per key: PostgreSQL cannot turn it into a scan of the table), so a batch costs
 * the same whatever the table's size and whether or not it has been analysed; an `= any(array)` of
 * 1000–2000 keys was planned as a scan of the whole table (measured: 42 ms a batch at 20,000
 * accounts, growing with the table). Exported so a test can EXPLAIN it.
 */
export function holdingsQuery(platform: string, keys: HoldingKeys) {
  return sql<HeldRow>`
    with held as (
      select 'imported' as kind, k.key, null::text as subject, t.account_id from unnest(${keys.legacyIds}::text[]) as k(key)
        cross join lateral (select account_id from imported_accounts where platform = ${platform} and legacy_id = k.key limit 1) as t
      union all
      select 'document', k.key, null, t.account_id from unnest(${keys.documentIndexes}::text[]) as k(key)
        cross join lateral (select account_id from account_documents where number_index = k.key limit 1) as t
      union all
      select 'family', k.key, null, t.account_id from unnest(${keys.documentIndexes}::text[]) as k(key)
        cross join lateral (select binder_account_id as account_id from family_bindings where member_number_index = k.key limit 1) as t
      union all
      select 'phone', k.key, null, t.account_id from unnest(${keys.phoneIndexes}::text[]) as k(key)
        cross join lateral (select account_id from phones where phone_index = k.key limit 1) as t
      union all
      select 'upstream', k.upstream, k.subject, t.account_id
        from unnest(${keys.upstreams.map((u) => u.upstream)}::text[], ${keys.upstreams.map((u) => u.subject)}::text[]) as k(upstream, subject)
        cross join lateral (select account_id from upstream_links where upstream = k.upstream and subject = k.subject limit 1) as t
    )
    select held.kind, held.key, held.subject, held.account_id, i.legacy_id as holder_legacy_id
    from held left join lateral (select legacy_id from imported_accounts where held.kind <> 'imported' and account_id = held.account_id limit 1) as i on true`;
}

/** What the database already holds of a batch's keys (holdingsQuery), sorted by kind. */
export async function findHoldings(trx: Trx, platform: string, keys: HoldingKeys): Promise<Holdings> {
  const h: Holdings = { imported: new Set(), documents: new Map(), familyBound: new Map(), phones: new Map(), upstreams: new Map(), legacyIdOf: new Map() };
  const { rows } = await holdingsQuery(platform, keys).execute(trx);
  for (const r of rows) {
    if (r.kind === 'imported') h.imported.add(r.key);
    else if (r.kind === 'document') h.documents.set(r.key, r.account_id);
    else if (r.kind === 'family') h.familyBound.set(r.key, r.account_id);
    else if (r.kind === 'phone') h.phones.set(r.key, r.account_id);
    else h.upstreams.set(`${r.key}\u0000${r.subject ?? ''}`, r.account_id);
    if (r.holder_legacy_id !== null) h.legacyIdOf.set(r.account_id, r.holder_legacy_id);
  }
  return h;
}

export interface ImportCounts {
  imported: number;
  duplicates: number;
  refused: number;
  conflicts: number;
}

export async function readCheckpoint(db: ImportDb, source: string): Promise<{ line: number; counts: ImportCounts } | undefined> {
  const row = await db.selectFrom('import_checkpoints').select(['line', 'counts']).where('source', '=', source).executeTakeFirst();
  return row && { line: Number(row.line), counts: row.counts as ImportCounts };
}

/** How many password credentials still hold an imported salted digest, per algorithm, and bcrypt hashes at another cost. */
export async function countLegacyHashes(db: Kysely<DB>, currentBcryptCost: number): Promise<{ digests: Record<string, number>; bcryptOtherCost: number; total: number }> {
  const prefix = `${LEGACY_HASH_PREFIX}`;
  const rows = await sql<{ algorithm: string; n: string }>`
    select split_part(substr(hash, ${prefix.length + 1}), '$', 1) as algorithm, count(*) as n
    from password_credentials where starts_with(hash, ${prefix}) group by 1 order by 1`.execute(db);
  const cost = String(currentBcryptCost).padStart(2, '0');
  const other = await sql<{ n: string }>`
    select count(*) as n from password_credentials where hash ~ ${'^[$]2[aby][$]'} and substr(hash, 5, 2) <> ${cost}`.execute(db);
  const digests: Record<string, number> = {};
  for (const r of rows.rows) digests[r.algorithm] = Number(r.n);
  const bcryptOtherCost = Number(other.rows[0]?.n ?? 0);
  return { digests, bcryptOtherCost, total: Object.values(digests).reduce((a, b) => a + b, 0) + bcryptOtherCost };
}
