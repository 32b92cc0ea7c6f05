// src/repositories/: the SQL, one module per table group; values arrive encrypted, database errors leave translated (duplicates.ts); imports db/ and domain/ only.
// SQL for the account aggregate's identity rows: accounts, their one document and one phone
// (encrypted envelopes plus blind indexes) and upstream links. Values arrive already encrypted.

import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB, IdentityLevelColumn } from '../db/schema.js';
import { orDuplicate } from './duplicates.js';
import type { ProofRow } from './identity-proofs.js';

export type AccountStatus = 'active' | 'disabled';

/** An account with its document and phone columns (envelopes, not clear values). */
export interface AccountRow {
  id: string;
  status: AccountStatus;
  nameEnvelope: string | null;
  needsPhone: boolean;
  createdAt: Date;
  certType: string | null;
  numberEnvelope: string | null;
  phoneEnvelope: string | null;
  /** The version of the policy texts agreed to; null when never asked. */
  policyVersion: string | null;
}

export async function insertAccount(
  trx: Transaction<DB>,
  /** `policyVersion`: the policy texts the citizen agreed to while creating the account (absent: never shown them). */
  row: { id: string; nameEnvelope: string | null; needsPhone: boolean; now: Date; policyVersion?: string },
): Promise<void> {
  await trx
    .insertInto('accounts')
    .values({
      id: row.id,
      name_envelope: row.nameEnvelope,
      needs_phone: row.needsPhone,
      created_at: row.now,
      updated_at: row.now,
      ...(row.policyVersion !== undefined ? { policy_version: row.policyVersion, policy_accepted_at: row.now } : {}),
    })
    .execute();
}

/** Records that the account agreed to `version` of the policy texts; false when there is no such account. */
/**
 * Records the version agreed to, once: 'recorded' by the one write that changed it (parallel answers
 * wait for the row and then find it recorded), 'already' when it was, 'gone' when there is no account.
 */
export async function recordPolicyAcceptance(db: Kysely<DB>, id: string, version: string, now: Date): Promise<'recorded' | 'already' | 'gone'> {
  const { rows } = await sql<{ recorded: boolean }>`
    with changed as (
      update accounts set policy_version = ${version}, policy_accepted_at = ${now}, updated_at = ${now}
       where id = ${id} and policy_version is distinct from ${version}
      returning 1
    )
    select exists (select 1 from changed) as recorded from accounts where id = ${id}
  `.execute(db);
  const row = rows[0];
  return row === undefined ? 'gone' : row.recorded ? 'recorded' : 'already';
}

export async function insertAccountDocument(
  trx: Transaction<DB>,
  row: { accountId: string; certType: string; numberEnvelope: string; numberIndex: string; now: Date },
): Promise<void> {
  await orDuplicate(() => trx
    .insertInto('account_documents')
    .values({
      account_id: row.accountId,
      cert_type: row.certType,
      number_envelope: row.numberEnvelope,
      number_index: row.numberIndex,
      created_at: row.now,
    })
    .execute());
}

export async function insertPhone(
  trx: Transaction<DB>,
  row: { accountId: string; phoneEnvelope: string; phoneIndex: string; verifiedAt: Date },
): Promise<void> {
  await orDuplicate(() => trx
    .insertInto('phones')
    .values({
      account_id: row.accountId,
      phone_envelope: row.phoneEnvelope,
      phone_index: row.phoneIndex,
      verified_at: row.verifiedAt,
    })
    .execute());
}

/** An account with its proofs (oldest first), as the claims read it. */
export interface AccountWithProofs {
  account: AccountRow;
  proofs: ProofRow[];
}

/** The JSON shape `accountWithProofsJson` builds (timestamps as ISO text). */
export interface AccountJson {
  id: string;
  status: AccountRow['status'];
  name_envelope: string | null;
  needs_phone: boolean;
  created_at: string;
  policy_version: string | null;
  cert_type: string | null;
  number_envelope: string | null;
  phone_envelope: string | null;
  proofs: Array<{ kind: ProofRow['kind']; level: IdentityLevelColumn; adapter: string; reference: string | null; identity_key: string | null; created_at: string }> | null;
}

