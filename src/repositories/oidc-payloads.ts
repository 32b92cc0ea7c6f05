// SQL for oidc-provider's stored models (one row per model instance in oidc_payloads). The statements
// every provider request runs are SQL text, not built: Kysely's builder was ~5 % of a token request's CPU.

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { accountWithProofsFrom, accountWithProofsJson, type AccountJson, type AccountWithProofs } from './accounts.js';
import { uuidPatternSource } from '../domain/ids.js';

export interface StoredPayload {
  payload: Record<string, unknown>;
  consumedAt: Date | null;
}

type Executor = Kysely<DB>;

interface PayloadRow {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
}

export async function upsertPayload(
  db: Executor,
  row: { model: string; id: string; payload: Record<string, unknown>; expiresAt: Date | null },
): Promise<void> {
  const looked = lookUpColumns(row.payload);
  await sql`
    insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at)
    values (${row.model}, ${row.id}, ${JSON.stringify(row.payload)}, ${looked.grantId},
            ${looked.uid}, ${looked.userCode}, ${row.expiresAt})
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
      uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at
  `.execute(db);
}

/** One write oidc-provider asked for: the row to store (`payload`), or its removal (`payload: null`). */
export type PayloadWrite =
  | { model: string; id: string; payload: Record<string, unknown>; expiresAt: Date | null }
  | { model: string; id: string; payload: null };

/**
 * Several writes in ONE statement (so all of them or none): the removals, then the rows stored as
 * upsertPayload stores one. Each (model, id) at most once: the caller keeps only its last write.
 */
export async function writePayloads(db: Executor, writes: readonly PayloadWrite[]): Promise<void> {
  // One write (a client-credentials or refreshed access token) takes the plain statement: the arrays cost PostgreSQL more.
  const only = writes.length === 1 ? writes[0] : undefined;
  if (only?.payload) return upsertPayload(db, only);
  const removed = writes.filter((w) => w.payload === null);
  const stored = writes.filter((w): w is Extract<PayloadWrite, { payload: Record<string, unknown> }> => w.payload !== null);
  const looked = stored.map((w) => lookUpColumns(w.payload));
  const column = <T>(pick: (w: (typeof stored)[number]) => T) => stored.map(pick);
  await sql`
    with removed as (
      delete from oidc_payloads p
       using unnest(${removed.map((w) => w.model)}::text[], ${removed.map((w) => w.id)}::text[]) as r(model, id)
       where p.model = r.model and p.id = r.id
    )
    insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at)
    select w.model, w.id, w.payload::jsonb, w.grant_id, w.uid, w.user_code, w.expires_at
      from unnest(${column((w) => w.model)}::text[], ${column((w) => w.id)}::text[], ${column((w) => JSON.stringify(w.payload))}::text[],
                  ${looked.map((c) => c.grantId)}::text[], ${looked.map((c) => c.uid)}::text[],
                  ${looked.map((c) => c.userCode)}::text[], ${column((w) => w.expiresAt?.toISOString() ?? null)}::timestamptz[])
        as w(model, id, payload, grant_id, uid, user_code, expires_at)
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
      uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at
  `.execute(db);
}

export async function findPayload(db: Executor, model: string, id: string): Promise<StoredPayload | undefined> {
  const { rows } = await sql<PayloadRow>`select payload, consumed_at from oidc_payloads where model = ${model} and id = ${id}`.execute(db);
  const row = rows[0];
  return row && { payload: row.payload, consumedAt: row.consumed_at };
}

export async function findPayloadBy(
  db: Executor,
  model: string,
  column: 'uid' | 'user_code',
  value: string,
): Promise<StoredPayload | undefined> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select(['payload', 'consumed_at'])
    .where('model', '=', model)
    .where(column, '=', value)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { payload: row.payload, consumedAt: row.consumed_at };
}

