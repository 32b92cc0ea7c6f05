// SQL of 注销账号 (deleting one's own account): what is read first (the provider sessions the relying
// parties are told about, how many of each thing goes) and the deletes, all in the caller's
// transaction. The accounts row goes last; its children follow by ON DELETE CASCADE (migrations/).

import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { deleteFamilyBindingsOfBinder, deleteProviderRowsOfAccount, deleteUpstreamLinksOfAccount, sessionModels, tokenModels } from './account-revocation.js';

/** How many rows of each kind an account holds (what its deletion takes away). */
export interface AccountHoldings {
  providerSessions: number;
  grants: number;
  upstreamLinks: number;
  familyBindings: number;
  centreSessions: number;
  cases: number;
  rightsCertificates: number;
  favourites: number;
  identityProofs: number;
  phone: number;
  document: number;
}

/** The account's oidc-provider Session payloads (read before they are deleted, for back-channel logout). */
export async function listProviderSessionsOfAccount(trx: Transaction<DB>, accountId: string): Promise<Array<Record<string, unknown>>> {
  const rows = await trx
    .selectFrom('oidc_payloads')
    .select('payload')
    .where('model', 'in', [...sessionModels])
    .where(sql<string>`payload->>'accountId'`, '=', accountId)
    .execute();
  return rows.map((r) => r.payload);
}

/** Counts, in one statement, what the account holds. */
export async function countAccountHoldings(trx: Transaction<DB>, accountId: string): Promise<AccountHoldings> {
  const { rows } = await sql<Record<keyof AccountHoldings, string | number>>`
    select
      (select count(*) from oidc_payloads where model = 'Session' and payload->>'accountId' = ${accountId}) as "providerSessions",
      (select count(*) from oidc_payloads where model = 'Grant' and payload->>'accountId' = ${accountId}) as "grants",
      (select count(*) from upstream_links where account_id = ${accountId}) as "upstreamLinks",
      (select count(*) from family_bindings where binder_account_id = ${accountId}
         or member_number_index in (select number_index from account_documents where account_id = ${accountId})) as "familyBindings",
      (select count(*) from account_sessions where account_id = ${accountId}) as "centreSessions",
      (select count(*) from cases where account_id = ${accountId}) as "cases",
      (select count(*) from rights_certificates where account_id = ${accountId}) as "rightsCertificates",
      (select count(*) from favourites where account_id = ${accountId}) as "favourites",
      (select count(*) from identity_proofs where account_id = ${accountId}) as "identityProofs",
      (select count(*) from phones where account_id = ${accountId}) as "phone",
      (select count(*) from account_documents where account_id = ${accountId}) as "document"
  `.execute(trx);
  const row = rows[0];
  const n = (key: keyof AccountHoldings) => Number(row?.[key] ?? 0);
  return {
    providerSessions: n('providerSessions'), grants: n('grants'), upstreamLinks: n('upstreamLinks'), familyBindings: n('familyBindings'),
    centreSessions: n('centreSessions'), cases: n('cases'), rightsCertificates: n('rightsCertificates'), favourites: n('favourites'),
    identityProofs: n('identityProofs'), phone: n('phone'), document: n('document'),
  };
}

/**
 * Deletes the account and everything tied to it: its provider sessions, grants and tokens, upstream
 * links, family bindings on either side (as binder, or its own number bound by someone), journeys
 * in progress, its lockout counter (`lockoutKey`), then the accounts row (documents, phone,
 * password, proofs, centre sessions, favourites, cases, 权益单 and QR tickets by cascade). The
 * audit trail is not touched. Returns false when there was no such account.
 */
export async function deleteAccountAndHoldings(trx: Transaction<DB>, accountId: string, lockoutKey: string): Promise<boolean> {
  await deleteProviderRowsOfAccount(trx, accountId, [...sessionModels, ...tokenModels]);
  await deleteUpstreamLinksOfAccount(trx, accountId);
  await deleteFamilyBindingsOfBinder(trx, accountId);
  await trx
    .deleteFrom('family_bindings')
    .where('member_number_index', 'in', (eb) => eb.selectFrom('account_documents').select('number_index').where('account_id', '=', accountId))
    .execute();
  await trx.deleteFrom('flows').where('account_id', '=', accountId).execute();
  await trx.deleteFrom('login_failures').where('key', '=', lockoutKey).execute();
  const result = await trx.deleteFrom('accounts').where('id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
