// SQL for QR sign-in tickets: insert, read, and every state change as one conditional update
// (`… where state = … and expires_at > now returning …`), so a ticket moves forward at most once.

import type { Kysely } from 'kysely';
import type { DB, QrTicketState } from '../db/schema.js';

export interface QrTicketRow {
  id: string;
  secretHash: string;
  interactionUid: string;
  clientId: string | null;
  state: QrTicketState;
  accountId: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
}

const columns = ['id', 'secret_hash', 'interaction_uid', 'client_id', 'state', 'account_id', 'expires_at', 'consumed_at'] as const;

function toRow(r: {
  id: string;
  secret_hash: string;
  interaction_uid: string;
  client_id: string | null;
  state: QrTicketState;
  account_id: string | null;
  expires_at: Date;
  consumed_at: Date | null;
}): QrTicketRow {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    interactionUid: r.interaction_uid,
    clientId: r.client_id,
    state: r.state,
    accountId: r.account_id,
    expiresAt: r.expires_at,
    consumedAt: r.consumed_at,
  };
}

export async function insertQrTicket(
  db: Kysely<DB>,
  row: { id: string; secretHash: string; interactionUid: string; clientId: string | null; expiresAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto('qr_tickets')
    .values({
      id: row.id,
      secret_hash: row.secretHash,
      interaction_uid: row.interactionUid,
      client_id: row.clientId,
      state: 'pending',
      expires_at: row.expiresAt,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

export async function findQrTicket(db: Kysely<DB>, id: string): Promise<QrTicketRow | undefined> {
  const row = await db.selectFrom('qr_tickets').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toRow(row);
}

/** Ends the still-open tickets of an interaction (a new one replaces them). */
export async function expireOpenTicketsOf(db: Kysely<DB>, interactionUid: string, now: Date): Promise<void> {
  await db
    .updateTable('qr_tickets')
    .set({ state: 'expired', updated_at: now })
    .where('interaction_uid', '=', interactionUid)
    .where('state', 'in', ['pending', 'scanned'])
    .execute();
}

/**
 * Moves a live ticket from one of `from` to `to` (optionally requiring or setting its account);
 * returns the updated row, or undefined when no row matched (wrong state, expired, other account).
 */
export async function moveQrTicket(
  db: Kysely<DB>,
  input: { id: string; from: readonly QrTicketState[]; to: QrTicketState; now: Date; requireAccountId?: string; setAccountId?: string },
): Promise<QrTicketRow | undefined> {
  let query = db
    .updateTable('qr_tickets')
    .set({ state: input.to, updated_at: input.now, ...(input.setAccountId ? { account_id: input.setAccountId } : {}) })
    .where('id', '=', input.id)
    .where('state', 'in', [...input.from])
    .where('expires_at', '>', input.now);
  if (input.requireAccountId) query = query.where('account_id', '=', input.requireAccountId);
  const row = await query.returning(columns).executeTakeFirst();
  return row && toRow(row);
}

/** Consumes a confirmed ticket of this interaction once; returns the confirming account id. */
export async function consumeConfirmedTicket(
  db: Kysely<DB>,
  input: { id: string; interactionUid: string; now: Date; notBefore: Date },
): Promise<string | undefined> {
  const row = await db
    .updateTable('qr_tickets')
    .set({ consumed_at: input.now, updated_at: input.now })
    .where('id', '=', input.id)
    .where('interaction_uid', '=', input.interactionUid)
    .where('state', '=', 'confirmed')
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', input.notBefore)
    .returning('account_id')
    .executeTakeFirst();
  return row?.account_id ?? undefined;
}

/** Deletes tickets that expired before `before` (purge job). */
export async function deleteExpiredQrTickets(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('qr_tickets').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
