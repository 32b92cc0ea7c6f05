// SQL behind the user centre's settings and overviews: replacing the phone, removing an upstream
// link, counting sign-in methods, the account's grants and provider sessions in oidc_payloads, and
// its audit trail filtered by event prefix. Encrypted values arrive already encrypted.

import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { orDuplicate } from './duplicates.js';

/** Inserts or replaces the account's one phone. Throws DuplicateError when another account holds the number. */
export async function replacePhone(trx: Transaction<DB>, row: { accountId: string; phoneEnvelope: string; phoneIndex: string; verifiedAt: Date }): Promise<void> {
  await orDuplicate(() => trx
    .insertInto('phones')
    .values({ account_id: row.accountId, phone_envelope: row.phoneEnvelope, phone_index: row.phoneIndex, verified_at: row.verifiedAt })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ phone_envelope: row.phoneEnvelope, phone_index: row.phoneIndex, verified_at: row.verifiedAt }))
    .execute());
}

/** How the account can sign in besides upstream links: a password credential, a phone. */
export async function signInMethodCounts(trx: Transaction<DB>, accountId: string): Promise<{ password: boolean; phone: boolean; links: number }> {
  const [password, phone, links] = await Promise.all([
    trx.selectFrom('password_credentials').select('account_id').where('account_id', '=', accountId).executeTakeFirst(),
    trx.selectFrom('phones').select('account_id').where('account_id', '=', accountId).executeTakeFirst(),
    trx.selectFrom('upstream_links').select((eb) => eb.fn.countAll<string>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow(),
  ]);
  return { password: password !== undefined, phone: phone !== undefined, links: Number(links.n) };
}

export async function deleteUpstreamLink(trx: Transaction<DB>, accountId: string, upstream: string): Promise<boolean> {
  const result = await trx.deleteFrom('upstream_links').where('account_id', '=', accountId).where('upstream', '=', upstream).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export interface StoredModelRow {
  id: string;
  payload: Record<string, unknown>;
}

/** Live Grant or Session rows of oidc-provider whose payload names the account. */
export async function listProviderRowsForAccount(db: Kysely<DB>, model: 'Grant' | 'Session', accountId: string, now: Date): Promise<StoredModelRow[]> {
  const rows = await db
    .selectFrom('oidc_payloads')
    .select(['id', 'payload'])
    .where('model', '=', model)
    .where(sql<string>`payload->>'accountId'`, '=', accountId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .limit(100)
    .execute();
  return rows.map((r) => ({ id: r.id, payload: r.payload }));
}

/** The newest `iat` (epoch seconds) of tokens issued under each grant. */
export async function newestTokenIatByGrant(db: Kysely<DB>, grantIds: readonly string[]): Promise<Map<string, number>> {
  if (grantIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('oidc_payloads')
    .select(['grant_id', sql<string>`max((payload->>'iat')::bigint)`.as('iat')])
    .where('grant_id', 'in', grantIds)
    .where('model', 'in', ['AccessToken', 'RefreshToken', 'AuthorizationCode'])
    .groupBy('grant_id')
    .execute();
  return new Map(rows.filter((r) => r.grant_id !== null).map((r) => [r.grant_id as string, Number(r.iat)]));
}

export interface AuditRow {
  at: Date;
  event: string;
  outcome: 'success' | 'failure' | 'info';
  clientId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** The account's audit events, newest first, optionally only those whose name starts with `prefix`. */
export async function listAccountAuditEvents(db: Kysely<DB>, accountId: string, options: { prefix?: string; limit: number }): Promise<AuditRow[]> {
  let query = db
    .selectFrom('audit_events')
    .select(['at', 'event', 'outcome', 'client_id', 'ip', 'details'])
    .where('subject', '=', accountId);
  if (options.prefix) query = query.where('event', 'like', `${options.prefix.replace(/[%_\\]/g, '\\$&')}%`);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({ at: r.at, event: r.event, outcome: r.outcome, clientId: r.client_id, ip: r.ip, details: r.details }));
}