/**
 * The account whose id is the SQL expression `id`, with its document and phone envelopes and its
 * identity proofs, as one JSON value (null: no such account). One copy of the claims read, used by
 * findAccountWithProofs and by the token look-ups that read the account ahead (oidc-payloads.ts).
 */
export function accountWithProofsJson(id: RawBuilder<unknown>): RawBuilder<AccountJson | null> {
  return sql<AccountJson | null>`(
    select json_build_object('id', a.id, 'status', a.status, 'name_envelope', a.name_envelope, 'needs_phone', a.needs_phone,
             'created_at', a.created_at, 'policy_version', a.policy_version, 'cert_type', d.cert_type,
             'number_envelope', d.number_envelope, 'phone_envelope', ph.phone_envelope,
             'proofs', (select json_agg(json_build_object('kind', p.kind, 'level', p.level, 'adapter', p.adapter, 'reference', p.reference,
                                                          'identity_key', p.identity_key, 'created_at', p.created_at) order by p.created_at, p.id)
                          from identity_proofs p where p.account_id = a.id))
      from accounts a
      left join account_documents d on d.account_id = a.id
      left join phones ph on ph.account_id = a.id
     where a.id = ${id})`;
}

export function accountWithProofsFrom(json: AccountJson): AccountWithProofs {
  return {
    account: {
      id: json.id,
      status: json.status,
      nameEnvelope: json.name_envelope,
      needsPhone: json.needs_phone,
      createdAt: new Date(json.created_at),
      certType: json.cert_type,
      numberEnvelope: json.number_envelope,
      phoneEnvelope: json.phone_envelope,
      policyVersion: json.policy_version,
    },
    proofs: (json.proofs ?? []).map((p) => ({ kind: p.kind, level: p.level, adapter: p.adapter, reference: p.reference, identityKey: p.identity_key, createdAt: new Date(p.created_at) })),
  };
}

async function readAccountWithProofs(db: Kysely<DB>, id: RawBuilder<unknown>): Promise<AccountWithProofs | undefined> {
  const { rows } = await sql<{ found: AccountJson | null }>`select ${accountWithProofsJson(id)} as found`.execute(db);
  const found = rows[0]?.found;
  return found ? accountWithProofsFrom(found) : undefined;
}

/** The account and its proofs in one statement: read on every claims request, so SQL text rather than built each time. */
export function findAccountWithProofs(db: Kysely<DB>, id: string): Promise<AccountWithProofs | undefined> {
  return readAccountWithProofs(db, sql`${id}::uuid`);
}

/** The id of the account holding the phone with this blind index, as an SQL subquery (null: none). */
function accountIdOfPhone(phoneIndex: string | null): RawBuilder<string | null> {
  return sql`(select account_id from phones where phone_index = ${phoneIndex}::text)`;
}

/** The id of the account holding the first of these document blind indexes that names one (in their order), as an SQL subquery. */
function accountIdOfDocuments(indexes: readonly string[]): RawBuilder<string | null> {
  return sql`(select d.account_id
                from unnest(${[...indexes]}::text[]) with ordinality as c(number_index, rank)
                join account_documents d on d.number_index = c.number_index
               order by c.rank limit 1)`;
}

/** The account holding the phone (by its blind index) with its proofs, in the same one statement. */
export function findAccountWithProofsByPhoneIndex(db: Kysely<DB>, phoneIndex: string): Promise<AccountWithProofs | undefined> {
  return readAccountWithProofs(db, accountIdOfPhone(phoneIndex));
}

/** What a password sign-in reads of the account an identifier names; all undefined when it names none. */
export interface PasswordSignInRead {
  accountId: string | undefined;
  /** The stored hash and the account's status (no credential: undefined). */
  credential: { hash: string; status: AccountStatus } | undefined;
  found: AccountWithProofs | undefined;
}