/** Marks a row consumed if it is not yet; returns false when it was already consumed or is absent. */
export async function consumePayload(db: Executor, model: string, id: string, at: Date): Promise<boolean> {
  const result = await sql`update oidc_payloads set consumed_at = ${at} where model = ${model} and id = ${id} and consumed_at is null`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

export async function destroyPayload(db: Executor, model: string, id: string): Promise<void> {
  await sql`delete from oidc_payloads where model = ${model} and id = ${id}`.execute(db);
}

export async function destroyByGrantId(db: Executor, model: string, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('grant_id', '=', grantId).execute();
}

/** Deletes at most `limit` rows that expired before `before`; returns how many went. */
export async function purgeExpiredPayloads(db: Executor, before: Date, limit: number): Promise<number> {
  const result = await sql<{ n: number }>`
    with doomed as (
      select model, id from oidc_payloads where expires_at < ${before} limit ${limit}
    )
    delete from oidc_payloads p using doomed d where p.model = d.model and p.id = d.id
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

function valueAt(payload: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = payload;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** The payload values kept in their own columns for look-ups (by grant, by uid, by user code): one rule for every write. */
function lookUpColumns(payload: Record<string, unknown>): { grantId: string | null; uid: string | null; userCode: string | null } {
  return { grantId: stringOrNull(payload.grantId), uid: stringOrNull(payload.uid), userCode: stringOrNull(payload.userCode) };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** A token with the grant and (for session-bound tokens) the session it depends on. */
export interface PayloadWithRelations {
  token: StoredPayload | undefined;
  /** Present when the token names a grant: the grant's row, or null when it is gone. */
  grant?: { id: string; row: StoredPayload | null };
  /** Present when the token expires with its session: the session's row, or null when it ended. */
  session?: { uid: string; row: StoredPayload | null };
  /** Present when a twin model was asked for: its row under the same id, or null. Read whether or not the token exists. */
  twin?: { row: StoredPayload | null };
  /** Present when the account was asked for (`accountIdAt`) and the payload names one: the account with its proofs, or null when it is gone. */
  account?: { id: string; read: AccountWithProofs | null };
}


/**
 * One round trip for what oidc-provider reads one after another for every token it is shown
 * (userinfo, introspection, token exchange): the token, its grant, and its session when bound;
 * and the row of `twinModel` under the same id, which it looks up at the same time (introspection
 * and revocation try one value as several kinds of token); with `accountIdAt` (where the payload
 * names its account), that account with its proofs, which the request reads next.
 */
export async function findPayloadWithRelations(
  db: Executor,
  model: string,
  id: string,
  options: { twinModel?: string | undefined; accountIdAt?: readonly string[] | undefined } = {},
): Promise<PayloadWithRelations> {
  const { twinModel, accountIdAt } = options;
  // `#>>` takes the path as a text array literal; null reads no account.
  const accountPath = accountIdAt ? `{${accountIdAt.join(',')}}` : null;
  const { rows } = await sql<{ rel: string; payload: Record<string, unknown>; consumed_at: Date | null }>`
    select 'token' as rel, t.payload, t.consumed_at from oidc_payloads t where t.model = ${model} and t.id = ${id}
    union all
    select 'account', ${accountWithProofsJson(sql`(t.payload #>> ${accountPath}::text[])::uuid`)}::jsonb, null
      from oidc_payloads t
     where t.model = ${model} and t.id = ${id} and t.payload #>> ${accountPath}::text[] ~ ${uuidPatternSource}
    union all
    select 'twin', w.payload, w.consumed_at from oidc_payloads w where w.model = ${twinModel ?? null} and w.id = ${id}
    union all
    select 'grant', g.payload, g.consumed_at
      from oidc_payloads t join oidc_payloads g on g.model = 'Grant' and g.id = t.payload->>'grantId'
      where t.model = ${model} and t.id = ${id}
    union all
    (select 'session', s.payload, s.consumed_at
      from oidc_payloads t join oidc_payloads s on s.model = 'Session' and s.uid = t.payload->>'sessionUid'
      where t.model = ${model} and t.id = ${id} and t.payload->>'expiresWithSession' = 'true'
      order by s.created_at desc limit 1)
  `.execute(db);
  const stored = (rel: string): StoredPayload | undefined => {
    const row = rows.find((r) => r.rel === rel);
    return row && { payload: row.payload, consumedAt: row.consumed_at };
  };
  const token = stored('token');
  const found: PayloadWithRelations = { token, ...(twinModel ? { twin: { row: stored('twin') ?? null } } : {}) };
  if (!token) return found;
  const account = rows.find((r) => r.rel === 'account');
  const accountId = accountIdAt ? stringOrNull(valueAt(token.payload, accountIdAt)) : null;
  if (account && accountId) found.account = { id: accountId, read: account.payload ? accountWithProofsFrom(account.payload as unknown as AccountJson) : null };
  const grantId = stringOrNull(token.payload.grantId);
  if (grantId) found.grant = { id: grantId, row: stored('grant') ?? null };
  const sessionUid = stringOrNull(token.payload.sessionUid);
  if (sessionUid && token.payload.expiresWithSession === true) found.session = { uid: sessionUid, row: stored('session') ?? null };
  return found;
}