/**
 * The account named by a phone's blind index, else by the first of the document indexes (in their
 * order) that names one, with its password credential and the account with its proofs: one
 * statement for the look-up, the credential and the sign-in's account read.
 */
export async function findForPasswordSignIn(db: Kysely<DB>, phoneIndex: string | null, documentIndexes: readonly string[]): Promise<PasswordSignInRead> {
  const { rows } = await sql<{ id: string | null; hash: string | null; status: AccountStatus | null; found: AccountJson | null }>`
    with named as (select coalesce(${accountIdOfPhone(phoneIndex)}, ${accountIdOfDocuments(documentIndexes)}) as id)
    select n.id, pc.hash, a.status, ${accountWithProofsJson(sql`n.id`)} as found
      from named n
      left join accounts a on a.id = n.id
      left join password_credentials pc on pc.account_id = a.id`.execute(db);
  const row = rows[0];
  return {
    accountId: row?.id ?? undefined,
    credential: row?.hash && row.status ? { hash: row.hash, status: row.status } : undefined,
    found: row?.found ? accountWithProofsFrom(row.found) : undefined,
  };
}

/** Locks the account row for the rest of the transaction (serialising changes of one account); false when there is none. */
export async function lockAccount(trx: Transaction<DB>, id: string): Promise<boolean> {
  const row = await trx.selectFrom('accounts').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  return row !== undefined;
}

/** The envelopes of who the account says it is (name, certificate type, document number), or undefined. */
export async function findIdentityEnvelopes(
  db: Kysely<DB>,
  id: string,
): Promise<{ nameEnvelope: string | null; certType: string | null; numberEnvelope: string | null } | undefined> {
  const row = await db
    .selectFrom('accounts')
    .leftJoin('account_documents', 'account_documents.account_id', 'accounts.id')
    .select(['accounts.name_envelope', 'account_documents.cert_type', 'account_documents.number_envelope'])
    .where('accounts.id', '=', id)
    .executeTakeFirst();
  return row && { nameEnvelope: row.name_envelope, certType: row.cert_type, numberEnvelope: row.number_envelope };
}

/** The account holding any of the given document blind indexes, preferring the earliest listed. */
/** The account holding the first of the document indexes that names one, in their order. */
export async function findAccountIdByDocumentIndexes(db: Kysely<DB>, indexes: readonly string[]): Promise<string | undefined> {
  if (indexes.length === 0) return undefined;
  const { rows } = await sql<{ id: string | null }>`select ${accountIdOfDocuments(indexes)} as id`.execute(db);
  return rows[0]?.id ?? undefined;
}

export async function findAccountIdByPhoneIndex(db: Kysely<DB>, phoneIndex: string): Promise<string | undefined> {
  const { rows } = await sql<{ id: string | null }>`select ${accountIdOfPhone(phoneIndex)} as id`.execute(db);
  return rows[0]?.id ?? undefined;
}

export async function listUpstreamLinks(db: Kysely<DB>, accountId: string): Promise<Array<{ upstream: string; subject: string; createdAt: Date }>> {
  const rows = await db
    .selectFrom('upstream_links')
    .select(['upstream', 'subject', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ upstream: r.upstream, subject: r.subject, createdAt: r.created_at }));
}

/** Whether the account still has to bind a phone (flagged, or no phone row); true when unknown. */
export async function accountNeedsPhone(db: Kysely<DB>, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .leftJoin('phones', 'phones.account_id', 'accounts.id')
    .select(['accounts.needs_phone', 'phones.account_id as phone_account'])
    .where('accounts.id', '=', id)
    .executeTakeFirst();
  return !row || row.needs_phone || row.phone_account === null;
}

export async function clearNeedsPhone(trx: Transaction<DB>, id: string, now: Date): Promise<void> {
  await trx.updateTable('accounts').set({ needs_phone: false, updated_at: now }).where('id', '=', id).execute();
}
